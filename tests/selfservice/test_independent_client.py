"""A full kiosk conversation per message, driven by an independent SIP2 client we did not write
(PyPI package `sip2` 1.1, MIT, a port of the widely used PHP sip2 class), over real TCP."""

from datetime import date

import pytest
from Sip2.sip2 import Sip2

from clb.catalogue.models import ItemStatus
from clb.circulation import services as circ
from clb.circulation.models import Hold, Loan
from clb.members import services as members
from tests.factories import make_item, make_patron, make_record

from .conftest import KIOSK_LOGIN, KIOSK_PASSWORD, fields

CHILD = date(2014, 6, 1)


@pytest.fixture
def kiosk_client(sip_server, tmp_path):
    client = Sip2()
    client.logfile_path = str(tmp_path)
    client.hostName, client.hostPort = "127.0.0.1", sip_server.port
    client.tlsEnable = False
    client.socketTimeout = 10
    client.institutionId = "bibliotheek-utrecht"
    client.scLocation = "centrale"
    client.loglevel = "WARNING"
    client.connect()
    login = client.sip_login_response(
        client.get_response(client.sip_login_request(KIOSK_LOGIN, KIOSK_PASSWORD))
    )
    assert login["fixed"]["Ok"] == "1"
    yield client
    client.disconnect()


def use_patron(client, patron, pin="1234"):
    client.patron, client.patronpwd = patron.card_number, pin


def ask(client, request_name, response_name, *args, **kwargs):
    raw = client.get_response(getattr(client, request_name)(*args, **kwargs))
    return getattr(client, response_name)(raw), raw


def test_login_with_wrong_password_is_refused(sip_server, tmp_path):
    client = Sip2()
    client.logfile_path = str(tmp_path)
    client.hostName, client.hostPort, client.tlsEnable, client.loglevel = (
        "127.0.0.1",
        sip_server.port,
        False,
        "WARNING",
    )
    client.connect()
    resp = client.sip_login_response(
        client.get_response(client.sip_login_request(KIOSK_LOGIN, "fout"))
    )
    assert resp["fixed"]["Ok"] == "0"
    client.disconnect()


def test_sc_status(kiosk_client, net):
    resp, _ = ask(kiosk_client, "sip_sc_status_request", "sip_sc_status_response")
    fixed, var = resp["fixed"], resp["variable"]
    assert (fixed["OnlineStatus"], fixed["CheckinOk"], fixed["CheckoutOk"]) == ("Y", "Y", "Y")
    assert fixed["ProtocolVersion"] == "2.00"
    assert var["AO"] == [net.org_a.code] and var["AM"] == [net.org_a.name]
    assert var["BX"][0][1] == "Y" and var["BX"][0][3] == "N"  # checkout yes, block patron no


def test_patron_status_and_information_with_pin(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=CHILD, first_name="Fenna", last_name="de Vries")
    item = make_item(net.a1)
    circ.checkout(item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1)
    use_patron(kiosk_client, patron)
    status, _ = ask(kiosk_client, "sip_patron_status_request", "sip_patron_status_response")
    assert status["fixed"]["PatronStatus"] == " " * 14
    assert status["variable"]["BL"] == ["Y"] and status["variable"]["CQ"] == ["Y"]
    assert status["variable"]["AE"] == ["Fenna de Vries"]
    info, _ = ask(
        kiosk_client, "sip_patron_information_request", "sip_patron_information_response", "charged"
    )
    assert info["fixed"]["ChargedItemsCount"] == "0001"
    assert info["variable"]["AU"] == [item.barcode]
    assert info["variable"]["BV"] == ["0.00"]
    use_patron(kiosk_client, patron, pin="9999")
    wrong, _ = ask(kiosk_client, "sip_patron_status_request", "sip_patron_status_response")
    assert wrong["variable"]["CQ"] == ["N"]


def test_unknown_patron_is_not_valid(kiosk_client, net):
    kiosk_client.patron, kiosk_client.patronpwd = "21234567890128", ""
    status, _ = ask(kiosk_client, "sip_patron_status_request", "sip_patron_status_response")
    assert status["variable"]["BL"] == ["N"]
    assert status["fixed"]["PatronStatus"].startswith("YYYY")


def test_checkout_checkin_renew_through_the_services(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(net.a1, make_record(title="Koning van Katoren"))
    use_patron(kiosk_client, patron)
    out, _ = ask(kiosk_client, "sip_checkout_request", "sip_checkout_response", item.barcode)
    assert out["fixed"]["Ok"] == "1" and out["fixed"]["Desensitize"] == "Y"
    assert out["variable"]["AJ"] == ["Koning van Katoren"]
    loan = Loan.objects.get(item=item, returned_at__isnull=True)
    assert out["variable"]["AH"][0][:8] == loan.due_at.astimezone().strftime("%Y%m%d")
    again, _ = ask(kiosk_client, "sip_renew_request", "sip_renew_response", item.barcode)
    assert again["fixed"]["Ok"] == "1" and again["fixed"]["RenewalOk"] == "Y"
    loan.refresh_from_db()
    assert loan.renewals == 1
    back, _ = ask(kiosk_client, "sip_checkin_request", "sip_checkin_response", item.barcode)
    assert back["fixed"]["Ok"] == "1" and back["fixed"]["Alert"] == "N"
    assert back["variable"]["CL"] == ["1"]  # sort bin: shelf
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE


def test_refused_checkout_says_why(kiosk_client, net):
    patron = make_patron(net.org_a, paid=False)  # owes the subscription
    item = make_item(net.a1)
    use_patron(kiosk_client, patron)
    out, _ = ask(kiosk_client, "sip_checkout_request", "sip_checkout_response", item.barcode)
    assert out["fixed"]["Ok"] == "0"
    assert "Openstaand bedrag" in out["variable"]["AF"][0]
    assert not Loan.objects.exists()


def test_checkin_routes_to_hold_shelf_and_transit(kiosk_client, net):
    record = make_record()
    here, there = make_item(net.a1, record), make_item(net.a1, record)
    waiting_here = make_patron(net.org_a, birth_date=CHILD)
    waiting_there = make_patron(net.org_b, birth_date=CHILD, postcode="3811 AB")
    circ.place_hold(card_number=waiting_here.card_number, record=record, pickup_branch=net.a1)
    circ.place_hold(card_number=waiting_there.card_number, record=record, pickup_branch=net.b1)
    first, _ = ask(kiosk_client, "sip_checkin_request", "sip_checkin_response", here.barcode)
    assert first["fixed"]["Alert"] == "Y"
    assert first["variable"]["CL"] == ["2"] and first["variable"]["CV"] == ["01"]
    assert first["variable"]["CY"] == [waiting_here.card_number]
    second, _ = ask(kiosk_client, "sip_checkin_request", "sip_checkin_response", there.barcode)
    assert second["variable"]["CL"] == ["3"] and second["variable"]["CT"] == [net.b1.code]
    assert second["variable"]["CV"] == ["02"]


def test_renew_all(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    free, wanted = make_item(net.a1), make_item(net.a1)
    for it in (free, wanted):
        circ.checkout(item_barcode=it.barcode, card_number=patron.card_number, branch=net.a1)
    circ.place_hold(
        card_number=make_patron(net.org_a, birth_date=CHILD).card_number,
        record=wanted.record,
        pickup_branch=net.a1,
    )
    use_patron(kiosk_client, patron)
    resp, _ = ask(kiosk_client, "sip_renew_all_request", "sip_renew_all_response")
    assert (resp["fixed"]["RenewedItems"], resp["fixed"]["UnrenewedItems"]) == ("0001", "0001")
    assert resp["variable"]["BM"] == [free.barcode] and resp["variable"]["BN"] == [wanted.barcode]


def test_item_information(kiosk_client, net):
    item = make_item(net.a1, make_record(title="Oorlogswinter"))
    patron = make_patron(net.org_a, birth_date=CHILD)
    circ.checkout(item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1)
    circ.place_hold(
        card_number=make_patron(net.org_a, birth_date=CHILD).card_number,
        record=item.record,
        pickup_branch=net.a1,
    )
    resp, _ = ask(
        kiosk_client, "sip_item_information_request", "sip_item_information_response", item.barcode
    )
    assert resp["fixed"]["CirculationStatus"] == "04"  # charged
    assert resp["variable"]["CF"] == ["0001"] and resp["variable"]["AJ"] == ["Oorlogswinter"]
    assert resp["variable"]["AQ"] == [net.a1.code] and "AH" in resp["variable"]


def test_hold_place_and_cancel(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(net.a1)
    use_patron(kiosk_client, patron)
    _, raw = ask(
        kiosk_client,
        "sip_hold_request",
        "sip_hold_response",
        "+",
        itemIdentifier=item.barcode,
        pickupLocation=net.a2.code,
    )
    assert raw[2] == "1"
    var = fields(raw.strip(), 20)
    assert var["BR"] == ["1"] and var["BS"] == [net.a2.code]
    hold = Hold.objects.get(patron=patron)
    assert hold.pickup_branch == net.a2 and hold.item is None  # title level by default
    _, raw = ask(
        kiosk_client, "sip_hold_request", "sip_hold_response", "-", itemIdentifier=item.barcode
    )
    assert raw[2] == "1"
    hold.refresh_from_db()
    assert hold.status == "cancelled"


def test_fee_paid(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=date(1990, 1, 1), paid=False)
    use_patron(kiosk_client, patron)
    resp, _ = ask(
        kiosk_client,
        "sip_fee_paid_request",
        "sip_fee_paid_response",
        1,
        0,
        "7.50",
        transactionId="T123",
    )
    assert resp["fixed"]["PaymentAccepted"] == "Y" and resp["variable"]["BK"] == ["T123"]
    assert members.balance(patron) == members.balance(patron).__class__("50.00")
    too_much, _ = ask(kiosk_client, "sip_fee_paid_request", "sip_fee_paid_response", 1, 0, "999.00")
    assert too_much["fixed"]["PaymentAccepted"] == "N" and "hoger" in too_much["variable"]["AF"][0]


def test_end_session_and_patron_enable(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    members.set_blocked(patron, True, "pas kwijt gemeld")
    use_patron(kiosk_client, patron)
    enable, _ = ask(kiosk_client, "sip_patron_enable_request", "sip_patron_enable_response")
    assert enable["fixed"]["PatronStatus"][:5] == "YYYYY"  # a kiosk cannot lift a staff block
    end, _ = ask(kiosk_client, "sip_end_patron_session_request", "sip_end_patron_session_response")
    assert end["fixed"]["EndSession"] == "Y"
