"""The Wsob data delivery goes to the KB, which builds the national statistics from it: it carries
exact counts, and says so in its header. Pages, reports and their downloads that others read keep
suppressing the same small counts."""

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.test import Client

from clb import exports
from clb.accounts.models import User
from clb.cockpit.regions import Geography
from clb.cockpit.report import build_report
from clb.cockpit.report_files import write
from clb.cockpit.wsob import delivery
from clb.members.services import take_member_snapshot
from clb.services import services as registration
from clb.statistics.periods import parse
from tests import csvfiles
from tests.factories import T0, make_item, make_patron

from .helpers import record_many

ORG = "ORG:bibliotheek-utrecht"


@pytest.fixture
def small_counts(net):
    """Bibliotheek Utrecht in 2026: 40 book loans and 3 dvd loans; 15 IDO questions about
    taxes and 4 about DigiD; 12 adults and 3 children joined."""
    adults = [make_patron(net.org_a, at=T0) for _ in range(12)]
    for _ in range(3):
        make_patron(net.org_a, birth_date=date(2015, 4, 1), at=T0)
    record_many(40, "checkout", at=T0, organisation=net.org_a, branch=net.a1,
                item=make_item(net.a1), patron=adults[0])  # fmt: skip
    record_many(3, "checkout", at=T0, organisation=net.org_a, branch=net.a1,
                item=make_item(net.a1, item_type="dvd"), patron=adults[1])  # fmt: skip
    for _ in range(15):
        registration.register_quick_contact("3", branch=net.a1, at=T0)
    for _ in range(4):
        registration.register_quick_contact("1", branch=net.a1, at=T0)
    take_member_snapshot(on=date(2026, 3, 5))
    return net


SMALL = {
    # delivery code: (indicator on pages, breakdown key, its label, exact count)
    "uitleningen.materiaal.dvd": ("loans_by_material", "dvd", "dvd", 3),
    "ido.thema.digid": ("ido_by_theme", "digid", "DigiD", 4),
    "leden.nieuw.9-14": ("new_members_by_age", "9-14", "9–14", 3),
    "leden.leeftijd.9-14": ("members_by_age", "9-14", "9–14", 3),
}


def _read(text: str, style=exports.DUTCH) -> tuple[list[list[str]], list[list[str]]]:
    """The file as a spreadsheet program reads it: (its header lines, the rows after them)."""
    if style.bom:
        assert text.startswith("\ufeff# ")  # the mark first, or Excel misreads the encoding
        text = text[1:]
    cells = list(csv.reader(io.StringIO(text), delimiter=style.delimiter))
    n = next(i for i, row in enumerate(cells) if not row[0].startswith("# "))
    return cells[:n], cells[n:]


def test_the_delivery_carries_exact_counts_and_says_so_in_its_header(small_counts):
    table = delivery(small_counts.org_a, 2026, at=T0)
    rows = {r[1]: r for r in table.rows}
    for code, (_indicator, _key, _label, count) in SMALL.items():
        assert rows[code][3] == count, code
    assert rows["uitleningen.materiaal.book"][3] == 40
    assert rows["ido.thema.belastingen"][3] == 15
    assert rows["leden.nieuw.20-64"][3] == 12
    assert "< 10" not in [r[3] for r in table.rows]

    for style in (exports.DUTCH, exports.PLAIN):
        header, body = _read(table.csv(style), style)
        assert len(header) == 3 and all(len(line) == 1 for line in header)  # one cell each
        said = " ".join(line[0] for line in header)
        assert "exacte aantallen" in said and "niet onderdrukt" in said
        assert "KB" in said and "CBS" in said  # who suppresses, and when: when they publish
        assert body[0] == ["vragenlijst", "code", "omschrijving", "waarde", "eenheid", "bron",
                           "status"]  # fmt: skip
        exact = {r[1]: r[3] for r in body[1:]}
        assert exact["uitleningen.materiaal.dvd"] == "3" and exact["ido.thema.digid"] == "4"
        assert "< 10" not in exact.values()


def test_the_header_is_comment_lines_whatever_the_organisation_is_called(small_counts):
    """A name with the delimiter and a formula in it stays inside its comment line."""
    org = small_counts.org_a
    org.name = 'Bibliotheek; =HYPERLINK("http://evil.example","Klik"), Utrecht'
    org.save()
    table = delivery(org, 2026, at=T0)
    for style in (exports.DUTCH, exports.PLAIN):
        text = table.csv(style)
        header, body = _read(text, style)
        assert len(header) == 3 and all(len(line) == 1 for line in header), header
        assert "HYPERLINK" in header[0][0] and not header[0][0].startswith("=")
        assert not any(c.startswith("=") for row in body for c in row)
        # a program reading "#" as a comment sees the table, as csvfiles.dicts does
        assert csvfiles.preamble(text)[0] == header[0][0].removeprefix("# ")


def test_the_command_and_the_download_write_the_same_exact_file(small_counts, tmp_path):
    out = tmp_path / "wsob.csv"
    call_command("wsob_export", "--organisation", small_counts.org_a.code, "--year", "2026",
                 "--output", str(out), stdout=io.StringIO())  # fmt: skip
    written = out.read_bytes()
    assert written.startswith(b"\xef\xbb\xbf# ")  # UTF-8 byte-order mark, then the header
    dutch, dutch_rows = _read(written.decode("utf-8"))
    assert "exacte aantallen" in dutch[1][0]
    assert {r[1]: r[3] for r in dutch_rows[1:]}["ido.thema.digid"] == "4"
    plain = tmp_path / "wsob-komma.csv"
    call_command("wsob_export", "--organisation", small_counts.org_a.code, "--year", "2026",
                 "--csv", "komma", "--output", str(plain), stdout=io.StringIO())  # fmt: skip
    header, body = _read(plain.read_text(encoding="utf-8"), exports.PLAIN)
    assert "exacte aantallen" in header[1][0] and body[0][0] == "vragenlijst"

    user = User.objects.create_user("kb", password="x-geheim-x", role="cockpit", region_code="NL")
    client = Client()
    client.force_login(user)
    response = client.get("/cockpit/wsob/", {"organisatie": small_counts.org_a.code,
                                              "jaar": "2026"})  # fmt: skip
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    downloaded, rows = _read(response.content.decode("utf-8"))
    assert downloaded[:2] == dutch[:2]  # the same header (the third names the moment)
    assert {r[1]: r[3] for r in rows[1:]}["uitleningen.materiaal.dvd"] == "3"
    assert rows == dutch_rows  # the same rows as the command's


def test_pages_reports_and_open_data_suppress_the_same_counts(small_counts):
    user = User.objects.create_user("kb", password="x-geheim-x", role="cockpit", region_code="NL")
    client = Client()
    client.force_login(user)
    query = {"regio": ORG, "periode": "2026"}

    # the dashboard's table of all indicators, downloaded as CSV (open data)
    response = client.get("/cockpit/tabel/indicatoren.csv", query)
    rows = csvfiles.dicts(response.content)
    shown = {(r["code"], r["uitsplitsing"]): r["waarde"] for r in rows}
    page = client.get("/cockpit/", query).content.decode()
    # the report as CSV, every figure one per row
    geo = Geography()
    report = build_report(geo, geo.region(ORG), parse("2026"), at=T0)
    buffer = io.BytesIO()
    write(report, "csv", buffer)
    long = csvfiles.dicts(buffer.getvalue())
    in_report = {(r["indicator_code"], r["uitsplitsing_code"]): r["waarde"] for r in long}

    for code, (indicator, key, label, _count) in SMALL.items():
        assert shown[(indicator, label)] == "< 10", code
        assert in_report[(indicator, key)] == "< 10", code
    assert shown[("loans_by_material", "boek")] == "40"
    assert in_report[("ido_by_theme", "belastingen")] == "15"
    assert "&lt; 10" in page
