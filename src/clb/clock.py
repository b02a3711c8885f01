"""The one source of "now". Services take `at=` so tests pass their own time instead of sleeping.

`at` is a moment, or a clock (a function returning one) that the service reads when it is ready
to act, after taking its locks, or None for the real clock, also read then. An interface that
injects its own clock (the SIP2 server) passes the clock itself, so an action that waited for a
lock is dated after the action it waited for."""

from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

When = datetime | Callable[[], datetime] | None


def now(at: When = None) -> datetime:
    if at is None:
        return timezone.now()
    return at() if callable(at) else at


def today(at: datetime | None = None):
    return timezone.localdate(now(at))
