"""The one source of "now". Services take `at=` so tests pass their own time instead of sleeping."""

from datetime import datetime

from django.utils import timezone


def now(at: datetime | None = None) -> datetime:
    return at if at is not None else timezone.now()


def today(at: datetime | None = None):
    return timezone.localdate(now(at))
