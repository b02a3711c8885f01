"""A member's login on the public pages: card + PIN, kept in the session apart from any staff
login, ending after a quiet spell because library computers are shared."""

from datetime import datetime, timedelta
from functools import wraps

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache

from clb import clock
from clb.members.models import Patron

KEY = "clb_member"
IDLE_LIMIT = timedelta(minutes=30)
# Rewriting the session on every page costs a write; once a minute is precise enough.
TOUCH_EVERY = timedelta(minutes=1)


def log_in(request, patron: Patron) -> None:
    request.session.cycle_key()  # no session fixation: a new key at the moment of login
    request.session[KEY] = {"patron": patron.pk, "seen": clock.now().isoformat()}


def log_out(request) -> None:
    request.session.pop(KEY, None)
    request.session.cycle_key()


def current_member(request) -> Patron | None:
    state = request.session.get(KEY)
    if not state:
        return None
    now = clock.now()
    seen = datetime.fromisoformat(state["seen"])
    if now - seen > IDLE_LIMIT:
        request.session.pop(KEY, None)
        return None
    if now - seen > TOUCH_EVERY:
        request.session[KEY] = {**state, "seen": now.isoformat()}
    return (
        Patron.objects.select_related("municipality", "registered_by")
        .filter(pk=state["patron"])
        .first()
    )


def member_view(view):
    """Pages of Mijn Bibliotheek: a logged-in member, passed to the view; never cached."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        patron = current_member(request)
        if patron is None:
            return redirect(login_url(request.get_full_path()))
        return view(request, patron, *args, **kwargs)

    return never_cache(wrapper)


def login_url(next_url: str) -> str:
    return reverse("web:member-login") + "?" + urlencode({REDIRECT_FIELD_NAME: next_url})


def safe_next(request, default: str) -> str:
    """Where to go after login: a path on this site (never another site, never a view name)."""
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
