"""On PostgreSQL the events are partitioned by month: each event lands in its month's partition
(or the DEFAULT one until its month has a partition), a half-year's GROUP BY reads six
partitions, and archiving a month drops its partition."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clb.cockpit.facts import raw_events
from clb.statistics import partitions
from clb.statistics import tallies as tallying
from clb.statistics.archive import archive_before
from clb.statistics.models import ArchivedMonth
from tests.statistics.events_by_month import LATER, cockpit, tallies, write_months

pytestmark = pytest.mark.postgres

TABLE = "statistics_circulationevent"


def _where_rows_are() -> dict[str, list[int]]:
    """Partition name → the months of the rows it holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tableoid::regclass::text, EXTRACT(month FROM occurred_on)::int FROM {TABLE}"
        )
        out: dict[str, set] = {}
        for table, month in cursor.fetchall():
            out.setdefault(table, set()).add(month)
    return {table: sorted(months) for table, months in out.items()}


def _children() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = %s::regclass",
            [TABLE],
        )
        return {row[0] for row in cursor.fetchall()}


def test_events_land_in_their_months_partition_and_wait_in_the_default_one_without(net):
    created = partitions.ensure(date(2025, 1, 20), ahead=2)
    assert created == [f"{TABLE}_2025_01", f"{TABLE}_2025_02", f"{TABLE}_2025_03"]
    write_months(net, [1, 3, 5])
    counted = tallies()
    assert _where_rows_are() == {
        f"{TABLE}_2025_01": [1],
        f"{TABLE}_2025_03": [3],
        f"{TABLE}_default": [5],  # no partition for May yet: the checkout went on regardless
    }
    # The daily job, in April: April to July made, May's events moved out of the DEFAULT one.
    assert partitions.ensure(date(2025, 4, 2)) == [f"{TABLE}_2025_{m:02}" for m in (4, 5, 6, 7)]
    assert _where_rows_are() == {f"{TABLE}_2025_{m:02}": [m] for m in (1, 3, 5)}
    assert tallies() == counted
    assert partitions.ensure(date(2025, 4, 2)) == []  # again: nothing to do


def test_a_half_years_group_by_reads_six_partitions(net):
    partitions.ensure(date(2024, 12, 1), ahead=13)  # December 2024 to January 2026
    write_months(net, range(1, 13))
    with CaptureQueriesContext(connection) as queries, raw_events():
        shown = cockpit("2025-H1")
    reads = [q["sql"] for q in queries if f'FROM "{TABLE}"' in q["sql"]]
    assert reads, "the cockpit read no raw events"
    for sql in reads:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        read = {name for name in _children() if f" {name} " in plan + " "}
        assert read == {f"{TABLE}_2025_{m:02}" for m in range(1, 7)}, plan
    assert shown == cockpit("2025-H1")  # the raw GROUP BY says what the tallies say


def test_archiving_drops_the_months_partitions_and_the_table_that_was_whole(net):
    partitions.ensure(date(2025, 4, 1), ahead=5)  # April to September have partitions
    with connection.cursor() as cursor:  # January to March: as the migration left the table
        cursor.execute(
            f"CREATE TABLE {TABLE}_2025_01_tot_2025_04 PARTITION OF {TABLE}"
            f" FOR VALUES FROM ('2025-01-01') TO ('2025-04-01')"
        )
    write_months(net, range(1, 10))
    shown, counted = cockpit(), tallies()

    archived = archive_before(date(2025, 6, 1), at=LATER)

    assert [a.month.month for a in archived] == [1, 2, 3, 4, 5]
    assert _children() == {f"{TABLE}_2025_{m:02}" for m in (6, 7, 8, 9)} | {f"{TABLE}_default"}
    assert sorted(_where_rows_are()) == sorted(f"{TABLE}_2025_{m:02}" for m in (6, 7, 8, 9))
    assert cockpit() == shown and tallies() == counted
    tallying.rebuild(date(2025, 1, 1), date(2025, 12, 31))
    assert tallies() == counted
    assert ArchivedMonth.objects.count() == 5
