"""The anonymous member count: how many valid memberships there are on a day, per organisation,
municipality of residence and age band.

Why a periodic count and not events: the events say when someone joined, but no event marks a
membership lapsing (it simply expires), so the number of members on a day cannot be derived from
events. This job is therefore the second writer of anonymous statistics next to events.record():
it reads exactly what an event carries (birth date → age band, municipality) in one GROUP BY and
writes counts only. Nothing in the cockpit reads patrons; it reads these counts.

Run it daily or at least on the last day of each half-year (`clb snapshot-members`); the cockpit
uses the last count taken inside a period."""

from datetime import date

from django.db import transaction
from django.db.models import Case, CharField, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from clb import clock
from clb.members.models import AGE_BANDS, Membership

from . import simulation
from .models import MemberCount, MemberCountRun


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age_band_expression(day: date) -> Case:
    """The age band in SQL: born after (day − high years) means younger than `high`."""
    whens = [
        When(
            patron__birth_date__gt=_years_before(day, high),
            patron__birth_date__lte=_years_before(day, low),
            then=Value(code),
        )
        for low, high, code in AGE_BANDS
    ]
    return Case(*whens, default=Value("unknown"), output_field=CharField())


def _merged(counts: list[MemberCount]) -> list[MemberCount]:
    """One row per organisation, municipality and age band."""
    out: dict[tuple, MemberCount] = {}
    for c in counts:
        key = (c.organisation_id, c.municipality_code, c.age_band)
        if key in out:
            out[key].memberships += c.memberships
            out[key].patrons += c.patrons
        else:
            out[key] = c
    return list(out.values())


@transaction.atomic
def take_member_snapshot(*, on: date | None = None, at=None) -> int:
    """Count valid memberships on a day (replacing an earlier count of that day); returns the
    number of memberships counted."""
    day = on or clock.today(at)
    valid = Q(started_on__lte=day, expires_on__gte=day)
    first_org = (
        Membership.objects.filter(valid, patron=OuterRef("patron"))
        .order_by("organisation_id")
        .values("organisation_id")[:1]
    )
    rows = (
        Membership.objects.filter(valid)
        .annotate(
            band=_age_band_expression(day),
            home=Coalesce(F("patron__municipality__code"), Value("")),
            first=Subquery(first_org),
        )
        .values("organisation_id", "home", "band")
        .annotate(
            memberships=Count("id"),
            patrons=Count("id", filter=Q(organisation_id=F("first"))),
        )
        .order_by()
    )
    MemberCount.objects.filter(taken_on=day).delete()
    counts = [
        MemberCount(
            taken_on=day,
            organisation_id=r["organisation_id"],
            municipality_code=r["home"],
            age_band=r["band"],
            memberships=r["memberships"],
            patrons=r["patrons"],
        )
        for r in rows
    ]
    counts = _merged(counts + simulation.member_counts(day))  # `clb load-demo --national`
    MemberCount.objects.bulk_create(counts, batch_size=1000)
    total = sum(c.memberships for c in counts)
    MemberCountRun.objects.update_or_create(
        taken_on=day, defaults={"taken_at": clock.now(at), "memberships": total}
    )
    return total
