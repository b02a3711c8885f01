"""How many library locations the branch register holds, against how many there are.

The register is complete when every real library location of the country is in it. No source we
have counts locations per municipality or province; the one sourced count is national: 1,209
physical library locations in 2020, all kinds together (KB, Van de Burgt & Van de Hoek 2021, in
data/library-sector-facts.csv). A region's expected number is therefore an estimate: the national
count per inhabitant (1,209 over the 17,942,942 inhabitants of 1 January 2024, CBS) times the
region's inhabitants. It is rough in one known direction: large cities have fewer locations per
inhabitant than the countryside (Amsterdam had about 26 where this estimate says 63), so the
estimate sooner calls a city's register incomplete than a village's — the safe side for figures
that would otherwise be printed as fact.

Counted as loaded: locations from real data (not demo data) open on the day. Demo and simulated
data never make a register more complete."""

import csv
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.db.models import Count, Q

from .models import Branch
from .reference import DATA

LOCATIONS_FACT = "physical library locations (all kinds)"
# A region counts as complete from this share of its expected locations: the expectation is an
# estimate, and a register of nine in ten locations tells the same story as a full one.
COMPLETE_SHARE = 0.9


@dataclass(frozen=True)
class NationalCount:
    locations: int
    year: int
    source: str
    inhabitants: int  # CBS, 1 January 2024


@lru_cache(maxsize=1)
def national_count() -> NationalCount:
    with open(DATA / "library-sector-facts.csv", encoding="utf-8") as fh:
        fact = next(r for r in csv.DictReader(fh) if r["fact"] == LOCATIONS_FACT)
    with open(DATA / "gemeenten-2024.csv", encoding="utf-8") as fh:
        inhabitants = sum(int(r["inhabitants_2024_01_01"]) for r in csv.DictReader(fh))
    return NationalCount(
        int(fact["value"]), int(fact["reference_year"]), fact["source"], inhabitants
    )


def expected_locations(inhabitants: float) -> float:
    """The estimated number of library locations for so many inhabitants (see the module)."""
    national = national_count()
    return national.locations * inhabitants / national.inhabitants


def loaded_locations(day: date) -> dict[str, int]:
    """Real library locations open on `day` per municipality code ("" for those without one)."""
    rows = (
        Branch.objects.filter(is_demo=False)
        .filter(Q(opened_on__isnull=True) | Q(opened_on__lte=day))
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=day))
        .values("municipality__code")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["municipality__code"] or "": r["n"] for r in rows}


def is_complete(loaded: int, expected: float) -> bool:
    return loaded > 0 and loaded >= COMPLETE_SHARE * expected
