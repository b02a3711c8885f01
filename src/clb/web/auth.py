"""Staff sign in with a username and password (/accounts/login/ and the admin's login page).
Failures are counted from Django's user_login_failed signal in the staff throttle: per client
address, and per account from any address. While either holds, even the right password is
refused; when an account reaches its limit its organisation's administrators get an alert."""

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.utils.translation import gettext as _

from clb import clock

from . import throttle
from .models import SecurityAlert

log = logging.getLogger("clb.security")


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None and (
            throttle.is_throttled(throttle.STAFF, throttle.client_ip(request))
            or throttle.account_throttled(username or "")
        ):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def _count_failure(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    username = credentials.get("username") or ""
    throttle.record_failure(throttle.STAFF, throttle.client_ip(request), account=username)
    failures, addresses = throttle.account_failures(username)
    if failures == throttle.limit("CLB_STAFF_LOGIN_MAX_FAILURES_PER_ACCOUNT"):
        _alert(username, failures, addresses)


def _alert(username: str, failures: int, addresses: int) -> None:
    user = get_user_model().objects.filter(username__iexact=username).first()
    detail = _(
        "%(n)s mislukte pogingen in %(m)s minuten vanaf %(a)s adressen; inloggen met dit "
        "account is tot het eind van dat kwartier geblokkeerd."
    ) % {"n": failures, "m": int(throttle.WINDOW.total_seconds() // 60), "a": addresses}
    SecurityAlert.objects.create(
        at=clock.now(),
        kind=SecurityAlert.Kind.STAFF_ACCOUNT,
        organisation_id=user.organisation_id if user else None,
        subject=username[:150],
        detail=detail[:300],
    )
    log.warning(
        "staff account %r locked after %s failures from %s addresses", username, failures, addresses
    )
