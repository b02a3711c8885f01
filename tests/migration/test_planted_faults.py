"""A generated package of a library (real MARC, the real network's postcodes) with faults
planted at known rows: the dry run's report names every one, at its file, row and field."""

import csv
from datetime import date

import pytest

from clb.catalogue import reading
from clb.migration import services
from clb.migration.report import read_lines
from clb.network.models import PostcodeArea
from scripts.make_migration_package import PC4, make
from tests.catalogue.marcdata import real_bytes
from tests.factories import T0, make_item, make_patron

pytestmark = pytest.mark.django_db


@pytest.fixture
def utrecht(net):
    """The real postcode areas of Utrecht (CBS PC4), so a postcode that does not exist stands
    out among the ones that do."""
    with open(PC4, encoding="utf-8") as fh:
        codes = {r["pc4"] for r in csv.DictReader(fh) if r["municipality"] == "Utrecht"}
    PostcodeArea.objects.bulk_create(
        PostcodeArea(pc4=code, inhabitants=1000, lat=52.09, lon=5.11, municipality=net.gm_a)
        for code in sorted(codes - {"3511"})
    )
    return net


def planted(folder):
    with open(folder / "planted-faults.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def row_of(folder, name, number):
    with open(folder / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))[number - 2]


def test_the_report_names_every_planted_fault(utrecht, tmp_path):
    net = utrecht
    folder = tmp_path / "pakket"
    make(folder, 300, [net.a1.code, net.a2.code], "Utrecht", T0.date())
    faults = planted(folder)
    assert len(faults) >= 20
    # the faults that need CLB's side: another library has the barcode, another person the card
    for fault in faults:
        if fault["kind"] == "clb_barcode_of_other_organisation":
            make_item(net.b1, barcode=row_of(folder, "items.csv", int(fault["row"]))["barcode"])
        if fault["kind"] == "clb_card_of_other_person":
            card = row_of(folder, "patrons.csv", int(fault["row"]))["cardnumber"]
            make_patron(net.org_b, card_number=card, birth_date=date(1970, 1, 1))
    run = services.migrate(services.start(net.org_a, folder, dry_run=True), at=T0)
    assert run.status == "rehearsed", run.message
    lines = read_lines(services.report_folder(run) / "rijen.csv")
    found = {(x.file, x.row, x.outcome): x for x in lines}
    missing = []
    for f in faults:
        line = found.get((f["file"], int(f["row"]), f["expect"]))
        if line is None or (f["field"] and line.field != f["field"]):
            same_row = [(x.outcome, x.field, x.message) for x in lines
                        if (x.file, x.row) == (f["file"], int(f["row"]))]  # fmt: skip
            missing.append((f["kind"], f["file"], f["row"], same_row))
    assert not missing
    # and the rest came in: most rows created, none of the clean ones refused
    counts = run.counts
    assert counts["patrons.csv"]["aangemaakt"] >= 80
    assert counts["items.csv"]["aangemaakt"] >= 250
    assert counts["loans.csv"]["aangemaakt"] >= 25
    assert (services.report_folder(run) / "samenvatting.html").exists()
    assert "planted-faults.csv" in (services.report_folder(run) / "samenvatting.html").read_text()


def test_making_a_package_leaves_pymarcs_repairs_reported(net, tmp_path):
    """The generator quiets pymarc while it reads its sources; an import afterwards in the same
    process must still hear pymarc's repairs (regression45 has fields with three indicators)."""
    make(tmp_path / "pakket", 60, [net.a1.code], "Utrecht", T0.date())
    entries, _fmt = reading.read_bytes(real_bytes("pymarc-regression45"))
    repaired = [reason for e in entries for _tag, reason in e.repairs if "indicatoren" in reason]
    assert repaired
