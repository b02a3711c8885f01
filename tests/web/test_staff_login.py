"""Staff login (/accounts/login/, also behind the admin) is throttled per address (its own
throttle, apart from the members'; see test_login_throttles.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clb.web.models import LoginFailure

from .conftest import desk_user

pytestmark = pytest.mark.django_db


def login(client, username, password, ip):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def test_one_address_guessing_passwords_is_throttled(client, net, settings):
    settings.CLB_STAFF_LOGIN_MAX_FAILURES_PER_IP = 3
    desk_user("balie-a", net.a1)
    for guess in ("welkom01", "zomer2026", "bibliotheek"):
        assert login(client, "balie-a", guess, "10.0.0.7").status_code == 200  # form again
    assert LoginFailure.objects.filter(ip="10.0.0.7").count() == 3

    refused = login(client, "balie-a", "geheim-wachtwoord", "10.0.0.7")
    assert refused.status_code == 200 and "_auth_user_id" not in client.session

    # Another address is not affected; the right password works there.
    allowed = login(client, "balie-a", "geheim-wachtwoord", "10.0.0.8")
    assert allowed.status_code == 302 and "_auth_user_id" in client.session
    client.logout()

    # After the window the first address may try again.
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=16))
    again = login(client, "balie-a", "geheim-wachtwoord", "10.0.0.7")
    assert again.status_code == 302
