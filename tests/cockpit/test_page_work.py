"""The dashboard does less work for the same page: what it reuses or skips gives the same tables
as computing each part on its own."""

import pytest

from clb.accounts.models import User
from clb.cockpit import dashboard
from clb.cockpit.regions import Geography
from clb.statistics.periods import parse
from tests.factories import T0

from .test_pages import busy  # noqa: F401 (the fixture: activity in Utrecht and Amersfoort)

pytestmark = pytest.mark.usefixtures("busy")


@pytest.mark.parametrize("period_code", ["2026-H1", "2026"])
def test_the_trend_of_the_page_equals_the_trend_computed_on_its_own(net, period_code):
    # The page's own engine gives the trend's last half-year (it holds that period already).
    kb = User.objects.create_user(username="kb-trend", role="cockpit", region_code="NL")
    geo = Geography()
    period = parse(period_code)
    for code in ("NL", "PV26", "GM0344", "ORG:bibliotheek-eemland"):
        region = geo.region(code)
        board = dashboard.build(kb, geo, region, period, at=T0)
        alone = dashboard.trend_table(geo, region, period, at=T0)
        assert board.tables["trend"].rows == alone.rows, code
        assert any(isinstance(v, (int, float)) for row in alone.rows for v in row[2:]), code


def test_closed_half_years_are_not_fetched_with_the_open_ones_and_give_the_same_figures(net):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clb.cockpit import closing
    from clb.cockpit.engine import Cockpit
    from clb.cockpit.final_figures import FINAL

    geo = Geography()
    halves = [parse(c) for c in ("2025-H1", "2025-H2", "2026-H1")]
    regions = [geo.region(c) for c in ("NL", "PV26", "GM0344", "ORG:bibliotheek-eemland")]

    def read():
        cockpit = Cockpit(regions, halves, geo=geo, at=T0)
        return [
            (f.indicator.code, f.key, f.value, f.suppressed, f.items)
            for r in regions
            for h in halves
            for f in cockpit.figures(r, h)
        ]

    before = read()
    closing.close_period("2025", at=T0)
    FINAL.clear()
    with CaptureQueriesContext(connection) as queries:
        after = read()
    assert after == before
    tally_reads = [q["sql"] for q in queries.captured_queries if "tally" in q["sql"]]
    assert tally_reads and not any("2025-" in sql for sql in tally_reads)
