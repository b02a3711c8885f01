"""Events spread over months, written through the one writer, and what the figures say of them."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from clb.statistics import events
from clb.statistics.models import PlaceTally, ResidenceTally
from tests.cockpit.helpers import figures

# Late enough that every month of 2025 up to September may be archived (twelve months stay).
LATER = datetime(2026, 10, 15, 12, tzinfo=ZoneInfo("Europe/Amsterdam"))
PLACE = (
    "half_year", "action", "organisation_id", "branch_id", "audience", "material_type",
    "municipality_code", "n",
)  # fmt: skip
RESIDENCE = ("half_year", "action", "organisation_id", "municipality_code", "age_band", "n")


def write_months(net, months, per_month=3):
    """`per_month` checkouts and one renewal at A's branch on the 3rd of each month (year
    2025), and a member registered online (no branch) in each."""
    for month in months:
        day = date(2025, month, 3)
        for i in range(per_month):
            events.record(
                "checkout", on=day, organisation_id=net.org_a.pk, branch_id=net.a1.pk,
                item_type="boek", material_type="book", audience="youth" if i % 2 else "adult",
                age_band="9-14", municipality_code="GM0344",
            )  # fmt: skip
        events.record(
            "renew", on=day, organisation_id=net.org_a.pk, branch_id=net.a1.pk,
            material_type="book", audience="adult", age_band="20-64", municipality_code="GM0344",
        )  # fmt: skip
        events.record(
            "member_registered", on=day, organisation_id=net.org_b.pk, age_band="20-64",
            municipality_code="GM0307",
        )  # fmt: skip


def tallies() -> tuple[list, list]:
    return (
        sorted(PlaceTally.objects.values_list(*PLACE)),
        sorted(ResidenceTally.objects.values_list(*RESIDENCE)),
    )


def cockpit(period="2025-H1") -> dict:
    """Every figure the cockpit shows for the country in a period (from the tallies)."""
    return {key: f.value for key, f in figures("NL", period, at=LATER).items()}
