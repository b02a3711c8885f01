"""The statistics events on PostgreSQL: one partition a month (declarative range partitioning on
`occurred_on`), so a month is archived by dropping its partition instead of a long DELETE, and a
GROUP BY over a half-year reads six partitions (partition pruning).

Where an event goes whose month has no partition yet: the DEFAULT partition. So writing an event
never depends on a job having run, and a checkout never creates a partition itself (that would
take a lock on the table's structure inside the checkout, for every desk at once at midnight on
the first of the month, and an insert that failed would abort the checkout's transaction).
`ensure()` - the worker's daily job and `clb statistics-partitions` - creates the partitions of
this month and the months ahead, and moves months that landed in the DEFAULT partition (history a
migration brought in, a month the job missed) into partitions of their own, one short
transaction per month.

Migration 0004 made the table that was one partition covering the months it held (no row
copied). SQLite keeps one table: there every function here does nothing."""

import re
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction

from .models import CirculationEvent
from .tallies import next_month

PARENT = CirculationEvent._meta.db_table
DEFAULT = f"{PARENT}_default"
AHEAD = 3  # months created ahead of the current one
_BOUNDS = re.compile(r"FROM \('([0-9-]+)'\) TO \('([0-9-]+)'\)")


def month_of(day: date) -> date:
    return date(day.year, day.month, 1)


def months_between(start: date, end: date) -> list[date]:
    """First days of the months from start up to (not including) end."""
    out, month = [], month_of(start)
    while month < end:
        out.append(month)
        month = next_month(month)
    return out


def partition_name(month: date) -> str:
    return f"{PARENT}_{month:%Y_%m}"


@dataclass(frozen=True)
class Partition:
    name: str
    start: date | None  # None for the DEFAULT partition
    end: date | None

    @property
    def is_default(self) -> bool:
        return self.start is None


def partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [PARENT])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def partitions() -> list[Partition]:
    """The partitions of the events, oldest first, the DEFAULT one last (none on SQLite)."""
    if not partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i"
            " JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            [PARENT],
        )
        rows = cursor.fetchall()
    out = []
    for name, bound in rows:
        found = _BOUNDS.search(bound)
        if found:
            out.append(Partition(name, *(date.fromisoformat(d) for d in found.groups())))
        else:
            out.append(Partition(name, None, None))
    return sorted(out, key=lambda p: (p.is_default, p.start or date.min))


def holding(month: date, among: list[Partition] | None = None) -> Partition | None:
    """The partition that holds a month's events: its own, a larger one, or the DEFAULT one."""
    among = partitions() if among is None else among
    ranged = [p for p in among if not p.is_default and p.start <= month < p.end]
    return ranged[0] if ranged else next((p for p in among if p.is_default), None)


def _literal(day: date) -> str:
    return f"'{day.isoformat()}'"


def create(month: date) -> bool:
    """The partition of one month, holding the rows the DEFAULT partition had for it; False when
    the month has a partition already."""
    with transaction.atomic(), connection.cursor() as cursor:
        # No event may reach the DEFAULT partition between moving its rows of this month and
        # attaching: PostgreSQL would refuse a partition whose rows the DEFAULT one still holds.
        cursor.execute(f"LOCK TABLE {DEFAULT} IN EXCLUSIVE MODE")
        found = holding(month)
        if found is not None and not found.is_default:
            return False
        name, start, end = partition_name(month), _literal(month), _literal(next_month(month))
        cursor.execute(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS)")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {DEFAULT} WHERE occurred_on >= {start}"
            f" AND occurred_on < {end} RETURNING *) INSERT INTO {name} SELECT * FROM moved"
        )
        cursor.execute(
            f"ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES FROM ({start}) TO ({end})"
        )
    return True


def waiting_in_default() -> list[date]:
    """Months that have events in the DEFAULT partition."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT date_trunc('month', occurred_on)::date FROM {DEFAULT} ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


def ensure(today: date, ahead: int = AHEAD) -> list[str]:
    """Partitions for this month, `ahead` months after it and every month waiting in the
    DEFAULT partition; returns the names of those created (none on SQLite)."""
    if not partitioned():
        return []
    months = [month_of(today)]
    for _ in range(ahead):
        months.append(next_month(months[-1]))
    wanted = sorted(set(months) | set(waiting_in_default()))
    return [partition_name(month) for month in wanted if create(month)]
