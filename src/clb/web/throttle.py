"""Per-address throttle for member logins. The card lockout (members.services.verify_pin) stops
guessing one card's PIN; this stops one address from trying a common PIN on many cards. Kept in
the database so every server process counts the same failures."""

from datetime import timedelta

from django.conf import settings

from clb import clock

from .models import LoginFailure

WINDOW = timedelta(minutes=15)


def max_failures() -> int:
    # A library's public wifi puts many members behind one address: generous, but finite.
    return getattr(settings, "CLB_MEMBER_LOGIN_MAX_FAILURES_PER_IP", 20)


def client_ip(request) -> str:
    # REMOTE_ADDR only: a forwarded-for header is whatever the client wants it to be.
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"


def is_throttled(ip: str, *, at=None) -> bool:
    since = clock.now(at) - WINDOW
    return LoginFailure.objects.filter(ip=ip, at__gte=since).count() >= max_failures()


def record_failure(ip: str, *, at=None) -> None:
    at = clock.now(at)
    LoginFailure.objects.filter(at__lt=at - WINDOW).delete()
    LoginFailure.objects.create(ip=ip, at=at)
