"""A small Koha-style export (Koha's column names) migrates: dry run, real run, a second run
that changes nothing, and an undo."""

import gzip
from datetime import date, timedelta

import pymarc
import pytest
from django.core.management import call_command

from clb.catalogue.models import BibRecord, Item, ItemStatus
from clb.circulation.models import Hold, HoldStatus, Loan
from clb.members import services as members
from clb.members.models import LedgerLine, Membership, Patron
from clb.migration import services
from clb.migration.models import IdMapEntry
from clb.migration.report import read_lines
from clb.operations import invariants
from clb.statistics import tallies
from clb.statistics.models import CirculationEvent, PlaceTally, ResidenceTally
from tests.catalogue.marcdata import field, iso2709, marcxml, record
from tests.factories import T0

from .koha import ISIL, KOHA_PIN, write_koha_package

pytestmark = pytest.mark.django_db(transaction=False)
AT = T0  # 2026-03-02 10:00


def migrate(folder, org, *, dry_run=False):
    run = services.start(org, folder, dry_run=dry_run, report_dir=folder.parent / "rapport")
    return services.migrate(run, at=AT)


def lines(run, outcome=None):
    found = read_lines(services.report_folder(run) / "rijen.csv")
    return [x for x in found if outcome is None or x.outcome == outcome]


def snapshot():
    return (
        Patron.objects.count(), Membership.objects.count(), Item.objects.count(),
        BibRecord.objects.count(), Loan.objects.count(), Hold.objects.count(),
        LedgerLine.objects.count(), CirculationEvent.everything.count(),
        sorted(Item.objects.values_list("barcode", "status")),
        sorted(Loan.objects.values_list("due_at", "renewals")),
    )  # fmt: skip


def test_koha_export_dry_run_real_run_rerun_and_undo(net, tmp_path):
    net.a2.isil = "NL-UtKoha02"  # the package names this branch by its ISIL
    net.a2.save()
    folder = write_koha_package(tmp_path / "koha", net)
    before = snapshot()
    dry = migrate(folder, net.org_a, dry_run=True)
    assert dry.status == "rehearsed", dry.message
    assert snapshot() == before  # nothing written
    refused = {(x.file, x.row, x.field) for x in lines(dry, "geweigerd")}
    assert ("items.csv", 4, "homebranch") in refused  # ZZZ: not in the mapping
    assert ("patrons.csv", 5, "dateofbirth") in refused
    assert ("loans.csv", 5, "date_due") in refused  # due before checkout
    assert ("loans.csv", 4, "barcode") in refused  # K0005 is missing (itemlost 4)
    assert ("holds.csv", 5, "biblionumber") in refused  # title 109 is not in the package
    assert ("fees.csv", 5, "debit_type_code") in refused  # NEW_CARD not in the mapping
    warnings = {(x.file, x.row, x.field) for x in lines(dry, "waarschuwing")}
    assert ("patrons.csv", 4, "zipcode") in warnings  # 9999: no such postcode area
    assert ("patrons.csv", 3, "categorycode") in warnings  # a child on a paying type: made free
    assert ("patrons.csv", 7, "guarantor_id") in warnings  # guarantor 77 is not in the package
    assert ("patrons.csv", 7, "contactname") in warnings  # so a 5-year-old without a guardian
    assert ("mapping.toml", 4, "isil") in {
        (x.file, x.row, x.field) for x in lines(dry, "aangemaakt")
    }
    net.org_a.refresh_from_db()
    assert net.org_a.isil is None  # the dry run wrote nothing, not even the ISIL
    skipped = {(x.file, x.row) for x in lines(dry, "overgeslagen")}
    assert ("fees.csv", 3) in skipped  # a child's subscription fee is not carried over
    assert ("blocks.csv", 3) in skipped  # an expired restriction

    real = migrate(folder, net.org_a)
    assert real.status == "done", real.message
    assert {(x.file, x.row, x.field) for x in lines(real, "geweigerd")} == refused
    ans = Patron.objects.get(card_number="21000000000011")
    sem = Patron.objects.get(card_number="21000000000029")
    kees = Patron.objects.get(card_number="21000000000037")
    assert sem.memberships.get().subscription_type.yearly_fee == 0
    mees = Patron.objects.get(card_number="21000000000052")  # Koha's guarantor: Ans
    assert (mees.guardian_name, mees.guardian_email) == ("Ans Jansen", "ans@example.org")
    net.org_a.refresh_from_db()
    assert net.org_a.isil == ISIL  # the library's ISIL from the package
    assert Item.objects.get(barcode="K0002").home_branch == net.a2  # OVV → the branch's ISIL
    assert LedgerLine.objects.get(kind="fine").item.barcode == "K0001"
    assert kees.blocked and "beschadigd" in kees.block_reason and kees.municipality is None
    assert kees.keep_history and not ans.keep_history
    assert members.verify_pin(ans.card_number, KOHA_PIN) == ans
    assert members.verify_pin(sem.card_number, "1357") == sem
    loan = Loan.objects.get(item__barcode="K0001")
    assert (loan.patron, loan.renewals, loan.checked_out_at.date().isoformat()) == (
        ans,
        1,
        "2026-02-10",
    )
    assert Item.objects.get(barcode="K0001").status == ItemStatus.ON_LOAN
    assert Item.objects.get(barcode="K0005").status == ItemStatus.MISSING
    assert Item.objects.get(barcode="K0003").call_number == "Jeugd J SCHM"
    ready = Hold.objects.get(patron=kees, record__title="Pluk van de Petteflet")
    assert ready.status == HoldStatus.READY and ready.captured_item.barcode == "K0004"
    assert ready.expires_at.date().isoformat() == "2026-03-07"
    queue = list(Hold.objects.filter(record__title="De avonden").order_by("placed_at", "id"))
    assert [h.patron for h in queue] == [sem, kees]
    assert ans.balance(net.org_a) == pytest.approx(-2.50)  # 2.50 owed, 5.00 in credit
    # the cockpit counts none of it
    assert not PlaceTally.objects.exists() and not CirculationEvent.objects.exists()
    tallies.rebuild(date(2019, 1, 1), date(2026, 12, 31))  # nor when it recounts from events
    assert not PlaceTally.objects.exists() and not ResidenceTally.objects.exists()
    assert CirculationEvent.everything.filter(source=real.source).count() > 0

    # CLB's own invariants hold for what came in: each loan has its checkout (and renewals),
    # dated when they happened in Koha, statuses match loans, holds and transits
    assert invariants.check() == []
    assert CirculationEvent.everything.get(source=real.source, action="checkout",
                                           item_type="boek").occurred_on.isoformat() == "2026-02-10"  # fmt: skip

    after = snapshot()
    again = migrate(folder, net.org_a)
    assert snapshot() == after  # a second run changes nothing
    assert not lines(again, "aangemaakt")

    # after the migration Sem renews a loan, and Ans and Sem used their cards (their PINs are
    # CLB's own now): undo leaves them and Sem's loan, and takes out the rest
    from clb.circulation import services as circulation

    circulation.renew(item_barcode="K0003", at=AT + timedelta(days=5))
    undone = services.undo(real)
    assert undone.status == "partly_undone"
    report = undone.undo_report
    assert "Uitlening van K0003 is sindsdien verlengd" in report
    assert "pas 21000000000011 blijft: gegevens sindsdien gewijzigd" in report
    assert set(Patron.objects.values_list("card_number", flat=True)) == {
        "21000000000011", "21000000000029",
    }  # fmt: skip
    assert not Hold.objects.exists() and not LedgerLine.objects.exists()
    assert set(Item.objects.values_list("barcode", flat=True)) == {"K0003"}
    assert Item.objects.get(barcode="K0003").status == ItemStatus.ON_LOAN
    assert not Patron.objects.get(card_number="21000000000011").blocked
    assert not CirculationEvent.everything.filter(source=real.source).exists()
    assert list(
        IdMapEntry.objects.filter(run=real, kind="loan").values_list("source_id", flat=True)
    ) == ["9002"]
    net.org_a.refresh_from_db()
    assert net.org_a.isil is None


def test_a_package_of_another_library_is_refused_whole(net, tmp_path):
    net.org_a.isil = "NL-UtAnders"
    net.org_a.save()
    folder = write_koha_package(tmp_path / "koha", net)
    before = snapshot()
    run = migrate(folder, net.org_a)
    assert run.status == "failed"
    assert f"isil {ISIL} is niet de ISIL van {net.org_a.code} (NL-UtAnders)" in run.message
    assert snapshot() == before


def test_the_command_rehearses_runs_and_undoes(net, tmp_path, capsys):
    folder = write_koha_package(tmp_path / "koha", net)
    call_command("migrate_library", str(folder), "--organisation", net.org_a.code, "--dry-run",
                 "--report", str(tmp_path / "r"))  # fmt: skip
    out = capsys.readouterr().out
    assert "proefrun" in out and "patrons.csv" in out and "geweigerd" in out
    assert "Proefrun" in (tmp_path / "r" / "samenvatting.html").read_text()
    assert not Patron.objects.exists()
    net.org_a.isil = ISIL  # a library with its ISIL is named by it
    net.org_a.save()
    call_command("migrate_library", str(folder), "--organisation", ISIL.lower())
    out = capsys.readouterr().out
    run_id = int(out.split("--undo ")[1].split()[0])
    assert Patron.objects.count() == 5
    call_command("migrate_library", "--undo", str(run_id))
    assert "ongedaan gemaakt" in capsys.readouterr().out
    assert not Patron.objects.exists() and not Item.objects.exists()


def test_undo_takes_out_a_title_the_package_had_twice(net, tmp_path):
    """Two records of one title in the package merge on their ISBN; undo takes out both, also
    when the run's clock is not the moment it was started."""
    folder = write_koha_package(tmp_path / "koha", net)
    twice = record("De avonden", author="Reve, Gerard", control="ocm9", isbn="9789023466321",
                   extra=[field("999", ("c", "109")),
                          field("952", ("a", "CEN"), ("p", "K0009"), ("y", "BK"), ("9", "5009"))])  # fmt: skip
    with open(folder / "biblio.mrc", "ab") as fh:
        fh.write(iso2709(twice))
    run = migrate(folder, net.org_a)
    assert ("biblio.mrc", 4) in {(x.file, x.row) for x in lines(run, "samengevoegd")}
    assert Item.objects.get(barcode="K0009").record.title == "De avonden"
    undone = services.undo(run)
    assert undone.status == "undone", undone.undo_report
    assert not BibRecord.objects.exists() and not Item.objects.exists()


def test_a_second_run_brings_in_what_changed_in_the_old_system_and_undo_still_works(net, tmp_path):
    """Between the runs the old system went on: Ans moved, renewed her loan, and a copy was
    found missing. The second run updates those rows (nothing is doubled), and undoing the
    first run still takes them out: the id map follows the migration's own updates."""
    folder = write_koha_package(tmp_path / "koha", net)
    first = migrate(folder, net.org_a)
    patrons = (folder / "patrons.csv").read_text(encoding="utf-8")
    (folder / "patrons.csv").write_text(
        patrons.replace("Oudegracht 1,3511 AB,Utrecht,ans@example.org",
                        "Oudegracht 9,3511 AB,Utrecht,ans@example.nl"), encoding="utf-8")  # fmt: skip
    loans = (folder / "loans.csv").read_text(encoding="utf-8")
    (folder / "loans.csv").write_text(
        loans.replace("K0001,2026-02-10 14:02:00,2026-03-03,1", "K0001,2026-02-10 14:02:00,2026-03-24,2"),
        encoding="utf-8")  # fmt: skip
    items = (folder / "items.csv").read_text(encoding="utf-8")
    (folder / "items.csv").write_text(
        items.replace("5004,102,K0004,OVV,OVV,J SCHM,JBK,JEUGD,14.95,0", "5004,102,K0004,OVV,OVV,J SCHM,JBK,JEUGD,14.95,4"),
        encoding="utf-8")  # fmt: skip
    counts = (Patron.objects.count(), Loan.objects.count(), Item.objects.count())
    second = migrate(folder, net.org_a)
    assert (Patron.objects.count(), Loan.objects.count(), Item.objects.count()) == counts
    updated = {(x.file, x.row) for x in lines(second, "bijgewerkt")}
    assert {("patrons.csv", 2), ("loans.csv", 2)} <= updated
    ans = Patron.objects.get(card_number="21000000000011")
    assert (ans.street, ans.email) == ("Oudegracht 9", "ans@example.nl")
    loan = Loan.objects.get(item__barcode="K0001")
    assert (loan.due_at.date().isoformat(), loan.renewals) == ("2026-03-24", 2)
    # K0004 lay ready for Kees: the copy a hold set aside keeps its state, reported
    assert Item.objects.get(barcode="K0004").status == ItemStatus.ON_HOLD_SHELF

    assert invariants.check() == []  # the renewal since came with its event
    assert services.undo(second).status == "undone"  # it created nothing
    undone = services.undo(first)
    assert undone.status == "undone", undone.undo_report
    assert not Patron.objects.exists() and not Loan.objects.exists() and not Item.objects.exists()


def test_a_member_id_twice_in_the_export_refuses_the_later_row(net, tmp_path):
    folder = write_koha_package(tmp_path / "koha", net)
    with open(folder / "patrons.csv", "a", encoding="utf-8") as fh:
        fh.write("1,21000000000078,Jansen,Anna,1961-04-02,Oudegracht 1,3511 AB,Utrecht,,,CEN,PT,"
                 "2019-01-15,2027-01-15,,1,,,\n")  # fmt: skip
    run = migrate(folder, net.org_a)
    assert run.status == "done", run.message
    assert ("patrons.csv", 8, "borrowernumber") in {
        (x.file, x.row, x.field) for x in lines(run, "geweigerd")
    }
    assert not Patron.objects.filter(card_number="21000000000078").exists()


def test_titles_in_gzipped_marcxml_migrate_like_iso2709(net, tmp_path):
    """Koha and FOLIO export MARCXML as often as ISO 2709: the same package with its titles
    in biblio.xml.gz ends in the same state, its copies (952) included."""
    as_iso = write_koha_package(tmp_path / "iso", net)
    as_xml = write_koha_package(tmp_path / "xml", net)
    records = pymarc.MARCReader((as_xml / "biblio.mrc").read_bytes(), to_unicode=True)
    (as_xml / "biblio.xml.gz").write_bytes(gzip.compress(marcxml(*records)))
    (as_xml / "biblio.mrc").unlink()
    run = migrate(as_xml, net.org_a)
    assert run.status == "done", run.message
    assert Item.objects.get(barcode="K0001").record.title == "De avonden"
    from_xml = snapshot()
    assert services.undo(run).status == "undone"
    assert migrate(as_iso, net.org_a).status == "done"
    assert snapshot() == from_xml
