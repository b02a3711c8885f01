"""The header's links to the steering pages — the cockpit, the cost model and the accessibility
analysis — shown on every page to the users allowed to open them. Each page checks again."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from clb.cockpit import scoping
from clb.costmodel import access as costmodel_access

register = template.Library()


def steering_links(user) -> list[tuple[str, str]]:
    """(url, label) of the steering pages this user may open, in menu order."""
    if user is None or not user.is_authenticated:
        return []
    links = []
    cockpit = scoping.has_cockpit(user)
    if cockpit:
        links.append((reverse("cockpit:dashboard"), _("Cockpit")))
    if costmodel_access.may_use(user):
        links.append((reverse("costmodel:builder"), _("Kostenmodel")))
    # The analysis opens on the user's cockpit region, so it needs the cockpit too.
    if cockpit and scoping.may_see_accessibility(user):
        links.append((reverse("cockpit:accessibility"), _("Bereikbaarheid")))
    return links


@register.inclusion_tag("clb/_steering_nav.html", takes_context=True)
def steering_nav(context):
    request = context.get("request")
    return {
        "links": steering_links(getattr(request, "user", None)),
        "here": request.path if request is not None else "",
    }
