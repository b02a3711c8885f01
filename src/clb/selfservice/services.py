"""Kiosk accounts: logging in (SIP2 message 93), with a lock against guessing the password.

Five wrong passwords in a row lock the account; each lock lasts twice as long as the one before,
up to a day, until a right password gets through or an administrator unlocks it. While it is
locked even the right password is refused, so trying fast from many connections gains nothing.
A kiosk that is logged in keeps working: only new logins are refused."""

import logging
from datetime import datetime, timedelta
from functools import cache

from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.utils import timezone

from .models import KioskAccount

log = logging.getLogger("clb.selfservice.sip2")

MAX_FAILED_LOGINS = 5
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(days=1)


@cache
def _unknown_account() -> str:
    """Checked against when the login name is unknown, so that a wrong name costs as much time
    as a wrong password and the answer time does not reveal which kiosk names exist."""
    return KioskAccount.hash_of("no such kiosk")


def lock_duration(lockouts: int) -> timedelta:
    """How long the account locks after `lockouts` earlier locks since its last good login."""
    return min(FIRST_LOCK * 2 ** min(lockouts, 20), LONGEST_LOCK)


def log_in(
    login: str, password: str, *, at: datetime, peer: str, plain_text: bool = True
) -> KioskAccount | None:
    """The account a kiosk logs in as, or None when the login is refused. `plain_text` is False
    when the kiosk says it encrypted the name or password, which CLB does not support."""
    account = KioskAccount.objects.filter(login=login).first()
    if account is None:
        check_password(password, _unknown_account())
        return None
    right = account.check_password(password)  # hashing takes time: outside the row lock
    with transaction.atomic():
        account = (
            KioskAccount.objects.select_for_update(of=("self",))
            .select_related("branch__organisation")
            .get(pk=account.pk)
        )
        if account.is_locked(at):
            log.warning(
                "%s: kiosk account %s is locked until %s", peer, login, account.locked_until
            )
            return None
        if not right:
            _count_failure(account, at, peer)
            return None
        if not (
            plain_text and account.active and account.branch.is_open_on(timezone.localdate(at))
        ):
            return None
        account.failed_logins, account.lockouts, account.locked_until = 0, 0, None
        account.last_login_at, account.last_login_from = at, peer
        account.save(
            update_fields=[
                "failed_logins",
                "lockouts",
                "locked_until",
                "last_login_at",
                "last_login_from",
            ]
        )
    return account


def _count_failure(account: KioskAccount, at: datetime, peer: str) -> None:
    account.failed_logins += 1
    if account.failed_logins >= MAX_FAILED_LOGINS:
        duration = lock_duration(account.lockouts)
        account.locked_until = at + duration
        account.lockouts += 1
        account.failed_logins = 0
        log.warning(
            "%s: kiosk account %s locked for %s after %d wrong passwords (lock %d)",
            peer,
            account.login,
            _minutes(duration),
            MAX_FAILED_LOGINS,
            account.lockouts,
        )
    account.save(update_fields=["failed_logins", "locked_until", "lockouts"])


def _minutes(duration: timedelta) -> str:
    return f"{int(duration.total_seconds() // 60)} min"


@transaction.atomic
def unlock(accounts) -> int:
    """Lift the lock of these accounts (an administrator's decision); returns how many."""
    return accounts.update(locked_until=None, lockouts=0, failed_logins=0)
