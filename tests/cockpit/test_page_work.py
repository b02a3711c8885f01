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


@pytest.mark.parametrize("period_code", ["2026-H1", "2026"])
def test_groupings_of_a_tally_read_together_give_the_page_read_from_raw_events(net, period_code):
    """On PostgreSQL the page reads the groupings of each tally it needs in one statement
    (GROUPING SETS): the region's own breakdowns summed over it and its parts' figures per
    municipality, a municipality's beside those of its size class. Every table of the page
    equals the page computed from the raw events with one GROUP BY per grouping."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clb.cockpit import facts
    from clb.services import services as registration

    registration.register_quick_contact("t23vo", branch=net.b1, at=T0)
    kb = User.objects.create_user(username="kb-sets", role="cockpit", region_code="NL")
    geo = Geography()
    period = parse(period_code)
    for code in ("NL", "PV26", "GM0344", "GM0307", "ORG:bibliotheek-eemland"):
        region = geo.region(code)
        with CaptureQueriesContext(connection) as queries:
            board = dashboard.build(kb, geo, region, period, at=T0)
        with facts.raw_events():
            raw = dashboard.build(kb, geo, region, period, at=T0)
        assert board.tables.keys() == raw.tables.keys(), code
        for name, table in board.tables.items():
            assert table.rows == raw.tables[name].rows, (code, name)
        shown = [v for row in board.tables["indicatoren"].rows for v in row]
        assert any(isinstance(v, (int, float)) and v > 0 for v in shown), code
        together = [q["sql"] for q in queries.captured_queries if "GROUPING SETS" in q["sql"]]
        if connection.vendor != "postgresql" or not region.is_geographic:
            assert not together, code  # SQLite, and scopes by organisation: one at a time
        elif board.parts:  # the page's own breakdowns and its parts' figures in one scan
            assert any("statistics_placetally" in sql for sql in together), code
            assert any("services_idotally" in sql for sql in together), code


@pytest.mark.parametrize("wider", [None, frozenset({"GM0344", "GM0307"})])
def test_groupings_summed_over_a_narrower_region_are_told_apart(net, wider):
    """Read together, a grouping summed over one municipality is counted apart from the rest of
    the statement's (wider) scope: each grouping gives exactly the rows it gives read alone."""
    from collections import Counter
    from datetime import date

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clb.cockpit.facts import Facts, Scope
    from clb.services import services as registration

    registration.register_quick_contact("t23vo", branch=net.b1, at=T0)
    geo = Geography()
    utrecht = Scope(municipalities=frozenset({"GM0344"}))
    requests = [
        ("place_events", ("action", "audience", "material_type"), {"action": {"checkout"}},
         False, utrecht),
        ("place_events", ("action",), {"action": {"checkout", "renew"}}, False, None),
        ("place_events", ("action",), {}, True, None),
        ("residence_events", ("action", "age_band"), {}, False, utrecht),
        ("residence_events", ("action",), {}, False, None),
        ("ido_channel", ("channel",), {}, False, utrecht),
        ("ido_theme", (), {}, False, None),
        ("ido_theme", ("theme",), {}, True, None),
    ]  # fmt: skip
    halves = [date(2026, 1, 1)]
    together = Facts(geo, Scope(municipalities=wider), halves, today=T0.date())
    together.expect(requests)
    alone = Facts(geo, Scope(municipalities=wider), halves, today=T0.date())
    with CaptureQueriesContext(connection) as queries:
        read = [together.rows(*r[:4], focus=r[4]) for r in requests]
    for request, rows in zip(requests, read, strict=True):
        assert Counter(rows) == Counter(alone.rows(*request[:4], focus=request[4])), request
    assert sum(n for *_k, n in read[0]) == 25  # Utrecht's checkouts only, not Amersfoort's 17
    assert sum(n for *_k, n in read[1]) == 42
    statements = [q["sql"] for q in queries.captured_queries]
    if connection.vendor == "postgresql":
        assert len(statements) == 3 and all("GROUPING SETS" in s for s in statements)
    else:
        assert len(statements) == len(requests)  # one statement per grouping


def test_a_page_reads_together_what_pages_of_its_kind_asked_for(net):
    """Planned for every indicator, the residence tally per municipality is shown on no part
    of the national page: after one page the next reads the region's own grouping alone,
    and gives the same page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clb.cockpit import facts

    kb = User.objects.create_user(username="kb-asked", role="cockpit", region_code="NL")
    geo = Geography()
    period = parse("2026-H1")
    facts.ASKED.clear()
    pages, reads = [], []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            pages.append(dashboard.build(kb, geo, geo.region("NL"), period, at=T0))
        reads.append([q["sql"] for q in queries.captured_queries if "tally" in q["sql"]])
    first, second = pages
    assert {n: t.rows for n, t in first.tables.items()} == {
        n: t.rows for n, t in second.tables.items()
    }

    def residence(sql):
        return [s for s in sql if "statistics_residencetally" in s]

    if connection.vendor == "postgresql":
        assert ["GROUPING SETS" in s for s in residence(reads[0])] == [True]
        assert ["GROUPING SETS" in s for s in residence(reads[1])] == [False]
        assert any("GROUPING SETS" in s and "statistics_placetally" in s for s in reads[1])
        assert len(reads[1]) <= len(reads[0])
    else:
        assert not facts.ASKED and residence(reads[1]) == residence(reads[0])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_page_that_may_be_a_moment_stale_reads_every_tally_from_the_replica(net):
    """The cockpit is among the pages read from a replica (clb.replicas): the groupings read
    together go there too, not to the primary. The replica here is a second connection to the
    same database, chosen for the request as ReplicaMiddleware would."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    from clb import replicas

    primary_connection = connections["default"]
    # Made here, not in the settings: Django's test case lets a connection made in the test be.
    connections["replica1"] = type(primary_connection)(
        dict(primary_connection.settings_dict), alias="replica1"
    )
    token = replicas._reading.set(replicas.Reading(stale_ok=True, chosen="replica1"))
    try:
        kb = User.objects.create_user(username="kb-replica", role="cockpit", region_code="NL")
        geo = Geography()
        with (
            CaptureQueriesContext(connections["default"]) as primary,
            CaptureQueriesContext(connections["replica1"]) as replica,
        ):
            board = dashboard.build(kb, geo, geo.region("NL"), parse("2026-H1"), at=T0)
        assert board.tables
        on_replica = [q["sql"] for q in replica.captured_queries]
        assert any("GROUPING SETS" in sql for sql in on_replica)
        on_primary = [q["sql"] for q in primary.captured_queries]
        assert on_primary == [], on_primary[:3]
    finally:
        replicas._reading.reset(token)
        connections["replica1"].close()
        del connections["replica1"]
