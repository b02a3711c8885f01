"""A member's own data through an app: only their own, the desk's PIN lockout, reading history
only when kept, fees, and the online library's card check that says nothing more than it may."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from clb.circulation import services as circulation
from clb.exchange.api import tokens
from clb.members import services as members
from clb.members.models import AuditEntry, LedgerKind
from tests.exchange.api.conftest import PIN, Api, make_app
from tests.factories import make_patron

pytestmark = pytest.mark.django_db


def login(app_token, card, pin):
    return Api(app_token).post(
        "/token", form={"grant_type": "password", "username": card, "password": pin}
    )


def test_a_member_reaches_only_their_own_loans_and_holds(world):
    bram_hold = circulation.place_hold(
        card_number=world.bram.card_number,
        pickup_branch=world.net.b1,
        record=world.shelf.records[4],
    ).hold
    circulation.checkout(
        item_barcode=world.shelf.items[1].barcode,
        card_number=world.bram.card_number,
        branch=world.net.b1,
    )
    bram_loan = world.bram.loans.get()
    anna = Api(world.member_a)
    for answer in (
        anna.delete(f"/me/holds/{bram_hold.pk}"),
        anna.post(f"/me/loans/{bram_loan.pk}/renew"),
    ):
        assert answer.status_code == 404 and answer.json()["code"] == "not_found"
        assert b"Eemlander" not in answer.content
    status = bram_hold.status
    bram_hold.refresh_from_db()
    assert bram_hold.status == status and bram_hold.closed_at is None
    assert bram_loan.renewals == world.bram.loans.get().renewals == 0
    loans = anna.get("/me/loans").json()["items"]
    assert [loan["barcode"] for loan in loans] == [world.shelf.items[0].barcode]
    assert anna.get("/me/holds").json()["items"] == []


def test_the_pin_lockout_is_the_desks(world, settings):
    card = world.anna.card_number
    for _ in range(members.MAX_PIN_ATTEMPTS):
        wrong = login(world.token_a, card, "0000")
        assert wrong.status_code == 400
        assert wrong.json()["code"] == "invalid_grant" and wrong.json()["field"] == "password"
    # Locked now: the right PIN fails through the app, and at the kiosk and the desk alike.
    locked = login(world.token_a, card, PIN)
    assert locked.status_code == 400 and locked.json()["code"] == "invalid_grant"
    with pytest.raises(members.MemberError) as raised:
        members.verify_pin(card, PIN)
    assert raised.value.code == "pin_locked"
    # … and wrong tries at a kiosk or the desk (the same service) lock the app out as well.
    carla = make_patron(world.net.org_a, pin=PIN)
    for _ in range(members.MAX_PIN_ATTEMPTS):
        with pytest.raises(members.MemberError):
            members.verify_pin(carla.card_number, "0000")
    assert login(world.token_a, carla.card_number, PIN).json()["code"] == "invalid_grant"
    later = timezone.now() + members.PIN_LOCK + timedelta(minutes=1)
    assert members.verify_pin(carla.card_number, PIN, at=later) == carla


def test_unknown_card_wrong_pin_and_foreign_member_answer_alike(world):
    answers = [
        login(world.token_a, "99999999999999", PIN).json(),
        login(world.token_a, world.anna.card_number, "9999").json(),
        login(world.token_a, world.bram.card_number, PIN).json(),  # a member of B, app of A
    ]
    assert len({(a["code"], a["detail"]) for a in answers}) == 1
    bad = Api(world.token_a).post(
        "/token", form={"grant_type": "client_credentials", "username": "x", "password": "y"}
    )
    assert bad.status_code == 400 and bad.json()["code"] == "unsupported_grant_type"


def test_login_attempts_per_address_are_limited(world, settings):
    settings.CLB_EXCHANGE_RATE_LIMITS = {"api": 10**6, "api_token": 10**6, "api_login": 3}
    for _ in range(3):
        assert login(world.token_a, world.anna.card_number, "0000").status_code == 400
    refused = login(world.token_a, world.anna.card_number, PIN)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused.json()["code"] == "rate_limited"


def test_member_token_expires(world, settings):
    client = tokens.resolve(world.token_a).token
    past = timezone.now() - timedelta(minutes=tokens.MEMBER_TOKEN_MINUTES + 1)
    old = tokens.issue_member_token(client, world.anna.card_number, PIN, at=past)[1]
    answer = Api(old).get("/me")
    assert answer.status_code == 401 and answer.json()["code"] == "token_expired"


def test_history_only_when_kept(world):
    refused = Api(world.member_a).get("/me/history")
    assert refused.status_code == 409 and refused.json()["code"] == "history_not_kept"
    circulation.set_keep_history(world.anna, True)
    circulation.checkin(item_barcode=world.shelf.items[0].barcode, branch=world.net.a1)
    items = Api(world.member_a).get("/me/history").json()["items"]
    assert [entry["title"] for entry in items] == ["De avonden"]
    assert items[0]["returned_at"] is not None


def test_fees_and_balance(world):
    members.charge(world.anna, world.net.org_a, LedgerKind.FINE, "1.20", description="te laat")
    members.pay(world.anna, world.net.org_a, "0.50")
    body = Api(world.member_a).get("/me/fees").json()
    assert body["balance"] == "0.70"
    assert [line["amount"] for line in body["items"]][:2] == ["-0.50", "1.20"]
    assert body["items"][1]["organisation"]["isil"] == world.net.org_a.isil


def test_a_hold_must_be_picked_up_at_a_branch(world):
    api = Api(world.member_a)
    record = world.shelf.records[3].pk
    at_org = api.post("/me/holds", {"record_id": record, "pickup_branch": world.net.org_a.isil})
    assert at_org.status_code == 422 and at_org.json()["field"] == "pickup_branch"
    nowhere = api.post("/me/holds", {"record_id": record, "pickup_branch": "NL-0000XX"})
    assert nowhere.status_code == 404 and nowhere.json()["field"] == "pickup_branch"
    no_title = api.post("/me/holds", {"record_id": 10**9, "pickup_branch": world.net.a1.isil})
    assert no_title.status_code == 404 and no_title.json()["field"] == "record_id"
    placed = api.post("/me/holds", {"record_id": record, "pickup_branch": world.net.a2.isil})
    assert placed.status_code == 201
    twice = api.post("/me/holds", {"record_id": record, "pickup_branch": world.net.a2.isil})
    assert twice.status_code == 409 and twice.json()["code"] == "duplicate_hold"
    assert twice.json()["title"] == "Al gereserveerd"


def test_every_member_call_is_audited_under_the_apps_name(world):
    before = AuditEntry.objects.filter(patron=world.anna).count()
    api = Api(world.member_a)
    for path in ("/me", "/me/loans", "/me/holds", "/me/fees", "/me/export"):
        assert api.get(path).status_code == 200
    entries = AuditEntry.objects.filter(patron=world.anna).order_by("pk")[before:]
    assert [e.detail for e in entries] == [
        f"GET /api/v1{p}" for p in ("/me", "/me/loans", "/me/holds", "/me/fees", "/me/export")
    ]
    assert {(e.username, e.organisation_id, e.action) for e in entries} == {
        ("API: Utrecht-app", world.net.org_a.pk, "api")
    }


def test_validate_says_valid_age_band_and_home_organisation_and_nothing_more(world):
    api = Api(world.token_a)
    body = api.post("/patrons/validate", {"card_number": world.anna.card_number}).json()
    assert body == {
        "valid": True,
        "blocked": False,
        "age_band": "20-64",
        "home_organisation": {
            "code": world.net.org_a.code,
            "isil": world.net.org_a.isil,
            "name": world.net.org_a.name,
        },
    }
    assert AuditEntry.objects.filter(
        patron=world.anna, username="API: Utrecht-app", detail="pas gecontroleerd"
    ).exists()
    members.set_blocked(world.anna, True, "pas gestolen")
    blocked = api.post("/patrons/validate", {"card_number": world.anna.card_number}).json()
    assert (blocked["valid"], blocked["blocked"]) == (False, True)
    child = make_patron(world.net.org_a, birth_date=date.today() - timedelta(days=365 * 10 + 30))
    young = api.post("/patrons/validate", {"card_number": child.card_number}).json()
    assert young["age_band"] == "9-14" and young["valid"] is True


def test_a_network_wide_app_validates_every_organisations_cards(world):
    national, token = make_app(world.net.org_a, "Online Bibliotheek", network_wide=True)
    body = Api(token).post("/patrons/validate", {"card_number": world.bram.card_number}).json()
    assert body["valid"] is True and body["home_organisation"]["code"] == world.net.org_b.code
    # An organisation's own app does not: Bram's card is unknown to it.
    other = Api(world.token_a).post("/patrons/validate", {"card_number": world.bram.card_number})
    assert other.json()["valid"] is False and other.json()["home_organisation"] is None
