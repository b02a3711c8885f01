"""Login throttles (issue 12 item 8): members and staff have their own per-address throttles, so
twenty wrong member PINs from a library's public wifi do not lock the desk out; behind a reverse
proxy the client's address is read from X-Forwarded-For, but only as set by a proxy named in
CLB_TRUSTED_PROXIES; and a staff account guessed at from many addresses is stopped per account,
with an alert its organisation's administrators see."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from clb.accounts.models import User
from clb.web import models as web_models
from clb.web import throttle
from clb.web.models import LoginFailure
from tests.factories import make_patron
from tests.web.conftest import desk_user, page

pytestmark = pytest.mark.django_db


def member_login(client, card, pin, **extra):
    return client.post("/mijn/inloggen/", {"card_number": card, "pin": pin}, **extra)


def staff_login(client, username, password, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_member_failures_do_not_lock_staff_out_of_the_same_address(net, settings, earlier):
    settings.CLB_MEMBER_LOGIN_MAX_FAILURES_PER_IP = 3
    desk_user("balie-a", net.a1)
    wifi = Client(REMOTE_ADDR="10.9.0.1")
    for patron in [make_patron(net.org_a, at=earlier) for _ in range(3)]:
        assert member_login(wifi, patron.card_number, "0000").status_code == 422
    refused = member_login(wifi, make_patron(net.org_a, at=earlier).card_number, "1234")
    assert refused.status_code == 429  # the members' throttle holds for this address
    desk = Client(REMOTE_ADDR="10.9.0.1")
    assert staff_login(desk, "balie-a", "geheim-wachtwoord").status_code == 302


def test_staff_failures_do_not_lock_members_out_of_the_same_address(net, settings, patron_a):
    settings.CLB_STAFF_LOGIN_MAX_FAILURES_PER_IP = 3
    desk_user("balie-a", net.a1)
    pc = Client(REMOTE_ADDR="10.9.0.2")
    for guess in ("a1", "b2", "c3"):
        staff_login(pc, "balie-a", guess)
    assert staff_login(pc, "balie-a", "geheim-wachtwoord").status_code == 200  # throttled
    assert member_login(pc, patron_a.card_number, "1234").status_code == 302


def test_behind_a_trusted_proxy_each_client_counts_for_itself(net, settings, earlier):
    settings.CLB_MEMBER_LOGIN_MAX_FAILURES_PER_IP = 2
    settings.CLB_TRUSTED_PROXIES = ["10.0.0.0/24"]
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    card = make_patron(net.org_a, at=earlier).card_number
    guesser = Client(HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    for _ in range(2):
        member_login(guesser, card, "0000")
    assert member_login(guesser, card, "1234").status_code == 429
    # Everyone else behind the same proxy still gets in.
    other = Client(HTTP_X_FORWARDED_FOR="198.51.100.20", **proxy)
    assert member_login(other, card, "1234").status_code == 302
    assert set(LoginFailure.objects.values_list("ip", flat=True)) == {"203.0.113.7"}
    # A client that prepends its own X-Forwarded-For: the proxy appends the real address.
    forged = Client(HTTP_X_FORWARDED_FOR="198.51.100.20, 203.0.113.7", **proxy)
    assert member_login(forged, card, "1234").status_code == 429


def test_forwarded_for_is_ignored_unless_it_comes_from_a_trusted_proxy(net, settings):
    settings.CLB_TRUSTED_PROXIES = ["10.0.0.5"]

    class Request:
        def __init__(self, remote, forwarded=None):
            self.META = {"REMOTE_ADDR": remote}
            if forwarded is not None:
                self.META["HTTP_X_FORWARDED_FOR"] = forwarded

    assert throttle.client_ip(Request("203.0.113.9", "1.2.3.4")) == "203.0.113.9"  # direct
    assert throttle.client_ip(Request("10.0.0.5", "1.2.3.4")) == "1.2.3.4"
    assert throttle.client_ip(Request("10.0.0.5", "1.2.3.4, 10.0.0.5")) == "1.2.3.4"
    assert throttle.client_ip(Request("10.0.0.5", "bogus")) == "10.0.0.5"  # nothing usable
    assert throttle.client_ip(Request("10.0.0.5")) == "10.0.0.5"
    settings.CLB_TRUSTED_PROXIES = []
    assert throttle.client_ip(Request("10.0.0.5", "1.2.3.4")) == "10.0.0.5"


def test_a_staff_account_guessed_from_many_addresses_is_stopped_with_an_alert(net, settings):
    settings.CLB_STAFF_LOGIN_MAX_FAILURES_PER_ACCOUNT = 4
    desk_user("balie-a", net.a1)
    desk_user("balie-a2", net.a1)
    for n in range(4):
        staff_login(Client(REMOTE_ADDR=f"192.0.2.{n + 1}"), "balie-a", "raden")
    fresh = Client(REMOTE_ADDR="192.0.2.99")
    refused = staff_login(fresh, "balie-a", "geheim-wachtwoord")
    assert refused.status_code == 200 and "_auth_user_id" not in fresh.session
    assert staff_login(fresh, "balie-a2", "geheim-wachtwoord").status_code == 302  # others fine
    alert = web_models.SecurityAlert.objects.get()
    assert alert.subject == "balie-a" and alert.organisation == net.org_a
    assert "4 mislukte pogingen" in alert.detail and "4 adressen" in alert.detail
    # The organisation's administrators see it on their audit page; another organisation not.
    admin = Client()
    admin.force_login(desk_user("beheer-a", net.a1, role=User.Role.ORG_ADMIN))
    html = page(admin.get("/balie/logboek/"))
    assert "Beveiligingsmeldingen" in html and "balie-a" in html
    other = Client()
    other.force_login(desk_user("beheer-b", net.b1, role=User.Role.ORG_ADMIN))
    assert "balie-a" not in page(other.get("/balie/logboek/"))
    # After the window the right password works again.
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=16))
    assert (
        staff_login(Client(REMOTE_ADDR="192.0.2.99"), "balie-a", "geheim-wachtwoord").status_code
        == 302
    )
