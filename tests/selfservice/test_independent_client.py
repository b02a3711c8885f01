"""Self-check sessions driven by an independent SIP2 client we did not write: the PyPI package
`sip2` 1.1 (MIT), a port of the widely used PHP sip2 class, with its own sockets, message
building (it writes checksums without leading zeros) and parsing, over real TCP."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from Sip2.sip2 import Sip2

from clb.catalogue.models import ItemStatus
from clb.circulation import services as circ
from clb.circulation.models import Hold, HoldStatus, Loan
from clb.members import services as members
from clb.members.cards import shelf_code
from clb.selfservice.sip2.values import sip_date
from tests.factories import make_item, make_patron, make_record

from .conftest import KIOSK_LOGIN, KIOSK_PASSWORD, NOW

CHILD = date(2014, 6, 1)


def new_client(port, tmp_path) -> Sip2:
    client = Sip2()
    client.logfile_path = str(tmp_path)
    client.hostName, client.hostPort = "127.0.0.1", port
    client.tlsEnable = False
    client.socketTimeout = 10
    client.institutionId = "bibliotheek-utrecht"
    client.scLocation = "centrale"
    client.loglevel = "WARNING"
    client.connect()
    return client


@pytest.fixture
def kiosk_client(sip_server, tmp_path):
    client = new_client(sip_server.port, tmp_path)
    login = client.sip_login_response(
        client.get_response(client.sip_login_request(KIOSK_LOGIN, KIOSK_PASSWORD))
    )
    assert login["fixed"]["Ok"] == "1"
    yield client
    client.disconnect()


def ask(client, name, *args, **kwargs):
    raw = client.get_response(getattr(client, f"sip_{name}_request")(*args, **kwargs))
    return getattr(client, f"sip_{name}_response")(raw)


def test_login_with_a_wrong_password_is_refused(sip_server, tmp_path):
    client = new_client(sip_server.port, tmp_path)
    answer = client.sip_login_response(
        client.get_response(client.sip_login_request(KIOSK_LOGIN, "fout"))
    )
    assert answer["fixed"]["Ok"] == "0"
    client.disconnect()


def test_a_self_check_session(kiosk_client, net, server_clock):
    """What a patron does at a kiosk: show the card and PIN, borrow two books, look one up,
    renew one, return the other, pay, reserve, and walk away."""
    status = ask(kiosk_client, "sc_status")
    assert status["fixed"]["OnlineStatus"] == "Y" and status["fixed"]["ProtocolVersion"] == "2.00"
    assert status["variable"]["AO"] == [net.org_a.code]

    patron = make_patron(net.org_a, paid=False, first_name="Fenna", last_name="de Vries")
    members.pay(patron, net.org_a, members.balance(patron) - Decimal("7.50"))  # owes 7.50
    books = [make_item(net.a1, make_record(title=t)) for t in ("Karakter", "Het bittere kruid")]
    kiosk_client.patron, kiosk_client.patronpwd = patron.card_number, "1234"

    info = ask(kiosk_client, "patron_information", "charged")
    assert info["variable"]["AE"] == ["Fenna de Vries"] and info["variable"]["CQ"] == ["Y"]
    assert info["fixed"]["ChargedItemsCount"] == "0000"
    assert info["variable"]["BV"] == ["7.50"]

    for book in books:
        out = ask(kiosk_client, "checkout", book.barcode)
        assert out["fixed"]["Ok"] == "1" and out["fixed"]["Desensitize"] == "Y"
        loan = Loan.objects.get(item=book, returned_at__isnull=True)
        assert out["variable"]["AH"] == [sip_date(loan.due_at)]
    info = ask(kiosk_client, "patron_information", "charged")
    assert info["fixed"]["ChargedItemsCount"] == "0002"
    assert sorted(info["variable"]["AU"]) == sorted(b.barcode for b in books)

    looked_up = ask(kiosk_client, "item_information", books[0].barcode)
    assert looked_up["fixed"]["CirculationStatus"] == "04"
    assert looked_up["variable"]["AJ"] == ["Karakter"]

    refused = ask(kiosk_client, "renew", books[0].barcode)  # the same day: gains nothing
    assert refused["fixed"]["Ok"] == "0" and "Karakter" in refused["variable"]["AF"][0]
    server_clock.at = NOW + timedelta(days=10)
    renewed = ask(kiosk_client, "renew", books[0].barcode)
    assert renewed["fixed"]["Ok"] == "1" and renewed["fixed"]["RenewalOk"] == "Y"
    assert Loan.objects.get(item=books[0], returned_at__isnull=True).renewals == 1

    back = ask(kiosk_client, "checkin", books[1].barcode)
    assert back["fixed"]["Ok"] == "1" and back["variable"]["CL"] == ["1"]
    books[1].refresh_from_db()
    assert books[1].status == ItemStatus.AVAILABLE

    paid = ask(kiosk_client, "fee_paid", 1, 0, "7.50", transactionId="kassa-17")
    assert paid["fixed"]["PaymentAccepted"] == "Y" and paid["variable"]["BK"] == ["kassa-17"]
    assert members.balance(patron) == 0

    wanted = make_item(net.a2, make_record(title="Tonio"))
    circ.checkout(
        item_barcode=wanted.barcode,
        card_number=make_patron(net.org_a, birth_date=CHILD).card_number,
        branch=net.a2,
    )
    held = ask(kiosk_client, "hold", "+", itemIdentifier=wanted.barcode)
    assert held["fixed"]["Ok"] == "1" and held["fixed"]["Available"] == "N"
    assert Hold.objects.get(patron=patron).status == HoldStatus.WAITING

    end = ask(kiosk_client, "end_patron_session")
    assert end["fixed"]["EndSession"] == "Y"


def test_refused_checkout_says_why(kiosk_client, net):
    # Owes the subscription, for longer than the organisation's grace days.
    patron = make_patron(net.org_a, paid=False, at=NOW - timedelta(days=90))
    item = make_item(net.a1)
    kiosk_client.patron, kiosk_client.patronpwd = patron.card_number, "1234"
    out = ask(kiosk_client, "checkout", item.barcode)
    assert out["fixed"]["Ok"] == "0" and out["fixed"]["Desensitize"] == "N"
    assert out["variable"]["AF"][0].startswith("Openstaand bedrag")
    assert not Loan.objects.exists()


def test_returns_are_sorted_for_the_hold_shelf_and_transit(kiosk_client, net):
    record = make_record()
    here, there = make_item(net.a1, record), make_item(net.a1, record)
    waiting_here = make_patron(net.org_a, birth_date=CHILD)
    waiting_there = make_patron(net.org_b, birth_date=CHILD, postcode="3811 AB")
    circ.place_hold(card_number=waiting_here.card_number, record=record, pickup_branch=net.a1)
    circ.place_hold(card_number=waiting_there.card_number, record=record, pickup_branch=net.b1)
    first = ask(kiosk_client, "checkin", here.barcode)
    assert first["fixed"]["Alert"] == "Y"
    assert first["variable"]["CL"] == ["2"] and first["variable"]["CV"] == ["01"]
    assert first["variable"]["CY"] == [shelf_code(waiting_here)]  # never the card number
    second = ask(kiosk_client, "checkin", there.barcode)
    assert second["variable"]["CL"] == ["3"] and second["variable"]["CT"] == [net.b1.code]
    assert second["variable"]["CV"] == ["02"]


def test_renew_all_and_patron_enable(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    free, wanted = make_item(net.a1), make_item(net.a1)
    for it in (free, wanted):
        circ.checkout(
            item_barcode=it.barcode,
            card_number=patron.card_number,
            branch=net.a1,
            at=NOW - timedelta(hours=20),
        )
    circ.place_hold(
        card_number=make_patron(net.org_a, birth_date=CHILD).card_number,
        record=wanted.record,
        pickup_branch=net.a1,
        at=NOW,
    )
    kiosk_client.patron, kiosk_client.patronpwd = patron.card_number, "1234"
    both = ask(kiosk_client, "renew_all")
    assert (both["fixed"]["RenewedItems"], both["fixed"]["UnrenewedItems"]) == ("0001", "0001")
    assert both["variable"]["BM"] == [free.barcode] and both["variable"]["BN"] == [wanted.barcode]
    members.set_blocked(patron, True, "pas kwijt gemeld")
    enable = ask(kiosk_client, "patron_enable")
    assert enable["fixed"]["PatronStatus"].startswith("YYYY")
    assert "Pas geblokkeerd: pas kwijt gemeld" in enable["variable"]["AF"]
