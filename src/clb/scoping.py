"""Which rows a staff user may see: national administrators everything, everyone else the rows of
their own organisation. One function per question, used by the admin and the staff pages.

It sits beside the rooms, not in one: every room's admin and every interface asks these questions,
and they read only attributes of the user, so the lowest room (network) can ask them too."""

from django.db.models import Q, QuerySet


def sees_everything(user) -> bool:
    return bool(user.is_superuser or getattr(user, "is_national", False))


def limit_to_organisation(user, queryset: QuerySet, path: str | None) -> QuerySet:
    """Filter queryset to the user's organisation along `path` (e.g. "organisation",
    "memberships__organisation"); None means the model is national (shared) data."""
    if sees_everything(user) or path is None:
        return queryset
    if user.organisation_id is None:
        return queryset.none()
    return queryset.filter(**{path: user.organisation_id}).distinct()


def patrons_visible_to(user, queryset: QuerySet) -> QuerySet:
    """Patrons of the user's organisation: a membership there, or registered there."""
    if sees_everything(user):
        return queryset
    if user.organisation_id is None:
        return queryset.none()
    org = user.organisation_id
    return queryset.filter(Q(memberships__organisation=org) | Q(registered_by=org)).distinct()
