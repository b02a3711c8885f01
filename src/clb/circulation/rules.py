"""The one rule resolver: the most specific row of a rule table for (organisation, patron
category[, item type]).

Specificity is lexicographic on the keys that are filled in — a specific organisation outweighs
anything else, then a specific item type, then a specific patron category — so every pair of
rows is ordered and ties cannot occur (the tables' unique keys)."""

from django.db.models import Q

from .errors import CirculationError, Code
from .models import CategoryLimit, LoanRule


def _most_specific(rows, *keys):
    """The row with the most specific keys, heaviest key first; None for no rows."""
    return max(rows, key=lambda row: tuple(bool(getattr(row, key)) for key in keys), default=None)


class RuleBook:
    """All loan rules that may apply to one patron category at one organisation, fetched once:
    the rule for any item type, and which rule governs each loan (for the loan limits)."""

    def __init__(self, organisation, patron_category: str):
        self.organisation = organisation
        self.patron_category = patron_category
        self.rows = list(
            LoanRule.objects.filter(
                Q(organisation=organisation) | Q(organisation__isnull=True),
                Q(patron_category=patron_category) | Q(patron_category=""),
            )
        )

    def _best(self, type_id) -> LoanRule | None:
        candidates = [r for r in self.rows if r.item_type_id in (None, type_id)]
        return _most_specific(candidates, "organisation_id", "item_type_id", "patron_category")

    def governs(self, rule: LoanRule, type_id) -> bool:
        """Whether loans of this item type fall under `rule` (and so count towards its limit)."""
        best = self._best(type_id)
        return best is not None and best.pk == rule.pk

    def rule_for(self, item_type) -> LoanRule:
        type_id = getattr(item_type, "pk", item_type)
        best = self._best(type_id)
        if best is None:
            code = getattr(item_type, "code", type_id)
            raise CirculationError(
                f"Geen uitleenregel voor {self.organisation.code} / {self.patron_category} / "
                f"{code}",
                code=Code.NO_RULE,
            )
        return best


def resolve(organisation, patron_category: str, item_type) -> LoanRule:
    return RuleBook(organisation, patron_category).rule_for(item_type)


def category_limit(organisation, patron_category: str) -> CategoryLimit | None:
    rows = CategoryLimit.objects.filter(
        Q(organisation=organisation) | Q(organisation__isnull=True),
        Q(patron_category=patron_category) | Q(patron_category=""),
    )
    return _most_specific(rows, "organisation_id", "patron_category")
