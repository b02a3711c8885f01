"""Mijn Bibliotheek: logging in with card and PIN (throttled, locked), loans, holds, fees,
reading history, PIN change and the download of all one's data."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from clb.circulation import services as circ
from clb.circulation.models import Hold, HoldStatus, Loan
from clb.members import services as members
from clb.web.models import LoginFailure
from tests.factories import make_item, make_patron, make_record
from tests.web.conftest import CHILD, eur, page

pytestmark = pytest.mark.django_db


def login(client, patron, pin="1234", **extra):
    return client.post("/mijn/inloggen/", {"card_number": patron.card_number, "pin": pin, **extra})


@pytest.fixture
def member(client, patron_a):
    assert login(client, patron_a).status_code == 302
    return client


def test_pages_need_a_login(client):
    for url in ("/mijn/", "/mijn/leesgeschiedenis/", "/mijn/pincode/", "/mijn/gegevens.json"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/mijn/inloggen/?next=")


def test_login_with_card_and_pin(client, patron_a):
    response = login(client, patron_a, next="/mijn/pincode/")
    assert response.status_code == 302 and response.url == "/mijn/pincode/"
    assert "Anna Utrechts" in page(client.get("/mijn/"))
    # An address elsewhere is never a place to go after login.
    client.post("/mijn/uitloggen/")
    response = login(client, patron_a, next="https://evil.example/")
    assert response.url == "/mijn/"


def test_wrong_pin_and_unknown_card_get_one_answer(client, patron_a):
    """Which of the two was wrong is not said: that would tell which card numbers exist."""
    response = login(client, patron_a, pin="9999")
    assert response.status_code == 422
    assert "Pasnummer of pincode klopt niet." in page(response)
    response = client.post("/mijn/inloggen/", {"card_number": "20000000000000", "pin": "1234"})
    assert response.status_code == 422 and "Pasnummer of pincode klopt niet." in page(response)
    assert "Onbekende pas" not in page(response)
    assert client.get("/mijn/").status_code == 302  # still not logged in


def test_five_wrong_pins_lock_the_card(client, patron_a):
    for _ in range(5):
        assert login(Client(), patron_a, pin="0000").status_code == 422
    response = login(client, patron_a)  # the right PIN, too late (in a browser not used before)
    assert response.status_code == 422 and "even wachten" in page(response)


def test_one_address_trying_many_cards_is_throttled(client, net, settings, earlier):
    settings.CLB_MEMBER_LOGIN_MAX_FAILURES_PER_IP = 3
    cards = [make_patron(net.org_a, at=earlier) for _ in range(4)]
    for patron in cards[:3]:
        assert login(client, patron, pin="0000").status_code == 422
    response = login(client, cards[3])  # right PIN, but from a throttled address
    assert response.status_code == 429 and "Te veel mislukte pogingen" in page(response)
    assert client.get("/mijn/").status_code == 302
    cards[3].refresh_from_db()
    assert cards[3].failed_pin_attempts == 0  # the PIN was not even tried
    # Another address is not affected.
    assert login(Client(REMOTE_ADDR="10.1.2.3"), cards[3]).status_code == 302
    # Failures age out of the window.
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=16))
    assert login(client, cards[3]).status_code == 302


def test_login_rotates_the_session_and_logout_ends_it(client, patron_a):
    before = client.session.session_key  # a visitor's session, made before logging in
    login(client, patron_a)
    assert client.cookies["sessionid"].value != before
    assert client.get("/mijn/uitloggen/").status_code == 405  # logging out is a POST
    client.post("/mijn/uitloggen/")
    assert client.get("/mijn/").status_code == 302


def test_idle_member_is_logged_out(member):
    session = member.session
    state = session["clb_member"]
    state["seen"] = (timezone.now() - timedelta(minutes=31)).isoformat()
    session["clb_member"] = state
    session.save()
    assert member.get("/mijn/").status_code == 302


def test_overview_shows_loans_holds_and_fees_and_is_never_cached(net, member, patron_a, earlier):
    late = make_item(net.a1, make_record(title="Te laat boek"))
    circ.checkout(
        item_barcode=late.barcode, card_number=patron_a.card_number, branch=net.a1, at=earlier
    )
    record = make_record(title="Gewacht boek")
    copy = make_item(net.a1, record)
    other = make_patron(net.org_a, birth_date=CHILD)
    circ.checkout(item_barcode=copy.barcode, card_number=other.card_number, branch=net.a1)
    first = make_patron(net.org_a, birth_date=CHILD)
    circ.place_hold(card_number=first.card_number, record=record, pickup_branch=net.a1)
    circ.place_hold(card_number=patron_a.card_number, record=record, pickup_branch=net.a2)
    response = member.get("/mijn/")
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    html = page(response)
    loans = html.split('id="loans-title"')[1].split('id="holds-title"')[0]
    assert "Te laat boek" in loans and "te laat" in loans
    holds = html.split('id="holds-title"')[1]
    assert "Gewacht boek" in holds and "nummer 2 in de wachtrij" in holds and "Overvecht" in holds
    assert eur("0,50") in html.split('id="fees-title"')[1]  # the adult's hold fee
    assert "Bibliotheek Utrecht: Volwassen" in html


def test_renew_own_loans_only(net, member, patron_a, earlier):
    mine, theirs = make_item(net.a1), make_item(net.a1)
    circ.checkout(
        item_barcode=mine.barcode, card_number=patron_a.card_number, branch=net.a1, at=earlier
    )
    other = make_patron(net.org_a, birth_date=CHILD)
    circ.checkout(item_barcode=theirs.barcode, card_number=other.card_number, branch=net.a1)
    response = member.post("/mijn/verlengen/", {"item_barcode": mine.barcode})
    assert response.status_code == 302
    assert Loan.objects.get(item=mine, returned_at__isnull=True).renewals == 1
    assert member.post("/mijn/verlengen/", {"item_barcode": theirs.barcode}).status_code == 404
    assert Loan.objects.get(item=theirs, returned_at__isnull=True).renewals == 0
    # Renewing again the same day gains nothing: refused by title, and no renewal used up.
    response = member.post("/mijn/verlengen/", {"all": "1"})
    assert response.status_code == 422
    refusal = page(response).split('id="renew-errors"')[1].split("</div>")[0]
    assert f"‘{mine.record.title}’ verlengen levert nu niets op" in refusal
    assert mine.barcode not in refusal
    assert Loan.objects.get(item=mine, returned_at__isnull=True).renewals == 1
    # And the page says so where the button was.
    loans = page(member.get("/mijn/")).split('id="loans-title"')[1].split('id="holds-title"')[0]
    assert 'data-renewal="renewal_gains_nothing"' in loans and "/mijn/verlengen/" not in loans


def test_cancel_own_hold_only(net, member, patron_a):
    record = make_record()
    copy = make_item(net.a1, record)
    own = circ.place_hold(card_number=patron_a.card_number, record=record, pickup_branch=net.a1)
    other = make_patron(net.org_a, birth_date=CHILD)
    theirs = circ.place_hold(card_number=other.card_number, record=record, pickup_branch=net.a1)
    assert member.get(f"/mijn/reserveringen/{theirs.hold.pk}/annuleren/").status_code == 404
    assert member.post(f"/mijn/reserveringen/{theirs.hold.pk}/annuleren/").status_code == 404
    # First the question, with what happens to the fee (the rule: back while nothing is ready).
    question = page(member.get(f"/mijn/reserveringen/{own.hold.pk}/annuleren/"))
    assert "Reservering annuleren?" in question
    assert f"De reserveringskosten van {eur('0,50')} worden teruggeboekt." in question
    assert (
        Hold.objects.get(pk=own.hold.pk).status == HoldStatus.IN_TRANSIT
    )  # asking changes nothing
    response = member.post(f"/mijn/reserveringen/{own.hold.pk}/annuleren/")
    assert response.status_code == 302
    assert f"{eur('0,50')} reserveringskosten teruggeboekt" in page(member.get(response.url))
    assert Hold.objects.get(pk=own.hold.pk).status == HoldStatus.CANCELLED
    assert patron_a.balance() == 0
    # The copy that was set aside for her now is for the next in line.
    assert Hold.objects.get(pk=theirs.hold.pk).captured_item == copy


def test_reading_history_only_when_opted_in_and_the_switch(net, member, patron_a):
    item = make_item(net.a1, make_record(title="Vergeten boek"))
    circ.checkout(item_barcode=item.barcode, card_number=patron_a.card_number, branch=net.a1)
    circ.checkin(item_barcode=item.barcode, branch=net.a1)
    html = page(member.get("/mijn/leesgeschiedenis/"))
    assert "Vergeten boek" not in html and "Leesgeschiedenis bewaren" in html
    member.post("/mijn/leesgeschiedenis/", {"keep_history": "1"})
    patron_a.refresh_from_db()
    assert patron_a.keep_history
    kept = make_item(net.a1, make_record(title="Bewaard boek"))
    circ.checkout(item_barcode=kept.barcode, card_number=patron_a.card_number, branch=net.a1)
    circ.checkin(item_barcode=kept.barcode, branch=net.a1)
    html = page(member.get("/mijn/leesgeschiedenis/"))
    assert "Bewaard boek" in html and "Vergeten boek" not in html
    response = member.post("/mijn/leesgeschiedenis/", {"keep_history": "0"})
    assert "1 titels zijn gewist" in page(member.get(response.url))
    assert not Loan.objects.filter(patron=patron_a).exists()


def test_change_pin(member, patron_a):
    response = member.post(
        "/mijn/pincode/", {"old_pin": "1234", "new_pin": "5678", "new_pin_again": "5679"}
    )
    assert response.status_code == 422
    assert "niet gelijk" in page(response).split('id="id_new_pin_again_error"')[1]
    response = member.post(
        "/mijn/pincode/", {"old_pin": "0000", "new_pin": "5678", "new_pin_again": "5678"}
    )
    assert "Verkeerde pincode." in page(response).split('id="id_old_pin_error"')[1]
    response = member.post(
        "/mijn/pincode/", {"old_pin": "1234", "new_pin": "5678", "new_pin_again": "5678"}
    )
    assert response.status_code == 302
    assert members.verify_pin(patron_a.card_number, "5678") == patron_a


def test_download_all_my_data(net, member, patron_a):
    item = make_item(net.a1, make_record(title="In de export"))
    circ.checkout(item_barcode=item.barcode, card_number=patron_a.card_number, branch=net.a1)
    assert "Download al mijn gegevens" in page(member.get("/mijn/gegevens/"))
    response = member.get("/mijn/gegevens.json")
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert patron_a.card_number in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["patron"]["card_number"] == patron_a.card_number
    assert data["patron"]["last_name"] == "Utrechts"
    assert [loan["title"] for loan in data["loans"]] == ["In de export"]
    assert Decimal(data["ledger"][0]["amount"]) == Decimal("57.50")


def test_every_member_form_needs_its_csrf_token(patron_a):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/mijn/inloggen/", {"card_number": patron_a.card_number, "pin": "1234"})
    assert response.status_code == 403
    page_with_token = strict.get("/mijn/inloggen/")
    token = page(page_with_token).split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = strict.post(
        "/mijn/inloggen/",
        {"card_number": patron_a.card_number, "pin": "1234", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    for url in (
        "/mijn/verlengen/",
        "/mijn/leesgeschiedenis/",
        "/mijn/pincode/",
        "/mijn/uitloggen/",
        "/mijn/reserveringen/1/annuleren/",
        "/titel/1/reserveren/",
    ):
        assert strict.post(url, {"all": "1"}).status_code == 403, url
