"""The half-year report and the Wsob delivery, written to files and read back."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from clb.cockpit.regions import Geography
from clb.cockpit.report import build_report
from clb.cockpit.report_files import write
from clb.cockpit.wsob import delivery
from clb.members import services as members
from clb.members.services import take_member_snapshot
from clb.services import services as registration
from clb.statistics.periods import parse
from tests import csvfiles
from tests.factories import T0, make_item, make_patron

from .helpers import record_many

pypdf = pytest.importorskip("pypdf")


@pytest.fixture
def activity(net):
    patrons = [make_patron(net.org_a, at=T0) for _ in range(11)]
    item = make_item(net.a1)
    record_many(40, "checkout", at=T0, organisation=net.org_a, branch=net.a1, item=item,
                patron=patrons[0])  # fmt: skip
    record_many(4, "checkout", at=T0, organisation=net.org_b, branch=net.b1,
                item=make_item(net.b1), patron=patrons[1])  # fmt: skip
    for _ in range(15):
        registration.register_quick_contact("3", branch=net.a1, at=T0)
    take_member_snapshot(on=date(2026, 3, 5))
    return net


def _report(region, period="2026-H1"):
    geo = Geography()
    messages = []
    report = build_report(geo, geo.region(region), parse(period), at=T0, progress=messages.append)
    return report, messages


def test_report_holds_region_and_parts_and_reads_back_as_csv(activity):
    report, progress = _report("PV26")
    assert progress and any("onderdelen" in m for m in progress)
    buffer = io.BytesIO()
    write(report, "csv", buffer)
    rows = csvfiles.dicts(buffer.getvalue())
    loans = {r["regio_code"]: r["waarde"] for r in rows if r["indicator_code"] == "loans"}
    assert loans == {
        "PV26": "44",
        "GM0344": "40",
        "GM0307": "< 10",
        "ORG:bibliotheek-utrecht": "40",
        "ORG:bibliotheek-eemland": "< 10",
    }
    members = {r["regio_code"]: r["waarde"] for r in rows if r["indicator_code"] == "members"}
    assert members["GM0344"] == "11" and members["GM0307"] == "< 10"
    assert {r["status"] for r in rows} == {"voorlopig"}
    ido = next(
        r for r in rows
        if r["regio_code"] == "GM0344" and r["indicator_code"] == "ido_by_theme"
        and r["uitsplitsing_code"] == "belastingen"
    )  # fmt: skip
    assert ido["waarde"] == "15"


def test_report_includes_accessibility_when_the_analysis_is_installed(activity):
    accessibility = pytest.importorskip("clb.cockpit.accessibility")
    assert hasattr(accessibility, "summary_by_municipality")
    report, _ = _report("PV26")
    table = next(t for t in report.extra if t.name == "bereikbaarheid")
    assert {row[table.keys.index("code")] for row in table.rows} == {"GM0344", "GM0307"}


def test_report_as_xlsx_has_a_sheet_per_table_and_charts(activity):
    report, _ = _report("PV26")
    buffer = io.BytesIO()
    write(report, "xlsx", buffer)
    book = load_workbook(io.BytesIO(buffer.getvalue()))
    assert "Gemeenten" in book.sheetnames and "Alle cijfers" in book.sheetnames
    municipalities = book["Gemeenten"]
    headers = [c.value for c in municipalities[1]]
    loans_col = headers.index(next(h for h in headers if h.startswith("Uitleningen (")))
    values = {
        row[1]: row[loans_col]
        for row in municipalities.iter_rows(min_row=2, values_only=True)
        if row[1]  # the note under the table has no code
    }
    assert values == {"GM0344": 40, "GM0307": "< 10"}
    assert book["Grafieken"]._charts  # the bar charts are in the workbook
    assert "voorlopig" in [c.value for c in book["Overzicht"][2]]


def test_report_as_pdf_reads_back_with_figures_and_charts(activity):
    report, _ = _report("GM0344")
    buffer = io.BytesIO()
    write(report, "pdf", buffer)
    pdf = pypdf.PdfReader(io.BytesIO(buffer.getvalue()))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Halfjaarrapportage convenant" in text and "Utrecht" in text
    assert "voorlopig" in text
    assert "Uitleningen" in text and "< 10" in text
    assert "Leden naar leeftijd" in text  # a chart title (drawn, not a table cell)
    assert len(pdf.pages) >= 3


def test_clb_report_command_writes_the_file_and_shows_progress(activity, tmp_path, capsys):
    out = tmp_path / "rapport.xlsx"
    call_command("report", "--period", "2026-H1", "--region", "NL", "--format", "xlsx",
                 "--output", str(out))  # fmt: skip
    captured = capsys.readouterr()
    assert "onderdelen" in captured.err and str(out) in captured.out
    book = load_workbook(out)
    assert {"Provincies", "Gemeenten", "Organisaties"} <= set(book.sheetnames)


def test_clb_report_command_names_a_bad_region(activity, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="GM9999"):
        call_command("report", "--period", "2026-H1", "--region", "GM9999", "--output",
                     str(tmp_path / "x.csv"), "--format", "csv")  # fmt: skip
    assert not (tmp_path / "x.csv").exists()


def test_wsob_delivery_fills_the_four_questionnaires_from_live_data(activity):
    net = activity
    registration.record_staff_year(
        organisation=net.org_a, year=2026, staff_persons=30, staff_fte=21, volunteers=14,
        staff_trained=6, at=T0,
    )  # fmt: skip
    members.charge(make_patron(net.org_a, at=T0), net.org_a, "fine", Decimal("2.50"), at=T0)
    table = delivery(net.org_a, 2026, at=T0)
    rows = {r[1]: r for r in table.rows}
    assert {r[0] for r in table.rows} == {"bezit", "kernfuncties", "personeel", "financieel"}
    assert rows["uitleningen.totaal"][3] == 40
    assert rows["ido.contacten"][3] == 15
    assert rows["medewerkers.personen"][3] == 30
    assert rows["vrijwilligers"][3] == 14
    assert rows["exemplaren.totaal"][3] == 1
    assert rows["baten.te_laat_geld"][3] == Decimal("2.50")
    # adults pay 57,50 a year: 12 adult members registered in 2026
    assert rows["baten.contributies"][3] == Decimal("57.50") * 12
    assert rows["leden.totaal"][3] == 11  # the count of 5 March, before the 12th joined
    csv_rows = csvfiles.rows(table.csv())
    assert csv_rows[0] == ["vragenlijst", "code", "omschrijving", "waarde", "eenheid", "bron",
                           "status"]  # fmt: skip
