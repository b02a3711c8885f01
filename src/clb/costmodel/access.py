"""Who may use the cost model, for which municipalities.

Cockpit users work on the region of their cockpit scope (the whole country, a province, or one
municipality — a municipality user only on their own municipality); national administrators on
everything; an organisation's administrators on the municipalities of their organisation's
working area. Desk staff and cataloguers do not use the cost model. A saved scenario is visible to
everyone whose municipalities include all of the scenario's; it is changed or deleted only by its
author or a national administrator."""

from django.db.models import QuerySet

from clb.accounts.models import User
from clb.network.models import Municipality, Organisation
from clb.scoping import sees_everything

ROLES = (User.Role.COCKPIT, User.Role.NATIONAL_ADMIN, User.Role.ORG_ADMIN)


def may_use(user) -> bool:
    return bool(
        user.is_authenticated and (sees_everything(user) or getattr(user, "role", "") in ROLES)
    )


def allowed_municipalities(user) -> QuerySet:
    if not may_use(user):
        return Municipality.objects.none()
    if sees_everything(user):
        return Municipality.objects.all()
    scope = (user.region_code or "").strip().upper()
    if user.role == User.Role.COCKPIT and scope:
        if scope == "NL":
            return Municipality.objects.all()
        if scope.startswith("PV"):
            return Municipality.objects.filter(province__code=scope)
        return Municipality.objects.filter(code=scope)
    if user.organisation_id:
        return Municipality.objects.filter(organisations=user.organisation_id)
    return Municipality.objects.none()


def allowed_codes(user) -> set[str]:
    return set(allowed_municipalities(user).values_list("code", flat=True))


def allowed_organisations(user) -> list[Organisation]:
    """Organisations whose whole working area the user may work on."""
    codes = allowed_codes(user)
    if not codes:
        return []
    out = []
    for org in Organisation.objects.prefetch_related("municipalities").order_by("name"):
        area = {m.code for m in org.municipalities.all()}
        if area and area <= codes:
            out.append(org)
    return out


def may_see(user, scenario, codes: set[str] | None = None) -> bool:
    codes = allowed_codes(user) if codes is None else codes
    return bool(scenario.municipality_codes) and set(scenario.municipality_codes) <= codes


def may_change(user, scenario) -> bool:
    return may_see(user, scenario) and (sees_everything(user) or scenario.created_by_id == user.pk)
