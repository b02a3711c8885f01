"""The one place that writes statistics events. Callers are inside their own transaction, so the
event lands or vanishes with the action it describes — and so do the tallies it updates.

Everything comes in as plain values (codes, ids, a date): the room that acts describes its own
objects anonymously (`Item.statistics_traits()`, `Patron.statistics_traits(day)`), so this room
never sees a patron or an item.

An event with a `source` is not an action in CLB but history brought in from another system (a
migration): it is kept, so what came in can be traced and taken out again, and never counted."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache

from django.db import connection
from django.db.models import Sum

from . import tallies
from .models import ArchivedCount, CirculationEvent


@dataclass(frozen=True)
class Event:
    """All that an anonymous event says, in plain values."""

    action: str
    on: date
    organisation_id: int
    branch_id: int | None = None
    item_type: str = ""
    material_type: str = ""
    audience: str = ""
    age_band: str = ""
    municipality_code: str = ""

    def row(self, source: str = "") -> CirculationEvent:
        return CirculationEvent(
            occurred_on=self.on,
            action=self.action,
            organisation_id=self.organisation_id,
            branch_id=self.branch_id,
            item_type=self.item_type,
            material_type=self.material_type,
            audience=self.audience,
            age_band=self.age_band,
            municipality_code=self.municipality_code,
            source=source,
        )


def record(action: str, *, source: str = "", **values) -> None:
    """One event (`values`: the fields of Event)."""
    write(Event(action, **values), source=source)


@cache
def _insert_sql() -> str:
    """The INSERT of one event, built once: every circulation action writes one, and a model
    save() spends longer compiling it than the database spends storing it."""
    meta = CirculationEvent._meta
    columns = [f.column for f in meta.concrete_fields if not f.primary_key]
    return (
        f"INSERT INTO {meta.db_table} ({', '.join(columns)})"
        f" VALUES ({', '.join(['%s'] * len(columns))})"
    )


def write(event: Event, *, source: str = "") -> None:
    """One event, counted in the tallies unless it has a source."""
    row = event.row(source)
    fields = [f for f in CirculationEvent._meta.concrete_fields if not f.primary_key]
    with connection.cursor() as cursor:
        cursor.execute(
            _insert_sql(), [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields]
        )
    if not source:
        tallies.add(row)


def record_history(history: Iterable[Event], *, source: str) -> None:
    """Events of history brought in at once, dated when it happened there: written in bulk and
    never counted (they carry their source), so there are no tallies to update."""
    if not source:
        raise ValueError("history brought in carries its source")
    CirculationEvent.everything.bulk_create([e.row(source) for e in history], batch_size=1000)


def remove_source(source: str) -> int:
    """Take out every event of one source (a migration undone), and the counts kept of them in
    archived months; they were never counted in the tallies."""
    if not source:
        raise ValueError("only events of a named source can be removed")
    kept = ArchivedCount.objects.filter(source=source)
    archived = kept.aggregate(n=Sum("n"))["n"] or 0
    kept.delete()
    return archived + CirculationEvent.everything.filter(source=source).delete()[0]
