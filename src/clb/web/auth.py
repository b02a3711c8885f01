"""Staff sign in with a username and password (/accounts/login/ and the admin's login page).
Failures are counted from Django's user_login_failed signal in the staff throttle: per client
address, and per account from any address. While either holds, even the right password is
refused; when an account reaches its limit its organisation's administrators get an alert."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from . import alerts, throttle


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
        alerts.staff_account_locked(username, failures, addresses)
