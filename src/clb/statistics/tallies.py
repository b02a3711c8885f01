"""Aggregates of the statistics events, kept up to date as events arrive.

`add()` runs inside events.record(), in the transaction of the action itself, so a tally can never
disagree with the events: both land or both vanish. It is one upsert per tally
(INSERT … ON CONFLICT DO UPDATE), the same SQL on SQLite and PostgreSQL.

`rebuild()` recomputes the tallies of a date range from the raw events with INSERT … SELECT … GROUP
BY, a month at a time (on PostgreSQL a partition at a time, partitions.py), taking the months
whose events were archived from the counts kept of them (archive.py): for events loaded in bulk
(benchmarks, migrations from older systems) and as a repair tool. Run it while no circulation is
written for that range. `disagreements()` is the same sum compared with the tallies."""

from datetime import date
from functools import cache

from django.db import connection, transaction

from .models import ArchivedCount, ArchivedMonth, CirculationEvent, PlaceTally, ResidenceTally


def half_year_of(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


@cache
def _upsert_sql(model, key_fields: tuple[str, ...], counters: tuple[str, ...]) -> str:
    table = model._meta.db_table
    keys = [model._meta.get_field(name).column for name in key_fields]
    sums = [model._meta.get_field(name).column for name in counters]
    placeholders = ", ".join(["%s"] * (len(keys) + len(sums)))
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in sums)
    return (
        f"INSERT INTO {table} ({', '.join(keys + sums)}) VALUES ({placeholders}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )


def bump(model, key: dict, **counters) -> None:
    """Add to the counters of one tally row, creating it at zero when missing: one upsert, the
    same SQL on SQLite and PostgreSQL. Negative counts take a registration back out."""
    names = tuple(key)
    with connection.cursor() as cursor:
        cursor.execute(
            _upsert_sql(model, names, tuple(counters)),
            [key[n] for n in names] + list(counters.values()),
        )


def add(event: CirculationEvent) -> None:
    """Count one event. Events without a branch (a registration online) have no place."""
    half = half_year_of(event.occurred_on)
    if event.branch_id is not None:
        bump(
            PlaceTally,
            {
                "half_year": half,
                "action": event.action,
                "organisation": event.organisation_id,
                "branch": event.branch_id,
                "audience": event.audience,
                "material_type": event.material_type,
            },
            n=1,
        )
    bump(
        ResidenceTally,
        {
            "half_year": half,
            "action": event.action,
            "organisation": event.organisation_id,
            "municipality_code": event.municipality_code,
            "age_band": event.age_band,
        },
        n=1,
    )


def next_half_year(half: date) -> date:
    return date(half.year, 7, 1) if half.month == 1 else date(half.year + 1, 1, 1)


def half_years_between(start: date, end: date) -> list[date]:
    """First days of the half-years overlapping [start, end]."""
    out, half = [], half_year_of(start)
    while half <= end:
        out.append(half)
        half = next_half_year(half)
    return out


# The two tallies: their table, the columns of their key, and which events they count.
PLACE_KEY = ("action", "organisation_id", "branch_id", "audience", "material_type")
RESIDENCE_KEY = ("action", "organisation_id", "municipality_code", "age_band")
SHAPES = (
    (PlaceTally, PLACE_KEY, "branch_id IS NOT NULL"),
    (ResidenceTally, RESIDENCE_KEY, "1 = 1"),
)


def _counted(month: date, archived: bool) -> tuple[str, str, list]:
    """Where one month's counted events are: its raw events (on PostgreSQL one partition) or,
    when archived, the counts kept of them. Returns FROM … WHERE …, the count and parameters."""
    if archived:
        return f"{ArchivedCount._meta.db_table} WHERE month = %s AND source = ''", "SUM(n)", [month]
    return (
        f"{CirculationEvent._meta.db_table} WHERE occurred_on >= %s AND occurred_on < %s"
        f" AND source = ''",
        "COUNT(*)",
        [month, next_month(month)],
    )


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _months(half: date) -> list[date]:
    return [date(half.year, half.month + i, 1) for i in range(6)]


def _archived(half: date) -> set[date]:
    return set(
        ArchivedMonth.objects.filter(month__gte=half, month__lt=next_half_year(half)).values_list(
            "month", flat=True
        )
    )


def _not_kept(kept: list[int]) -> str:
    return f" AND organisation_id NOT IN ({', '.join(map(str, kept))})" if kept else ""


def rebuild(start: date, end: date, *, keep=(), progress=lambda _m: None) -> None:
    """Recompute the tallies of whole half-years overlapping [start, end], one month (on
    PostgreSQL one partition) at a time: from its raw events, or from the counts kept when the
    month was archived. The tallies of the organisations in `keep` are left as they are (the
    demo's simulated ones, cockpit/simulation.py: they have no events)."""
    kept = _not_kept([int(pk) for pk in keep])
    for half in half_years_between(start, end):
        archived = _archived(half)
        with transaction.atomic(), connection.cursor() as cursor:
            for tally, _key, _which in SHAPES:
                cursor.execute(
                    f"DELETE FROM {tally._meta.db_table} WHERE half_year = %s{kept}", [half]
                )
            for month in _months(half):
                source, count, params = _counted(month, month in archived)
                for tally, key, which in SHAPES:
                    table, columns = tally._meta.db_table, ", ".join(key)
                    cursor.execute(
                        f"INSERT INTO {table} (half_year, {columns}, n) SELECT %s, {columns},"
                        f" {count} FROM {source} AND {which}{kept} GROUP BY {columns}"
                        f" ON CONFLICT (half_year, {columns})"
                        f" DO UPDATE SET n = {table}.n + excluded.n",
                        [half, *params],
                    )
        progress(f"tellingen {half:%Y}-H{1 if half.month == 1 else 2} herberekend")


def disagreements(half: date, *, keep=()) -> list[str]:
    """Where the tallies of a half-year differ from what its events (and the counts of its
    archived months) say; empty when they agree."""
    kept = _not_kept([int(pk) for pk in keep])
    archived = _archived(half)
    wrong = []
    with connection.cursor() as cursor:
        for tally, key, which in SHAPES:
            columns = ", ".join(key)
            counted: dict[tuple, int] = {}
            for month in _months(half):
                source, count, params = _counted(month, month in archived)
                cursor.execute(
                    f"SELECT {columns}, {count} FROM {source} AND {which}{kept} GROUP BY {columns}",
                    params,
                )
                for *k, n in cursor.fetchall():
                    counted[tuple(k)] = counted.get(tuple(k), 0) + int(n)
            cursor.execute(
                f"SELECT {columns}, n FROM {tally._meta.db_table} WHERE half_year = %s"
                f" AND n <> 0{kept}",
                [half],
            )
            held = {tuple(k): int(n) for *k, n in cursor.fetchall()}
            for k in sorted(set(counted) | set(held), key=str):
                if counted.get(k, 0) != held.get(k, 0):
                    wrong.append(
                        f"{tally.__name__} {half} {k}: {held.get(k, 0)} geteld,"
                        f" {counted.get(k, 0)} gebeurtenissen"
                    )
    return wrong
