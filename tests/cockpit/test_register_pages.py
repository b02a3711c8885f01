"""Every cockpit and accessibility page and report says how complete the branch register is for
the region shown, puts CBS's road distance beside CLB's estimate, and marks the figures that
rest on an incomplete register (on the real reference data)."""

import io
from datetime import datetime

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from clb.cockpit.regions import Geography
from clb.cockpit.report import build_report
from clb.cockpit.report_files import write
from clb.statistics.periods import parse
from tests import csvfiles
from tests.factories import AMS

from .test_pages import login

AT = datetime(2026, 3, 2, 10, 0, tzinfo=AMS)


@pytest.fixture
def country(db):
    call_command("load_reference", stdout=io.StringIO())


def test_accessibility_page_shows_cbs_beside_clb_and_the_register(country):
    client = login(region="NL")
    html = client.get("/cockpit/bereikbaarheid/", {"regio": "GM0363"}).content.decode()
    assert 'data-register="onvolledig"' in html
    assert "Vestigingenregister Amsterdam: 0 van naar schatting 63 bibliotheeklocaties" in html
    assert "1,3 km over de weg (2023; Bron: CBS)" in html
    assert "(hemelsbreed, CLB)" in html
    # per municipality: Amsterdam among those where locations are missing, with both distances
    assert "1 gemeente waar volgens het CBS locaties ontbreken" in html
    assert (
        '<tr data-code="GM0363"><th scope="row">Amsterdam</th><td>12,5</td><td>1,3 (2023)' in html
    )
    national = client.get("/cockpit/bereikbaarheid/").content.decode()
    assert "Vestigingenregister Nederland: 78 van naar schatting 1.209" in national
    assert "2,0 km over de weg (2023; Bron: CBS)" in national
    the_hague = client.get("/cockpit/bereikbaarheid/", {"regio": "GM0518"}).content.decode()
    assert "0 gemeenten waar volgens het CBS locaties ontbreken" in the_hague
    assert "klopt met CBS" in the_hague


def test_accessibility_csv_has_cbs_and_the_check(country, capsys):
    response = login(region="NL").get(
        "/cockpit/bereikbaarheid/", {"regio": "PV27", "formaat": "csv"}
    )
    rows = {r["gemeentecode"]: r for r in csvfiles.dicts(response.content)}
    assert rows["GM0363"]["cbs_gem_km_over_de_weg"] == "1,3"
    assert rows["GM0363"]["cbs_jaar"] == "2023"
    assert rows["GM0363"]["locaties_ontbreken_volgens_cbs"] == "ja"
    call_command("accessibility", "--output", "-")  # the CLI says it too
    err = capsys.readouterr().err
    assert "Vestigingenregister Nederland: 78 van naar schatting 1.209" in err
    assert "CBS: gemiddeld 2.0 km over de weg (2023)" in err


def test_dashboard_states_the_register_and_marks_network_figures(country):
    html = login(region="NL").get("/cockpit/", {"periode": "2026-H1"}).content.decode()
    assert "Vestigingenregister Nederland: 78 van naar schatting 1.209" in html
    assert html.count("register onvolledig: 78 van naar schatting 1.209") >= 5  # network rows
    amsterdam = login(region="GM0363", username="ams").get("/cockpit/").content.decode()
    assert "Vestigingenregister Amsterdam: 0 van naar schatting 63" in amsterdam


def test_report_files_state_the_register_and_mark_figures(country):
    geo = Geography()
    report = build_report(geo, geo.region("PV22"), parse("2026-H1"), at=AT)  # Drenthe
    assert report.notes[0].startswith("Vestigingenregister Drenthe: ")
    out = io.BytesIO()
    write(report, "csv", out)
    rows = csvfiles.dicts(out.getvalue())
    marked = {
        (r["regio_code"], r["indicator_code"])
        for r in rows
        if r["kanttekening"].startswith("register onvolledig")
    }
    assert ("PV22", "vestigingen_per_100k") in marked and ("GM0106", "staffed_hours") in marked
    assert not any(r["kanttekening"] for r in rows if r["indicator_code"] == "members")
    out = io.BytesIO()
    write(report, "xlsx", out)
    book = load_workbook(io.BytesIO(out.getvalue()))
    cover = [c.value for row in book["Overzicht"].iter_rows() for c in row if c.value]
    assert any(str(v).startswith("Vestigingenregister Drenthe") for v in cover)
    out = io.BytesIO()
    write(report, "pdf", out)
    pdf = PdfReader(io.BytesIO(out.getvalue()))
    first = " ".join(pdf.pages[0].extract_text().split())
    assert "Vestigingenregister Drenthe" in first
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert "CBS: gem. km over de weg" in text
