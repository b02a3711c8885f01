"""`clb export-holdings`: per organisation what changed in its holdings in a window; idempotent
(the same window gives the same file), resumable (a state file per organisation), CSV safe for
spreadsheets."""

import csv
import io
from datetime import timedelta

import pymarc
import pytest
from django.core.management import call_command
from django.utils import timezone

from clb.catalogue.models import BibRecord, Item, ItemStatus
from clb.circulation import services as circulation
from tests import csvfiles
from tests.factories import T0, make_item, make_record

pytestmark = pytest.mark.django_db


def rows(path) -> list[dict]:
    return csvfiles.dicts(path.read_bytes())  # Dutch Excel's CSV, as every export (clb.exports)


def test_a_window_holds_new_changed_withdrawn_and_deleted_copies(shelf, tmp_path):
    net = shelf.net
    Item.objects.update(changed_at=T0, created_at=T0)
    BibRecord.objects.update(changed_at=T0)
    since = T0 + timedelta(minutes=1)
    new = make_item(net.b1, shelf.records[3], barcode="5000000000001")
    Item.objects.filter(barcode=shelf.items[1].barcode).update(call_number="MINC")
    circulation.set_item_status(item_barcode=shelf.items[3].barcode, status=ItemStatus.WITHDRAWN)
    Item.objects.filter(barcode=shelf.items[5].barcode).delete()
    odd = make_record('=HYPERLINK("http://x")')
    make_item(net.b1, odd, barcode="5000000000002")
    call_command("export-holdings".replace("-", "_"), "--since", since.isoformat(), "--format", "csv", "--organisation", "NL-0307EL", "--output", str(tmp_path))  # fmt: skip
    (path,) = tmp_path.glob("NL-0307EL_*.csv")
    found = {r["barcode"]: r for r in rows(path)}
    assert {b: r["change"] for b, r in found.items()} == {
        new.barcode: "new",
        shelf.items[1].barcode: "changed",
        shelf.items[3].barcode: "withdrawn",
        shelf.items[5].barcode: "deleted",
        "5000000000002": "new",
    }
    assert found["5000000000002"]["title"].startswith("'=")  # not a formula in a spreadsheet
    assert shelf.items[0].barcode not in found  # Utrecht's, and unchanged
    # For programs: the plain style, as with every CSV command.
    call_command("export_holdings", "--since", since.isoformat(), "--format", "csv", "--csv", "komma", "--organisation", "NL-0307EL", "--output", str(tmp_path / "plain"))  # fmt: skip
    (plain,) = (tmp_path / "plain").glob("NL-0307EL_*.csv")
    text = plain.read_text(encoding="utf-8")
    assert not text.startswith("\ufeff")
    plain_rows = {r["barcode"]: r for r in csv.DictReader(io.StringIO(text))}
    assert plain_rows["5000000000002"]["title"] == found["5000000000002"]["title"]


def test_marcxml_files_are_one_per_organisation_readable_and_the_same_window_gives_the_same_file(
    shelf, tmp_path
):
    until = timezone.now() + timedelta(seconds=1)
    call_command("export_holdings", "--until", until.isoformat(), "--output", str(tmp_path))
    files = sorted(p.name.split("_")[0] for p in tmp_path.glob("*.xml"))
    assert files == ["NL-0307EL", "NL-0344UB"]
    first = {p.name: p.read_bytes() for p in tmp_path.glob("*.xml")}
    parsed = pymarc.parse_xml_to_array(str(next(tmp_path.glob("NL-0344UB_*.xml"))))
    assert len(parsed) == 6 and all(r.get_fields("852") for r in parsed)
    call_command("export_holdings", "--since", "2000-01-01T00:00:00+00:00", "--until", until.isoformat(), "--output", str(tmp_path / "again"))  # fmt: skip
    for name, content in first.items():
        again = tmp_path / "again" / name.replace("begin", "20000101T000000Z")
        assert again.read_bytes() == content


def test_a_run_without_since_continues_where_the_last_one_ended(shelf, tmp_path):
    call_command("export_holdings", "--format", "csv", "--output", str(tmp_path))
    assert sum(len(rows(p)) for p in tmp_path.glob("*.csv")) == len(shelf.items)
    make_item(shelf.net.a1, shelf.records[0], barcode="5000000000009")
    for p in tmp_path.glob("*.csv"):
        p.rename(p.with_suffix(".done"))
    call_command("export_holdings", "--format", "csv", "--output", str(tmp_path))
    got = [r["barcode"] for p in tmp_path.glob("*.csv") for r in rows(p)]
    assert got == ["5000000000009"]


def test_bad_arguments_are_clear(shelf, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="onbekende ISIL"):
        call_command("export_holdings", "--organisation", "NL-XXXX", "--output", str(tmp_path))
    with pytest.raises(CommandError, match="geen tijdstip"):
        call_command("export_holdings", "--since", "gisteren", "--output", str(tmp_path))
