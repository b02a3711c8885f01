"""Staff sign in with a username and password (/accounts/login/ and the admin's login page). The same per-address
throttle as the member login stops one address from guessing passwords: failures are counted
from Django's user_login_failed signal, and while an address is throttled even the right
password is refused."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from . import throttle


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None and throttle.is_throttled(throttle.client_ip(request)):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def _count_failure(sender, credentials, request=None, **kwargs):
    if request is not None:
        throttle.record_failure(throttle.client_ip(request))
