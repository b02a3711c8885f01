"""Subscription types a new organisation starts with (editable in the admin)."""

from decimal import Decimal

from .models import PatronCategory, SubscriptionType

DEFAULT_TYPES = [
    ("jeugd", "Jeugd (0–17)", PatronCategory.YOUTH, 0, 18, Decimal("0")),
    ("volwassen", "Volwassen", PatronCategory.ADULT, 18, 65, Decimal("57.50")),
    ("senior", "65+", PatronCategory.SENIOR, 65, None, Decimal("49.50")),
]


def install_subscription_types(organisation) -> None:
    for code, name, category, low, high, fee in DEFAULT_TYPES:
        SubscriptionType.objects.get_or_create(
            organisation=organisation,
            code=code,
            defaults=dict(name=name, category=category, min_age=low, max_age=high, yearly_fee=fee),
        )
