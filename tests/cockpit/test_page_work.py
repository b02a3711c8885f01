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
