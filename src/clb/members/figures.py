"""The anonymous figures this room publishes for the steering rooms (cockpit, cost model): counts
and sums over its own tables, never a person. It is their only door into members: the
import-linter contract "the steering rooms read no person" lets them import this module and no
other module of members (pyproject.toml, ARCHITECTURE.md)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Sum

from .models import LedgerKind, LedgerLine, Membership, PatronCategory, SubscriptionType


def organisations_charging_youth() -> set[int]:
    """Organisations with an active youth subscription that costs money (covenant: youth reads
    free)."""
    return set(
        SubscriptionType.objects.filter(
            category=PatronCategory.YOUTH, active=True, yearly_fee__gt=0
        ).values_list("organisation_id", flat=True)
    )


@dataclass(frozen=True)
class FeeTotal:
    kind: str
    label: str
    total: Decimal  # charges positive, payments and waivers negative, as on the ledger


def ledger_totals(organisation_id: int, year: int) -> dict[str, FeeTotal]:
    """The organisation's ledger summed per kind of line over a calendar year, every kind
    present (zero when there was none)."""
    sums = dict(
        LedgerLine.objects.filter(organisation_id=organisation_id, created_at__year=year)
        .values("kind")
        .annotate(total=Sum("amount"))
        .values_list("kind", "total")
    )
    return {
        kind: FeeTotal(kind, str(label), sums.get(kind) or Decimal(0))
        for kind, label in LedgerKind.choices
    }


def members_by_municipality(municipality_ids, day: date) -> dict[int, int]:
    """People with a valid membership on a day, per municipality (pk) they live in."""
    return {
        row["patron__municipality"]: row["n"]
        for row in Membership.objects.filter(
            patron__municipality__in=municipality_ids, started_on__lte=day, expires_on__gte=day
        )
        .values("patron__municipality")
        .annotate(n=Count("patron", distinct=True))
        .order_by()
    }
