"""A chart without data says so — on the page, in the PDF and in the XLSX — instead of drawing
axes from −1 to 4 around nothing."""

import io
import re

from openpyxl import load_workbook
from pypdf import PdfReader

from clb.cockpit.regions import Geography
from clb.cockpit.report import build_report
from clb.cockpit.report_files import write
from clb.statistics.periods import parse
from tests.factories import T0, make_item

from .helpers import record_many
from .test_pages import login

NO_DATA = "Geen gegevens voor deze regio en periode."
SUPPRESSED = "Alle aantallen zijn kleiner dan 10 en worden daarom niet getoond."


def test_the_page_says_which_charts_have_no_data(net):
    html = login(region="NL").get("/cockpit/", {"periode": "2026-H1"}).content.decode()
    # Nobody was ever counted (no member count): no data. No loans were registered either, and
    # a count under 10 (0 included) is never shown: the chart says that.
    for name in ("members_by_age",):
        found = re.search(rf'<p class="chart chart-empty[^"]*" data-empty-chart="{name}">(.*?)</p>',
                          html, re.S)  # fmt: skip
        assert found and NO_DATA in found.group(1), name
        assert f'data-chart="{name}"' not in html and f'id="{name}"' not in html
    assert 'data-empty-chart="kaart"' in html and 'data-map="spec-map"' not in html
    for name in ("loans_by_material", "trend"):
        found = re.search(rf'data-empty-chart="{name}">(.*?)</p>', html, re.S)
        assert found and SUPPRESSED in found.group(1), name


def test_a_chart_of_small_counts_says_why(net):
    book = make_item(net.a1)
    record_many(15, "checkout", at=T0, organisation=net.org_a, branch=net.a1, item=book)
    html = login(region="NL").get("/cockpit/", {"periode": "2026-H1"}).content.decode()
    assert 'data-empty-chart="loans_by_material"' not in html  # 15 loans: drawn
    assert 'data-chart="loans_by_material"' in html


def test_report_files_say_it_too(net):
    geo = Geography()
    report = build_report(geo, geo.region("GM0344"), parse("2026-H1"), at=T0)
    out = io.BytesIO()
    write(report, "pdf", out)
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(out.getvalue())).pages).split()
    )
    assert NO_DATA in text and SUPPRESSED in text  # members unknown; loans none
    out = io.BytesIO()
    write(report, "xlsx", out)
    sheet = load_workbook(io.BytesIO(out.getvalue()))["Grafieken"]
    assert NO_DATA in [c.value for row in sheet.iter_rows() for c in row]
    assert not sheet._charts
