"""National default loan rules; organisations override them with rows of their own."""

from decimal import Decimal

from clb.catalogue.models import ItemType
from clb.members.models import PatronCategory

from .models import LoanRule

# (patron category, item type code, values) — blank is a wildcard.
NATIONAL_RULES = [
    (
        "",
        None,
        dict(
            loan_days=21,
            renewals=2,
            loan_limit=20,
            fine_per_day=Decimal("0.25"),
            fine_cap=Decimal("5.00"),
            hold_fee=Decimal("0.50"),
        ),
    ),
    # Youth reads free: no fines, no hold fees (covenant, opgave 1).
    (
        PatronCategory.YOUTH,
        None,
        dict(
            loan_days=21,
            renewals=2,
            loan_limit=20,
            fine_per_day=Decimal("0"),
            fine_cap=Decimal("0"),
            hold_fee=Decimal("0"),
        ),
    ),
    (
        "",
        "dvd",
        dict(
            loan_days=7,
            renewals=1,
            loan_limit=5,
            fine_per_day=Decimal("1.00"),
            fine_cap=Decimal("10.00"),
            hold_fee=Decimal("1.00"),
        ),
    ),
    (
        "",
        "tijdschrift",
        dict(
            loan_days=14,
            renewals=1,
            loan_limit=10,
            fine_per_day=Decimal("0.25"),
            fine_cap=Decimal("3.00"),
            holds_allowed=False,
            hold_fee=Decimal("0"),
        ),
    ),
]


FREE = dict(fine_per_day=Decimal("0"), fine_cap=Decimal("0"), hold_fee=Decimal("0"))


def with_youth_free(rules):
    """A type-specific rule outweighs the youth wildcard, so every such rule gets a youth twin
    without fines or fees: no fee may stand between anyone under 18 and the library."""
    for category, type_code, values in rules:
        yield category, type_code, values
        if type_code and not category:
            yield PatronCategory.YOUTH, type_code, {**values, **FREE}


def install_national_rules() -> int:
    rules = list(with_youth_free(NATIONAL_RULES))
    for category, type_code, values in rules:
        item_type = ItemType.objects.get(code=type_code) if type_code else None
        LoanRule.objects.update_or_create(
            organisation=None, patron_category=category, item_type=item_type, defaults=values
        )
    return len(rules)
