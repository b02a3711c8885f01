"""Login throttles, kept in the database so every server process counts the same failures.

Members and staff are counted apart (a library's public wifi full of mistyped PINs must not lock
its own desk out), each per client address (behind a reverse proxy: see clb.proxies); staff also
per account, since a password guessed at from many addresses is still one account under attack.
The card lockout in members.services stops guessing one card's PIN; the member throttle stops one
address from trying a common PIN on many cards."""

from datetime import timedelta

from django.conf import settings

from clb import clock
from clb.proxies import client_ip  # noqa: F401  (the address every throttle counts by)

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
