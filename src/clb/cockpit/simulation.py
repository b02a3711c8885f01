"""A simulated anonymous year for every organisation of the network (`clb load-demo --national`).

The demo runs five real library organisations through the real services; the rest of the
country would be empty, and the cockpit's map and comparisons would show nothing. This writes,
for every other municipality, one organisation's year of anonymous statistics — the tallies of
loans and new members by residence and age band, loans at the organisation's real library
locations where the register has any, and the member count — at national rates with a
deterministic spread per municipality, so the map has something to show. No person, loan or
event is made up: only the aggregates the cockpit reads.

Everything simulated hangs under an organisation listed in `Simulation`: pages and files mark
every figure that rests on it "gesimuleerd" (caveats.py), and `remove()` takes all of it out.

Rates (national averages; the spread per municipality is ±25 %, not a measurement):
- members: 65 % of inhabitants under 18 and 11.3 % of those 18 and older (VOB 2014, in
  network/data/library-sector-facts.csv); youth over their age bands by years in the band,
  adults 3 % aged 18–19, 67 % 20–64 and 30 % 65+ (an assumption);
- loans: 2.3 per inhabitant a year (CBS 82469NED 2021: 40.6 million loans, 17.5 million
  inhabitants), by age band in proportion to the members; 85 % books, 7 % magazines, 5 %
  audiobooks, 3 % DVDs, youth material for young borrowers (assumptions);
- new members: 8 % of the members a year (an assumption)."""

import random
from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Sum

from clb import clock
from clb.network.models import Branch, Municipality, Organisation
from clb.statistics.counts import MemberCountRow
from clb.statistics.models import (
    EventAction,
    MemberCount,
    MemberCountRun,
    PlaceTally,
    ResidenceTally,
)
from clb.statistics.tallies import half_years_between, next_half_year

from .models import Simulation

PREFIX = "gesimuleerd-"
SOURCE = "clb load-demo --national"
YOUTH_SHARE, ADULT_SHARE = 0.65, 0.113
YOUTH_BANDS = {"0-3": 4, "4-8": 5, "9-14": 6, "15-17": 3}  # years in the band
ADULT_BANDS = {"18-19": 0.03, "20-64": 0.67, "65+": 0.30}
LOANS_PER_INHABITANT = 2.3
NEW_MEMBER_SHARE = 0.08
MATERIALS = {"book": 0.85, "magazine": 0.07, "audiobook": 0.05, "dvd": 0.03}
SPREAD = 0.25


def simulated_organisations() -> dict[int, set[str]]:
    """Organisation id → the municipality codes its simulated figures cover."""
    return {
        org: set(codes)
        for org, codes in Simulation.objects.values_list("organisation_id", "municipalities")
    }


def _members(m: Municipality, rng: random.Random) -> dict[str, int]:
    youth = m.inhabitants_0_17 * YOUTH_SHARE * rng.uniform(1 - SPREAD, 1 + SPREAD)
    adults = (
        (m.inhabitants - m.inhabitants_0_17) * ADULT_SHARE * rng.uniform(1 - SPREAD, 1 + SPREAD)
    )
    years = sum(YOUTH_BANDS.values())
    out = {band: round(youth * n / years) for band, n in YOUTH_BANDS.items()}
    out |= {band: round(adults * share) for band, share in ADULT_BANDS.items()}
    return out


def _organisations(skip: set[str]) -> list[tuple[Organisation, Municipality, bool]]:
    """(organisation, municipality, created) for every municipality not in `skip`: the
    organisation that runs real library locations there, else one made for the simulation."""
    with_branches = defaultdict(list)
    for org_id, code in (
        Branch.objects.filter(is_demo=False, municipality__isnull=False)
        .values_list("organisation_id", "municipality__code")
        .distinct()
    ):
        with_branches[code].append(org_id)
    served = set(
        Organisation.municipalities.through.objects.values_list("municipality__code", flat=True)
    )
    orgs = Organisation.objects.in_bulk({i for ids in with_branches.values() for i in ids})
    out = []
    for m in Municipality.objects.order_by("code"):
        if m.code in skip or (m.code in served and m.code not in with_branches):
            continue
        if m.code in with_branches:
            out.append((orgs[min(with_branches[m.code])], m, False))
            continue
        org, created = Organisation.objects.get_or_create(
            code=f"{PREFIX}{m.code.lower()}",
            defaults={"name": f"Gesimuleerde bibliotheek {m.name}", "is_demo": True},
        )
        org.municipalities.set([m])
        out.append((org, m, created))
    return out


@transaction.atomic
def simulate_year(*, seed: int = 2026, skip: set[str] = frozenset(), at=None, progress=print):
    """Replace any earlier simulation with a year up to today for every municipality not in
    `skip` (the demo's own organisations). Returns the number of organisations."""
    remove()
    today = clock.today(at)
    start = today - timedelta(days=365)
    rng = random.Random(seed)
    branch_ids, branch_municipality = defaultdict(list), {}
    for org_id, branch_id, code in Branch.objects.filter(is_demo=False).values_list(
        "organisation_id", "id", "municipality__code"
    ):
        branch_ids[org_id].append(branch_id)
        branch_municipality[branch_id] = code or ""
    simulations: dict[int, Simulation] = {}
    residence, place = [], defaultdict(int)
    for org, m, created in _organisations(set(skip)):
        sim = simulations.get(org.pk)
        if sim is None:
            sim = simulations[org.pk] = Simulation(
                organisation=org,
                created_organisation=created,
                source=f"{SOURCE}, seed {seed}",
                created_at=clock.now(at),
            )
        members = _members(m, rng)
        sim.municipalities.append(m.code)
        sim.members[m.code] = members
        loans = m.inhabitants * LOANS_PER_INHABITANT * rng.uniform(1 - SPREAD, 1 + SPREAD)
        for row in _tally_year(org, m.code, members, loans, branch_ids[org.pk], start, today):
            if isinstance(row, ResidenceTally):
                residence.append(row)
            else:  # (half, branch, audience, material, n): summed over the age bands
                place[(org.pk, *row[:4])] += row[4]
    ResidenceTally.objects.bulk_create(residence, batch_size=1000)
    PlaceTally.objects.bulk_create(
        (
            PlaceTally(half_year=half, action=EventAction.CHECKOUT, organisation_id=org_id,
                       branch_id=branch, audience=audience, material_type=material,
                       municipality_code=branch_municipality[branch], n=n)
            for (org_id, half, branch, audience, material), n in place.items()
        ),
        batch_size=1000,
    )  # fmt: skip
    Simulation.objects.bulk_create(simulations.values())
    progress(f"gesimuleerd jaar voor {len(simulations)} organisaties")
    return len(simulations)


def _tally_year(org, code, members, loans, branches, start: date, end: date) -> list:
    """The tally rows of one municipality's simulated year (new rows: the simulation's
    organisations have no others)."""
    rows = []
    total_members = sum(members.values()) or 1
    for half in half_years_between(start, end):
        overlap = (min(end, next_half_year(half) - timedelta(days=1)) - max(start, half)).days + 1
        share = max(overlap, 0) / 366
        for band, n in members.items():
            band_loans = round(loans * share * n / total_members)
            audience = "youth" if band in YOUTH_BANDS else "adult"
            for action, count in (
                (EventAction.CHECKOUT, band_loans),
                (EventAction.MEMBER_REGISTERED, round(n * NEW_MEMBER_SHARE * share)),
            ):
                if count:
                    rows.append(ResidenceTally(half_year=half, action=action, organisation=org,
                                               municipality_code=code, age_band=band, n=count))  # fmt: skip
            for branch in branches:
                for material, part in MATERIALS.items():
                    count = round(band_loans * part / len(branches))
                    if count:
                        rows.append((half, branch, audience, material, count))
    return rows


def days_to_count(*, at=None) -> list[date]:
    """The cockpit reads the last member count of each half-year: the days on which the
    simulated year needs one (the last day counted, or the half-year's last day) so that the
    simulated members are in it. Members takes the count (demo.load_national)."""
    end = clock.today(at)
    days = []
    for half in half_years_between(end - timedelta(days=365), end):
        last = min(end, next_half_year(half) - timedelta(days=1))
        taken = (
            MemberCountRun.objects.filter(taken_on__gte=half, taken_on__lte=last)
            .order_by("-taken_on")
            .values_list("taken_on", flat=True)
            .first()
        )
        days.append(taken or last)
    return days


def member_counts(day: date) -> list[MemberCountRow]:
    """The simulated members as rows of a member count taken on `day` (statistics.counts adds
    them to every count: registered in apps.py)."""
    rows = []
    for org_id, members in Simulation.objects.values_list("organisation_id", "members"):
        for code, bands in members.items():
            for band, n in bands.items():
                if n:
                    rows.append(MemberCountRow(organisation_id=org_id, municipality_code=code,
                                               age_band=band, memberships=n, patrons=n))  # fmt: skip
    return rows


@transaction.atomic
def remove() -> int:
    """Take every simulated figure out again, and the organisations made for it."""
    sims = list(Simulation.objects.all())
    ids = [s.organisation_id for s in sims]
    for model in (PlaceTally, ResidenceTally, MemberCount):
        model.objects.filter(organisation_id__in=ids).delete()
    _recount_runs()
    made = [s.organisation_id for s in sims if s.created_organisation]
    Simulation.objects.filter(organisation_id__in=ids).delete()
    Organisation.objects.filter(pk__in=made, branches__isnull=True).delete()
    return len(sims)


def _recount_runs() -> None:
    """Each member count's total, without what was taken out."""
    totals = dict(
        MemberCount.objects.values("taken_on")
        .annotate(n=Sum("memberships"))
        .values_list("taken_on", "n")
    )
    for run in MemberCountRun.objects.all():
        if run.memberships != totals.get(run.taken_on, 0):
            run.memberships = totals.get(run.taken_on, 0)
            run.save(update_fields=["memberships"])
