"""Login throttles, kept in the database so every server process counts the same failures.

Members and staff are counted apart (a library's public wifi full of mistyped PINs must not lock
its own desk out), each per client address; staff also per account, since a password guessed at
from many addresses is still one account under attack. The card lockout in members.services stops
guessing one card's PIN; the member throttle stops one address from trying a common PIN on many
cards.

Behind a reverse proxy every request comes from the proxy. CLB_TRUSTED_PROXIES names the proxies
(addresses or networks); only a request from one of them has its X-Forwarded-For read, from the
right (the address the nearest proxy saw) past any further trusted proxies. A client cannot forge
its way in: what it puts in the header itself stands to the left of what the proxy appends."""

import ipaddress
from datetime import timedelta
from functools import lru_cache

from django.conf import settings

from clb import clock

from .models import LoginFailure

WINDOW = timedelta(minutes=15)
MEMBER = "member"
STAFF = "staff"
# A library's public wifi puts many members behind one address: generous, but finite.
DEFAULT_LIMITS = {
    "CLB_MEMBER_LOGIN_MAX_FAILURES_PER_IP": 20,
    "CLB_STAFF_LOGIN_MAX_FAILURES_PER_IP": 20,
    "CLB_STAFF_LOGIN_MAX_FAILURES_PER_ACCOUNT": 10,
}


def limit(name: str) -> int:
    return int(getattr(settings, name, DEFAULT_LIMITS[name]))


def address_limit(kind: str) -> int:
    return limit(f"CLB_{kind.upper()}_LOGIN_MAX_FAILURES_PER_IP")


# --- who is asking ---------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR") or "0.0.0.0"
    networks = _networks(tuple(getattr(settings, "CLB_TRUSTED_PROXIES", ()) or ()))
    if not _trusted(_address(remote), networks):
        return remote
    hops = (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # unreadable: nothing to its left can be trusted either
        if not _trusted(address, networks):
            return str(address)
    return remote


# --- counting --------------------------------------------------------------------------------


def _recent(at):
    return LoginFailure.objects.filter(at__gte=clock.now(at) - WINDOW)


def is_throttled(kind: str, ip: str, *, at=None) -> bool:
    return _recent(at).filter(kind=kind, ip=ip).count() >= address_limit(kind)


def account_throttled(username: str, *, at=None) -> bool:
    failures = _recent(at).filter(kind=STAFF, account=_account(username)).count()
    return failures >= limit("CLB_STAFF_LOGIN_MAX_FAILURES_PER_ACCOUNT")


def record_failure(kind: str, ip: str, *, account: str = "", at=None) -> None:
    at = clock.now(at)
    LoginFailure.objects.filter(at__lt=at - WINDOW).delete()
    LoginFailure.objects.create(kind=kind, ip=ip, account=_account(account), at=at)


def account_failures(username: str, *, at=None) -> tuple[int, int]:
    """(failures, distinct addresses) for a staff account in the window."""
    rows = _recent(at).filter(kind=STAFF, account=_account(username))
    return rows.count(), rows.values("ip").distinct().count()


def _account(username: str) -> str:
    # Case-blind, so that "Balie-A" and "balie-a" count as one attempt on one account.
    return (username or "").strip().lower()[:150]
