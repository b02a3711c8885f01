"""The member login tells nobody whether a card number exists (issue 11 item 8), remembers the
member's own browser so that strangers guessing on the internet do not lock them out (issue 12
item 9), and every member session ends when the PIN is reset at the desk (issue 12 item 10: the
stolen card)."""

import re

import pytest
from django.test import Client

from clb.members import services as members
from tests.web.conftest import page

pytestmark = pytest.mark.django_db
UNKNOWN_CARD = "20000000000000"


def login(client, card, pin="1234", **extra):
    return client.post("/mijn/inloggen/", {"card_number": card, "pin": pin, **extra})


def comparable(response) -> str:
    """The page without what differs per request: the CSRF token and the echoed card number."""
    html = page(response)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'value="\d+"', 'value=""', html)


def test_unknown_card_wrong_pin_and_locked_card_read_the_same(net, patron_a):
    unknown = login(Client(), UNKNOWN_CARD)
    wrong = login(Client(), patron_a.card_number, "9999")
    assert unknown.status_code == wrong.status_code == 422
    assert comparable(unknown) == comparable(wrong)
    assert "Pasnummer of pincode klopt niet." in page(wrong)
    assert "Onbekende pas" not in page(unknown) and "Verkeerde pincode" not in page(wrong)
    for _ in range(5):
        login(Client(), patron_a.card_number, "9999")
    locked = login(Client(), patron_a.card_number)  # the right PIN, in the lock
    assert locked.status_code == 422 and comparable(locked) == comparable(unknown)


def test_the_members_own_browser_still_gets_in_while_strangers_guess(net, patron_a):
    own = Client()
    assert login(own, patron_a.card_number).status_code == 302
    own.post("/mijn/uitloggen/")
    for _ in range(5):  # someone else, elsewhere, tries PINs on her card
        login(Client(REMOTE_ADDR="203.0.113.50"), patron_a.card_number, "0000")
    assert login(Client(), patron_a.card_number).status_code == 422  # a new browser: locked
    assert login(own, patron_a.card_number).status_code == 302  # her browser: in


def test_a_pin_reset_at_the_desk_ends_every_member_session(net, desk, patron_a):
    thief, owner = Client(), Client()
    assert login(thief, patron_a.card_number).status_code == 302
    assert login(owner, patron_a.card_number).status_code == 302
    desk.post("/balie/", {"card_number": patron_a.card_number})
    assert desk.post(f"/balie/lener/{patron_a.pk}/pincode/", {"pin": "8642"}).status_code == 302
    for session in (thief, owner):
        response = session.get("/mijn/")
        assert response.status_code == 302 and response.url.startswith("/mijn/inloggen/")
    assert login(owner, patron_a.card_number, "8642").status_code == 302


def test_changing_ones_own_pin_keeps_this_session_and_ends_the_others(net, patron_a):
    here, elsewhere = Client(), Client()
    login(here, patron_a.card_number)
    login(elsewhere, patron_a.card_number)
    response = here.post(
        "/mijn/pincode/", {"old_pin": "1234", "new_pin": "5678", "new_pin_again": "5678"}
    )
    assert response.status_code == 302
    assert here.get("/mijn/").status_code == 200
    assert elsewhere.get("/mijn/").status_code == 302
    assert members.verify_pin(patron_a.card_number, "5678") == patron_a
