"""Which municipalities a user may build scenarios for: the same regions as the cockpit (national
users all, a province user its municipalities, a municipality user its own, organisation staff
their organisation's service area)."""

from django.db.models import QuerySet

from clb.accounts.scoping import sees_everything
from clb.network.models import Municipality


def allowed_municipalities(user) -> QuerySet:
    if not user.is_authenticated:
        return Municipality.objects.none()
    scope = (user.region_code or "").upper()
    if sees_everything(user) or scope == "NL":
        return Municipality.objects.all()
    if scope.startswith("PV"):
        return Municipality.objects.filter(province__code=scope)
    if scope.startswith("GM"):
        return Municipality.objects.filter(code=scope)
    if user.organisation_id:
        return Municipality.objects.filter(organisations=user.organisation_id)
    return Municipality.objects.none()
