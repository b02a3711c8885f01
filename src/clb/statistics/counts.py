"""The anonymous member count: how many valid memberships there are on a day, per organisation,
municipality of residence and age band.

Why a periodic count and not events: the events say when someone joined, but no event marks a
membership lapsing (it simply expires), so the number of members on a day cannot be derived from
events. Members counts its own memberships (`members.services.take_member_snapshot`) and hands
the numbers here; this is the second writer of anonymous statistics next to events.record().
Nothing in the cockpit reads patrons; it reads these counts, using the last count taken inside a
period."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime

from django.db import transaction

from .models import MemberCount, MemberCountRun


@dataclass(frozen=True)
class MemberCountRow:
    organisation_id: int
    municipality_code: str
    age_band: str
    memberships: int
    patrons: int  # each person once nationally, in the row of their first organisation


# Counts that do not come from members' own memberships: the demo's simulated organisations
# (cockpit.simulation, which sits above this room and registers itself when the app is ready).
# A day's count always includes them, whoever takes it.
_contributors: list[Callable[[date], list[MemberCountRow]]] = []


def add_contributor(rows_for_day: Callable[[date], list[MemberCountRow]]) -> None:
    if rows_for_day not in _contributors:
        _contributors.append(rows_for_day)


def _merged(counts: list[MemberCountRow]) -> list[MemberCountRow]:
    """One row per organisation, municipality and age band."""
    out: dict[tuple, MemberCountRow] = {}
    for c in counts:
        key = (c.organisation_id, c.municipality_code, c.age_band)
        seen = out.get(key)
        out[key] = (
            c
            if seen is None
            else replace(
                seen, memberships=seen.memberships + c.memberships, patrons=seen.patrons + c.patrons
            )
        )
    return list(out.values())


@transaction.atomic
def replace_member_counts(day: date, counts: list[MemberCountRow], *, taken_at: datetime) -> int:
    """Store the counts of a day, replacing an earlier count of that day; returns the number of
    memberships counted."""
    counts = _merged([*counts, *(row for rows in _contributors for row in rows(day))])
    MemberCount.objects.filter(taken_on=day).delete()
    MemberCount.objects.bulk_create(
        (
            MemberCount(
                taken_on=day,
                organisation_id=c.organisation_id,
                municipality_code=c.municipality_code,
                age_band=c.age_band,
                memberships=c.memberships,
                patrons=c.patrons,
            )
            for c in counts
        ),
        batch_size=1000,
    )
    total = sum(c.memberships for c in counts)
    MemberCountRun.objects.update_or_create(
        taken_on=day, defaults={"taken_at": taken_at, "memberships": total}
    )
    return total
