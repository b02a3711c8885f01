"""Aggregates of the statistics events, kept up to date as events arrive.

`add()` runs inside events.record(), in the transaction of the action itself, so a tally can never
disagree with the events: both land or both vanish. It is one upsert per tally
(INSERT … ON CONFLICT DO UPDATE), the same SQL on SQLite and PostgreSQL.

`rebuild()` recomputes the tallies of a date range from the raw events with INSERT … SELECT … GROUP
BY: for events loaded in bulk (benchmarks, migrations from older systems) and as a repair tool.
Run it while no circulation is written for that range."""

from datetime import date
from functools import cache

from django.db import connection, transaction

from .models import CirculationEvent, PlaceTally, ResidenceTally


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


def rebuild(start: date, end: date, *, keep=(), progress=lambda _m: None) -> None:
    """Recompute the tallies of whole half-years overlapping [start, end] from the raw events.
    The tallies of the organisations in `keep` are left as they are (the demo's simulated ones,
    cockpit/simulation.py: they have no events)."""
    events = CirculationEvent._meta.db_table
    place = PlaceTally._meta.db_table
    residence = ResidenceTally._meta.db_table
    kept = [int(pk) for pk in keep]
    keeping = f" AND organisation_id NOT IN ({', '.join(['%s'] * len(kept))})" if kept else ""
    for half in half_years_between(start, end):
        nxt = next_half_year(half)
        with transaction.atomic(), connection.cursor() as cursor:
            for table in (place, residence):
                cursor.execute(f"DELETE FROM {table} WHERE half_year = %s{keeping}", [half, *kept])
            cursor.execute(
                f"INSERT INTO {place} (half_year, action, organisation_id, branch_id, audience,"
                f" material_type, n) SELECT %s, action, organisation_id, branch_id, audience,"
                f" material_type, COUNT(*) FROM {events} WHERE occurred_on >= %s AND"
                f" occurred_on < %s AND branch_id IS NOT NULL GROUP BY action, organisation_id,"
                f" branch_id, audience, material_type",
                [half, half, nxt],
            )
            cursor.execute(
                f"INSERT INTO {residence} (half_year, action, organisation_id, municipality_code,"
                f" age_band, n) SELECT %s, action, organisation_id, municipality_code, age_band,"
                f" COUNT(*) FROM {events} WHERE occurred_on >= %s AND occurred_on < %s"
                f" GROUP BY action, organisation_id, municipality_code, age_band",
                [half, half, nxt],
            )
        progress(f"tellingen {half:%Y}-H{1 if half.month == 1 else 2} herberekend")
