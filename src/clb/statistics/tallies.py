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

from clb.network.models import Branch, Municipality

from .models import ArchivedCount, ArchivedMonth, CirculationEvent, PlaceTally, ResidenceTally


def half_year_of(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def branch_municipality_sql(branch_column: str) -> str:
    """The code of a branch's municipality ('' when it has none), as an SQL expression."""
    b, m = Branch._meta.db_table, Municipality._meta.db_table
    return (
        f"COALESCE((SELECT m.code FROM {b} b JOIN {m} m ON m.id = b.municipality_id"
        f" WHERE b.id = {branch_column}), '')"
    )


@cache
def _upsert_sql(
    model, key_fields: tuple[str, ...], counters: tuple[str, ...], with_municipality: bool
) -> str:
    table = model._meta.db_table
    keys = [model._meta.get_field(name).column for name in key_fields]
    sums = [model._meta.get_field(name).column for name in counters]
    values = ["%s"] * (len(keys) + len(sums))
    columns = keys + sums
    if with_municipality:
        # Taken from the branch in the same statement: no extra round trip on the checkout path.
        columns.append("municipality_code")
        values.append(branch_municipality_sql("%s"))
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in sums)
    # SQLite needs a WHERE to tell the upsert's ON CONFLICT from a join's ON.
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} WHERE 1 = 1 "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )


def bump(model, key: dict, *, branch_municipality: bool = False, **counters) -> None:
    """Add to the counters of one tally row, creating it at zero when missing: one upsert, the
    same SQL on SQLite and PostgreSQL. Negative counts take a registration back out. With
    `branch_municipality` a new row gets the municipality of the key's branch."""
    names = tuple(key)
    params = [key[n] for n in names] + list(counters.values())
    if branch_municipality:
        params.append(key["branch"])
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(model, names, tuple(counters), branch_municipality), params)


def follow_branches(model, branch_ids=None) -> int:
    """Set the municipality of a tally's rows (a model with `branch` and `municipality_code`)
    to that of their branch, for the branches given or all: after a branch moved. Returns the
    rows changed."""
    table = model._meta.db_table
    now = branch_municipality_sql(f"{table}.branch_id")
    where, params = f"municipality_code <> {now}", []
    if branch_ids is not None:
        ids = [int(pk) for pk in branch_ids]
        if not ids:
            return 0
        where += f" AND branch_id IN ({', '.join(['%s'] * len(ids))})"
        params = ids
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET municipality_code = {now} WHERE {where}", params)
        return cursor.rowcount


def branch_saved(sender, instance, raw=False, **_kwargs) -> None:
    """A branch saved (post_save): its place tally rows follow it if it moved."""
    if not raw:
        follow_branches(PlaceTally, [instance.pk])


def strays(model, half: date) -> list[tuple]:
    """(branch, municipality held, the branch's) of the rows of a tally's half-year whose
    municipality is not (any longer) that of their branch."""
    table = model._meta.db_table
    now = branch_municipality_sql(f"{table}.branch_id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT branch_id, municipality_code, {now} FROM {table}"
            f" WHERE half_year = %s AND municipality_code <> {now} ORDER BY branch_id",
            [half],
        )
        return cursor.fetchall()


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
            branch_municipality=True,
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
# Columns a rebuilt row takes from elsewhere than the events: the place tally's municipality
# from its branch as it is now.
DERIVED = {PlaceTally: {"municipality_code": branch_municipality_sql("branch_id")}}


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
                    derived = DERIVED.get(tally, {})
                    extra = "".join(f", {c}" for c in derived)
                    extra_values = "".join(f", {sql}" for sql in derived.values())
                    cursor.execute(
                        f"INSERT INTO {table} (half_year, {columns}{extra}, n) SELECT %s,"
                        f" {columns}{extra_values}, {count} FROM {source} AND {which}{kept}"
                        f" GROUP BY {columns} ON CONFLICT (half_year, {columns})"
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
    for branch, held_code, branch_code in strays(PlaceTally, half):
        wrong.append(
            f"PlaceTally {half} locatie {branch}: gemeente {held_code or '-'},"
            f" de locatie ligt in {branch_code or '-'}"
        )
    return wrong
