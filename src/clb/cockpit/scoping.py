"""Who sees which region. KB and national administrators see everything; a province user their
province, its municipalities and organisations working only inside it; a municipality user that
municipality only; staff of an organisation their organisation."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from clb.accounts.models import User
from clb.scoping import sees_everything

from .regions import NATIONAL, ORG_PREFIX, Geography, Region

ACCESSIBILITY_ROLES = (User.Role.COCKPIT, User.Role.NATIONAL_ADMIN)


def _region_code(user) -> str:
    return (getattr(user, "region_code", "") or "").strip().upper()


def has_cockpit(user) -> bool:
    return bool(
        user.is_authenticated
        and (sees_everything(user) or _region_code(user) or user.organisation_id)
    )


def may_see_accessibility(user) -> bool:
    """The accessibility analysis is for cockpit users and national administrators, not for the
    staff of an organisation."""
    return bool(
        user.is_authenticated
        and (user.is_superuser or getattr(user, "role", "") in ACCESSIBILITY_ROLES)
    )


def can_view(user, region: Region, geo: Geography) -> bool:
    if not user.is_authenticated:
        return False
    scope = _region_code(user)
    if sees_everything(user) or scope == NATIONAL:
        return True
    if scope.startswith("PV"):
        if region.code == scope or (region.kind == "municipality" and region.parent == scope):
            return True
        if region.kind == "organisation":
            area = geo.organisation_of(region).municipalities
            inside = geo.municipalities_of(geo.region(scope))
            return bool(area) and area <= inside
    if scope.startswith("GM") and region.code == scope:
        return True
    if user.organisation_id and region.kind == "organisation":
        return geo.organisation_of(region).id == user.organisation_id
    return False


def home_region(user, geo: Geography) -> Region:
    scope = _region_code(user)
    if sees_everything(user) or scope == NATIONAL:
        return geo.region(NATIONAL)
    if scope:
        return geo.region(scope)
    if user.organisation_id:
        return geo.organisation_region(user.organisation_id)
    raise PermissionDenied(_("U heeft geen toegang tot de cockpit."))


def require(user, region: Region, geo: Geography) -> None:
    if not can_view(user, region, geo):
        raise PermissionDenied(
            _("U mag de cijfers van %(region)s niet inzien.") % {"region": region.name}
        )


def visible(user, regions, geo: Geography) -> list[Region]:
    return [r for r in regions if can_view(user, r, geo)]


__all__ = [
    "ORG_PREFIX",
    "can_view",
    "has_cockpit",
    "home_region",
    "may_see_accessibility",
    "require",
    "visible",
]
