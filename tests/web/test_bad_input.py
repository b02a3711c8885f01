"""Input no page can use gets HTTP 400 with a message, not a 500; and a 500 that does happen is in
the server's log with its traceback (the probe's list, issue 12 item 12)."""

import io
import logging
from html import unescape

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import path

import clb.urls
from clb.accounts.models import User
from tests.web.conftest import page as raw_page

pytestmark = pytest.mark.django_db


def _broken(request):
    raise RuntimeError("kapot met opzet")


def _fine(request):
    return HttpResponse("ok")


urlpatterns = [path("kapot/", _broken), path("heel/", _fine), *clb.urls.urlpatterns]


def page(response) -> str:
    return unescape(raw_page(response))


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "url, message",
    [
        ("/zoeken/?q=sea&org=0", "org: '0' bestaat niet"),
        ("/zoeken/?q=sea&pagina=9223372036854775807", "Pagina '9223372036854775807' bestaat"),
        ("/zoeken/?q=sea&year_from=99999999999999999999", "Vul een jaartal in."),
        ("/zoeken/?q=sea&year_from=99999", "'99999' is geen jaartal"),
        ("/zoeken/?q=sea&org=%C2%B2", "org: '²' is geen organisatie of vestiging."),
        ("/zoeken/?q=sea&branch=%D9%A1", "branch: '١' is geen organisatie of vestiging."),
    ],
)
def test_the_public_search_refuses_with_a_message(net, client, url, message):
    response = client.get(url)
    assert response.status_code == 400, url
    assert message in page(response), page(response)[:2000]


def test_a_year_the_wsob_delivery_cannot_have(net, client):
    staff = User.objects.create_user(
        "beheer", role=User.Role.ORG_ADMIN, organisation=net.org_a, branch=net.a1
    )
    client.force_login(staff)
    response = client.get("/registratie/wsob/", {"jaar": "1"})
    assert response.status_code == 400 and "Periode '1' is onbekend" in page(response)
    national = User.objects.create_user("kb", role=User.Role.NATIONAL_ADMIN, is_superuser=True)
    client.force_login(national)
    response = client.get("/cockpit/wsob/", {"organisatie": net.org_a.code, "jaar": "99999"})
    assert response.status_code == 400 and "Periode '99999' is onbekend" in page(response)
    response = client.get("/cockpit/wsob/", {"organisatie": net.org_a.code, "jaar": "²"})
    assert response.status_code == 400 and "Kies een organisatie en een jaar." in page(response)


@pytest.mark.parametrize("digit", ["²", "١", "99999999999999999999"])
def test_an_id_that_is_digits_to_python_but_no_number(net, client, digit):
    """str.isdigit() says yes to '²' and to Arabic-Indic digits, int() then raises: such an id
    is read as no id at all, as a word would be (clb.inputs.whole_number)."""
    national = User.objects.create_user("kb", role=User.Role.NATIONAL_ADMIN, is_superuser=True)
    client.force_login(national)
    assert client.get("/cockpit/kostenmodel/", {"scenario": digit}).status_code == 200
    as_word = client.post("/cockpit/kostenmodel/opslaan/", {"scenario": "woord", "naam": "x"})
    as_digit = client.post("/cockpit/kostenmodel/opslaan/", {"scenario": digit, "naam": "x"})
    assert as_digit.status_code == as_word.status_code < 500
    desk = User.objects.create_user("balie", role=User.Role.DESK, organisation=net.org_a)
    client.force_login(desk)
    client.post("/balie/vestiging/", {"branch": net.a1.pk})
    chosen = {"action": "send", "transit": digit}
    response = client.post("/balie/transport/selectie/", chosen)
    assert response.status_code == 302 and "Kies eerst" in page(client.get(response.url))


def test_a_nul_character_anywhere_is_refused_by_name(net, client):
    response = client.get("/zoeken/", {"q": "max\x00havelaar"})
    assert response.status_code == 400 and "Het veld 'q'" in page(response)
    response = client.post("/mijn/inloggen/", {"card_number": "2000\x00", "pin": "1234"})
    assert response.status_code == 400 and "card_number" in page(response)


def test_after_login_only_a_path_of_this_site(net, client, patron_a):
    response = client.post(
        "/mijn/inloggen/", {"card_number": patron_a.card_number, "pin": "1234", "next": "1"}
    )
    assert response.status_code == 302 and response.url == "/mijn/"


@pytest.mark.urls(__name__)
def test_server_errors_are_logged_with_their_traceback(net, client):
    """The handler settings.LOGGING gives django.request, writing to a buffer for the test."""
    (handler,) = [h for h in logging.getLogger("django.request").handlers if h.name == "console"]
    log = io.StringIO()
    previous = handler.setStream(log)
    try:
        assert client.get("/kapot/").status_code == 500
        assert client.get("/heel/").status_code == 200
        assert client.get("/zoeken/", {"q": "x", "org": "0"}).status_code == 400
    finally:
        handler.setStream(previous)
    text = log.getvalue()
    assert "Internal Server Error: /kapot/" in text
    assert "Traceback" in text and "RuntimeError: kapot met opzet" in text
    assert "/heel/" not in text and "/zoeken/" not in text  # only server errors
