"""A member's login on the public pages: card + PIN, kept in the session apart from any staff
login, ending after a quiet spell because library computers are shared, and at once everywhere
when the PIN changes (a stolen card: the desk sets a new PIN and the thief's sessions end).

A browser that logged in keeps a signed cookie with a token of the card's current PIN
(members.services.known_browser_token): with it, the member gets in past a lock that strangers
guessing on the internet caused (see members.models.PinChannel)."""

from datetime import datetime, timedelta
from functools import wraps

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core import signing
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache

from clb import clock
from clb.members import services as members
from clb.members.models import Patron

KEY = "clb_member"
KNOWN_COOKIE = "clb_bekend"
KNOWN_SALT = "clb.web.known-browser"
KNOWN_FOR = timedelta(days=365)
KNOWN_CARDS_PER_BROWSER = 5  # a family's computer
IDLE_LIMIT = timedelta(minutes=30)
# Rewriting the session on every page costs a write; once a minute is precise enough.
TOUCH_EVERY = timedelta(minutes=1)


def _pin_mark(patron: Patron) -> str:
    """Changes with the PIN: a session made with an earlier PIN no longer matches."""
    return salted_hmac("clb.web.member-session", patron.pin_hash).hexdigest()


def log_in(request, patron: Patron) -> None:
    request.session.cycle_key()  # no session fixation: a new key at the moment of login
    request.session[KEY] = {
        "patron": patron.pk,
        "seen": clock.now().isoformat(),
        "pin": _pin_mark(patron),
    }


def keep_after_pin_change(request, patron: Patron) -> None:
    """The member changed their own PIN here: this session goes on, every other one ends."""
    patron = Patron.objects.get(pk=patron.pk)
    request.session[KEY] = {**request.session[KEY], "pin": _pin_mark(patron)}


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
    patron = (
        Patron.objects.select_related("municipality", "registered_by")
        .filter(pk=state["patron"])
        .first()
    )
    if patron is None or not constant_time_compare(state.get("pin", ""), _pin_mark(patron)):
        request.session.pop(KEY, None)  # a new PIN since this login
        return None
    if now - seen > TOUCH_EVERY:
        request.session[KEY] = {**state, "seen": now.isoformat()}
    return patron


def known_tokens(request) -> list:
    try:
        tokens = signing.loads(
            request.COOKIES.get(KNOWN_COOKIE, ""),
            salt=KNOWN_SALT,
            max_age=KNOWN_FOR.total_seconds(),
        )
    except signing.BadSignature:
        return []
    return tokens if isinstance(tokens, list) else []


def remember_browser(request, response, patron: Patron) -> None:
    mine = members.known_browser_token(patron)
    tokens = [mine, *(t for t in known_tokens(request) if t != mine)][:KNOWN_CARDS_PER_BROWSER]
    response.set_cookie(
        KNOWN_COOKIE,
        signing.dumps(tokens, salt=KNOWN_SALT),
        max_age=int(KNOWN_FOR.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
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
