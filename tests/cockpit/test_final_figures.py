"""A closed period's figures are kept in memory once computed (cockpit/final_figures.py): what is
served from memory equals what is computed afresh from the frozen values, a period that is not
closed is never served from memory, and a period closed anew is computed afresh."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clb.accounts.models import User
from clb.cockpit import closing, dashboard
from clb.cockpit.engine import Cockpit
from clb.cockpit.final_figures import FINAL
from clb.cockpit.models import FrozenMeasures
from clb.cockpit.regions import Geography
from clb.statistics.models import ClosedPeriod
from clb.statistics.periods import parse
from tests.factories import T0, make_item, make_patron

from .helpers import record_many
from .test_pages import busy  # noqa: F401 (the fixture: activity in Utrecht and Amersfoort)

pytestmark = pytest.mark.usefixtures("busy")
AMS = ZoneInfo("Europe/Amsterdam")
AFTER_H1 = datetime(2026, 7, 2, 9, tzinfo=AMS)
CODES = ("NL", "PV26", "GM0344", "GM0307", "ORG:bibliotheek-eemland")


def _read(period_code: str, *, at=AFTER_H1) -> dict:
    """Every figure (breakdowns included) and every total of each region, as plain values."""
    geo = Geography()
    period = parse(period_code)
    regions = [geo.region(c) for c in CODES]
    cockpit = Cockpit(regions, [period], geo=geo, at=at)
    out = {}
    for region in regions:
        figures = cockpit.figures(region, period)
        totals = [cockpit.figure(f.indicator, region, period) for f in figures if not f.key]
        out[region.code] = [
            (f.indicator.code, f.key, f.value, f.suppressed, f.final, f.items)
            for f in figures + totals
        ]
    return out


def _frozen_reads(queries) -> int:
    return sum(FrozenMeasures._meta.db_table in q["sql"] for q in queries.captured_queries)


def test_kept_figures_of_a_closed_period_equal_the_figures_computed_afresh(net):
    closing.close_period("2026-H1", at=AFTER_H1)
    with CaptureQueriesContext(connection) as first:
        fresh = _read("2026-H1")
    assert _frozen_reads(first) == 1  # computed from the frozen values
    assert FINAL.periods() == {"2026-H1"}
    with CaptureQueriesContext(connection) as second:
        kept = _read("2026-H1")
    assert _frozen_reads(second) == 0  # served from memory
    assert kept == fresh
    assert all(row[4] for rows in kept.values() for row in rows)  # all final
    loans = {row[2] for row in kept["GM0344"] if row[:2] == ("loans", "")}
    assert loans == {25}
    # Computed once more with nothing kept: the same figures.
    FINAL.clear()
    assert _read("2026-H1") == kept


def test_the_dashboard_of_a_closed_period_is_the_same_from_memory(net):
    closing.close_period("2026-H1", at=AFTER_H1)
    kb = User.objects.create_user(username="kb-final", role="cockpit", region_code="NL")
    geo = Geography()
    period = parse("2026-H1")

    def board(code):
        built = dashboard.build(kb, geo, geo.region(code), period, at=AFTER_H1)
        return {name: (t.rows, t.note) for name, t in built.tables.items()}, built.charts

    for code in ("NL", "PV26", "GM0344"):
        computed = board(code)
        assert FINAL.periods() == {"2026-H1"}
        assert board(code) == computed, code


def test_an_open_period_is_never_served_from_memory(net):
    before = _read("2026-H1", at=T0)
    assert FINAL.periods() == set()
    assert not any(row[4] for row in before["GM0344"])  # provisional
    record_many(5, "checkout", at=T0, organisation=net.org_a, branch=net.a1,
                item=make_item(net.a1), patron=make_patron(net.org_a, at=T0))  # fmt: skip
    after = _read("2026-H1", at=T0)
    loans = {c: {r[2] for r in after[c] if r[:2] == ("loans", "")} for c in ("GM0344", "NL")}
    assert loans == {"GM0344": {30}, "NL": {47}}
    assert FINAL.periods() == set()
    # A closed period beside it does not change that.
    closing.close_period("2025-H2", at=T0)
    _read("2025-H2", at=T0)
    _read("2026-H1", at=T0)
    assert FINAL.periods() == {"2025-H2"}


def test_a_period_closed_anew_is_computed_afresh(net):
    """Closed periods are not reopened in CLB; should one be (a correction by hand in the
    database), its figures are not taken from memory: while open they are live, and once
    closed again they carry the new moment of closing."""
    closing.close_period("2026-H1", at=AFTER_H1)
    kept = _read("2026-H1")
    ClosedPeriod.objects.filter(code="2026-H1").delete()
    FrozenMeasures.objects.filter(period="2026-H1").delete()
    record_many(5, "checkout", at=T0, organisation=net.org_a, branch=net.a1,
                item=make_item(net.a1), patron=make_patron(net.org_a, at=T0))  # fmt: skip
    reopened = _read("2026-H1")
    assert {r[2] for r in reopened["GM0344"] if r[:2] == ("loans", "")} == {30}
    assert not any(r[4] for r in reopened["GM0344"])
    closing.close_period("2026-H1", at=datetime(2026, 7, 3, 9, tzinfo=AMS))
    again = _read("2026-H1")
    assert {r[2] for r in again["GM0344"] if r[:2] == ("loans", "")} == {30}
    assert all(r[4] for r in again["GM0344"])
    assert again != kept
