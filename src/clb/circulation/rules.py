"""The one rule resolver: the most specific LoanRule for (organisation, patron category, item type).

Specificity is a weight: a specific organisation counts 4, a specific item type 2, a specific
patron category 1, so every pair of rules is ordered and ties cannot occur (unique key)."""

from django.db.models import Q

from .errors import CirculationError
from .models import LoanRule


def resolve(organisation, patron_category: str, item_type) -> LoanRule:
    candidates = LoanRule.objects.filter(
        Q(organisation=organisation) | Q(organisation__isnull=True),
        Q(patron_category=patron_category) | Q(patron_category=""),
        Q(item_type=item_type) | Q(item_type__isnull=True),
    )
    best = max(candidates, key=_weight, default=None)
    if best is None:
        raise CirculationError(
            f"Geen uitleenregel voor {organisation.code} / {patron_category} / {item_type.code}",
            code="no_rule",
        )
    return best


def _weight(rule: LoanRule) -> int:
    return (
        (4 if rule.organisation_id else 0)
        + (2 if rule.item_type_id else 0)
        + (1 if rule.patron_category else 0)
    )
