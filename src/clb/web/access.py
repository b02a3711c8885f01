"""Who may use the desk, and which patrons a desk may see.

Staff see the patrons of their own organisation (a membership there, or registered there). The one
exception is network lending: a patron of another organisation whose card is scanned at this desk
is open to this desk for that transaction, until the desk finishes with them, scans another card,
or leaves them idle — and only for lending and returning: the views that lend, renew this
organisation's loans, take its fees or end the transaction say so (`lending=True`); every other
view (PIN, personal data, membership, holds, anything added later) refuses a network patron.
Every desk view reaches a patron through `desk_patron`, so this is the one place that decides."""

from datetime import datetime, timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from clb import clock
from clb.accounts.models import User
from clb.members.models import Patron
from clb.network.models import Branch
from clb.scoping import patrons_visible_to, sees_everything

DESK_ROLES = {User.Role.DESK, User.Role.ORG_ADMIN, User.Role.NATIONAL_ADMIN}
SESSION_KEY = "clb_desk"
# A desk transaction left alone this long is over: the next person at the desk starts clean.
IDLE_LIMIT = timedelta(minutes=20)
TOUCH_EVERY = timedelta(minutes=1)


def may_use_desk(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if sees_everything(user):
        return True
    return user.role in DESK_ROLES and user.organisation_id is not None


def staff_view(view):
    """Desk pages: logged-in staff with a desk role, never cached (patron data on screen)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            # Back to this page after login; an action (POST) cannot be replayed, so its desk.
            back = request.get_full_path() if request.method == "GET" else "/balie/"
            return redirect_to_login(back)
        if not may_use_desk(request.user):
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except NotForNetworkAccess as refusal:
            context = {"message": str(refusal), "desk_branch": desk_branch(request)}
            return render(request, "web/desk/refused.html", context, status=403)

    return never_cache(wrapper)


def desk_view(view):
    """Desk pages that act at a branch: without one chosen, the user picks it first."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if desk_branch(request) is None:
            messages.info(request, _("Kies eerst de vestiging waar u aan de balie staat."))
            back = request.get_full_path() if request.method == "GET" else "/balie/"
            return redirect(reverse("web:desk-branch") + "?" + urlencode({"next": back}))
        return view(request, *args, **kwargs)

    return staff_view(wrapper)


def org_admin_view(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (sees_everything(user) or user.role == User.Role.ORG_ADMIN):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return staff_view(wrapper)


# --- the desk's branch --------------------------------------------------------------------------


def branches_for(user):
    branches = Branch.objects.select_related("organisation")
    if sees_everything(user):
        return branches
    return branches.filter(organisation_id=user.organisation_id)


def desk_branch(request) -> Branch | None:
    """The branch this desk works for: chosen in this session, else the user's own branch.
    Looked up once per request."""
    if not hasattr(request, "_clb_desk_branch"):
        request._clb_desk_branch = _desk_branch(request)
    return request._clb_desk_branch


def _desk_branch(request) -> Branch | None:
    chosen = request.session.get("clb_desk_branch")
    candidates = branches_for(request.user)
    if chosen:
        branch = candidates.filter(pk=chosen).first()
        if branch is not None:
            return branch
    if request.user.branch_id:
        return candidates.filter(pk=request.user.branch_id).first()
    return None


def set_desk_branch(request, branch: Branch) -> None:
    if not branches_for(request.user).filter(pk=branch.pk).exists():
        raise PermissionDenied
    request.session["clb_desk_branch"] = branch.pk
    request._clb_desk_branch = branch
    end_transaction(request)


def staff_organisation(request):
    """The organisation the desk acts for: that of the desk's branch (national staff) or the user's."""
    branch = desk_branch(request)
    if branch is not None:
        return branch.organisation
    return request.user.organisation


# --- patrons at the desk ------------------------------------------------------------------------


def visible_to_staff(user, patron: Patron) -> bool:
    return patrons_visible_to(user, Patron.objects.filter(pk=patron.pk)).exists()


def transaction_state(request) -> dict:
    """This desk's current transaction: the patron at the desk and what happened so far."""
    state = request.session.get(SESSION_KEY)
    if not state:
        return {}
    last = state.get("touched")
    if last is None or clock.now() - _parse(last) > IDLE_LIMIT:
        end_transaction(request)
        return {}
    return state


def start_transaction(request, patron: Patron, *, by_card: bool) -> bool:
    """Open the desk for this patron. Returns whether this is network access (a patron of another
    organisation, reached by their card). Without the card, only own patrons open."""
    own = visible_to_staff(request.user, patron)
    if not own and not by_card:
        raise Http404
    request.session[SESSION_KEY] = {
        "patron": patron.pk,
        "network": not own,
        "touched": clock.now().isoformat(),
        "checkouts": [],
    }
    return not own


def touch(request, **changes) -> None:
    """Note activity (and changes) on the transaction. Plain activity is written at most once
    a minute: a session write per page is a database write per page."""
    state = transaction_state(request)
    if not state:
        return
    now = clock.now()
    if changes or now - _parse(state["touched"]) > TOUCH_EVERY:
        request.session[SESSION_KEY] = {**state, **changes, "touched": now.isoformat()}


def end_transaction(request) -> None:
    request.session.pop(SESSION_KEY, None)


def desk_patron(request, pk: int, *, lending: bool = False) -> tuple[Patron, bool]:
    """The patron a desk URL names, if this desk may see them; else 404 (never reveal existence).
    A patron reached by network access only for `lending` views; elsewhere 403.
    Returns (patron, network_access)."""
    patron = Patron.objects.select_related("municipality", "registered_by").filter(pk=pk).first()
    if patron is None:
        raise Http404
    state = transaction_state(request)
    if state.get("patron") == patron.pk:
        network = bool(state.get("network"))
        if network and not lending:
            raise NotForNetworkAccess(patron)
        return patron, network
    if visible_to_staff(request.user, patron):
        return patron, False
    raise Http404


class NotForNetworkAccess(PermissionDenied):
    """A view that is not for lending, asked for a patron opened by network access."""

    def __init__(self, patron: Patron):
        super().__init__(
            _(
                "Netwerkpas: aan deze balie alleen lenen en inleveren. Pincode, gegevens, "
                "lidmaatschap en reserveringen regelt de eigen bibliotheek (%(org)s)."
            )
            % {"org": patron.registered_by.name}
        )


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


# --- copies at the desk -------------------------------------------------------------------------


def desk_item(request, barcode: str):
    """The copy a desk URL names, if this desk may look it up; else 404. Returns (item, own):
    own copies fully; a copy of another organisation only while it lies at (or travels to) one
    of this organisation's branches, to read, without persons."""
    from clb.catalogue.models import Item

    item = (
        Item.objects.select_related(
            "record", "organisation", "home_branch", "current_branch__organisation", "item_type"
        )
        .filter(barcode=(barcode or "").strip())
        .first()
    )
    if item is None:
        raise Http404
    if sees_everything(request.user):
        return item, True
    organisation = staff_organisation(request)
    if organisation is None:
        raise Http404
    if item.organisation_id == organisation.pk:
        return item, True
    here = item.current_branch.organisation_id == organisation.pk
    coming = item.transits.filter(
        received_at__isnull=True, to_branch__organisation=organisation
    ).exists()
    if here or coming:
        return item, False
    raise Http404


def visible_patron_ids(user, patron_ids) -> set[int]:
    """Which of these patrons this user may see by name (their own organisation's)."""
    ids = {pk for pk in patron_ids if pk}
    if not ids:
        return set()
    return set(
        patrons_visible_to(user, Patron.objects.filter(pk__in=ids)).values_list("pk", flat=True)
    )
