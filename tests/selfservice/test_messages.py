"""A full kiosk conversation per SIP2 message over a real TCP connection. Requests are built and
answers parsed by the pysip2 codec (PyPI, MIT; not ours), whose message models carry the
protocol's fixed-field layouts and required fields: an answer that breaks the protocol fails to
parse. What each conversation did is then checked in the database, through the models."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from pysip2 import (
    BlockPatronRequest,
    CheckinRequest,
    CheckoutRequest,
    EndPatronSessionRequest,
    FeePaidRequest,
    HoldRequest,
    ItemInformationRequest,
    ItemStatusUpdateRequest,
    PatronEnableRequest,
    PatronInformationRequest,
    PatronStatusRequest,
    RenewAllRequest,
    RenewRequest,
    SCStatusRequest,
)

from clb import formatting
from clb.catalogue.models import Item, ItemStatus
from clb.circulation import services as circ
from clb.circulation.models import Hold, HoldStatus, Loan, Transit
from clb.members import services as members
from clb.members.cards import shelf_code
from clb.members.models import LedgerKind, LedgerLine
from clb.selfservice.models import KioskAccount
from clb.selfservice.sip2.values import sip_date
from tests.factories import make_item, make_patron, make_record

from .conftest import DATE, KIOSK_PASSWORD, NOW, Kiosk, make_kiosk

INSTITUTION = "bibliotheek-utrecht"
CHILD = date(2014, 6, 1)  # youth: no fines, no hold fees
JOINED = NOW - timedelta(days=90)  # for patrons with loans in the past


def sip(moment) -> str:
    return sip_date(moment)


PIN = "1234"  # the factories' PIN: the kiosk of these tests requires one, as kiosks do by default


def patron_status(card, pin=PIN, language="000"):
    return PatronStatusRequest(
        language=language,
        transaction_date=DATE,
        institution_id=INSTITUTION,
        patron_identifier=card,
        terminal_password="",
        patron_password=pin,
    )


def patron_information(card, summary=" " * 10, pin=PIN, start=None, end=None):
    return PatronInformationRequest(
        language="005",
        transaction_date=DATE,
        summary=summary,
        institution_id=INSTITUTION,
        patron_identifier=card,
        patron_password=pin,
        start_item=start,
        end_item=end,
    )


def checkout(card, barcode, renew="N", no_block="N", when=DATE, pin=PIN):
    return CheckoutRequest(
        sc_renewal_policy=renew,
        no_block=no_block,
        transaction_date=when,
        nb_due_date=DATE,
        institution_id=INSTITUTION,
        patron_identifier=card,
        item_identifier=barcode,
        terminal_password="",
        patron_password=pin,
    )


def checkin(barcode, no_block="N", returned=DATE):
    return CheckinRequest(
        no_block=no_block,
        transaction_date=DATE,
        return_date=returned,
        current_location="centrale",
        institution_id=INSTITUTION,
        item_identifier=barcode,
        terminal_password="",
    )


def renew(card, barcode, pin=PIN):
    return RenewRequest(
        third_party_allowed="N",
        no_block="N",
        transaction_date=DATE,
        nb_due_date=DATE,
        institution_id=INSTITUTION,
        patron_identifier=card,
        item_identifier=barcode,
        patron_password=pin,
    )


def hold(mode, card, barcode, pickup=None, hold_type=None):
    return HoldRequest(
        patron_password=PIN,
        hold_mode=mode,
        transaction_date=DATE,
        institution_id=INSTITUTION,
        patron_identifier=card,
        item_identifier=barcode,
        pickup_location=pickup,
        hold_type=hold_type,
    )


def fee_paid(card, amount, currency="EUR", transaction_id=None):
    return FeePaidRequest(
        patron_password=PIN,
        transaction_date=DATE,
        fee_type="01",
        payment_type="00",
        currency_type=currency,
        fee_amount=amount,
        institution_id=INSTITUTION,
        patron_identifier=card,
        transaction_id=transaction_id,
    )


# --- 93/94 login and 99/98 status -------------------------------------------------------------


def test_login_and_status(sip_server, net, kiosk):
    k = Kiosk(sip_server.port)
    status = k.ask(SCStatusRequest(status_code="0", max_print_width="040", protocol_version="2.00"))
    assert (status.online_status, status.checkout_ok, status.institution_id) == ("Y", "N", "")
    assert status.screen_message  # tells the kiosk to log in first
    assert k.login(password="fout").ok == "0"
    assert k.login().ok == "1"
    kiosk.refresh_from_db()
    assert kiosk.last_login_at == NOW and kiosk.last_login_from.startswith("127.0.0.1:")
    status = k.ask(SCStatusRequest(status_code="0", max_print_width="040", protocol_version="2.00"))
    assert (status.checkin_ok, status.checkout_ok, status.protocol_version) == ("Y", "Y", "2.00")
    assert status.date_time_sync == sip(NOW)
    assert status.institution_id == net.org_a.code and status.library_name == net.org_a.name
    assert status.terminal_location == net.a1.code
    # 23 11 09 01 99 97 93 63 35 37 17 19 25 15 29 65: all but block patron and item update
    assert status.supported_messages == "YYYNYYYYYYYNYYYY"
    k.close()


def test_inactive_account_and_closed_branch_cannot_log_in(sip_server, net):
    make_kiosk(net.a2, login="uit-dienst", active=False)
    net.b1.closed_on = NOW.date() - timedelta(days=1)
    net.b1.save()
    make_kiosk(net.b1, login="gesloten-vestiging")
    k = Kiosk(sip_server.port)
    assert k.login("uit-dienst", KIOSK_PASSWORD).ok == "0"
    assert k.login("gesloten-vestiging", KIOSK_PASSWORD).ok == "0"
    assert KioskAccount.objects.filter(last_login_at__isnull=False).count() == 0
    k.close()


# --- 23/24 patron status ----------------------------------------------------------------------


def test_patron_status(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=CHILD, first_name="Fenna", last_name="de Vries")
    answer = kiosk_client.ask(patron_status(patron.card_number, pin="1234"))
    assert answer.patron_status == " " * 14
    assert (answer.valid_patron, answer.valid_patron_password) == ("Y", "Y")
    assert answer.personal_name == "Fenna de Vries"
    assert (answer.currency_type, answer.fee_amount) == ("EUR", "0.00")
    assert answer.transaction_date == sip(NOW)


def test_patron_status_reports_blocks_in_the_kiosks_language(kiosk_client, net):
    # An unpaid subscription, older than the grace days, is above the threshold.
    owes = make_patron(net.org_a, paid=False, at=JOINED)
    answer = kiosk_client.ask(patron_status(owes.card_number, language="001"))
    assert answer.language == "001"
    assert answer.patron_status[:4] == "YYYY" and answer.patron_status[10:12] == "YY"
    assert answer.fee_amount == str(members.balance(owes))
    assert any(line.startswith("Amount owed") for line in answer.screen_message)
    dutch = kiosk_client.ask(patron_status(owes.card_number, language="005"))
    assert any(line.startswith("Openstaand bedrag") for line in dutch.screen_message)


def test_the_patrons_language_lasts_until_the_session_ends(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    first, second = make_item(net.a1), make_item(net.a1)
    kiosk_client.ask(patron_status(patron.card_number, language="001"))  # English, please
    borrowed = kiosk_client.ask(checkout(patron.card_number, first.barcode))
    assert borrowed.screen_message[0].startswith("Due ")
    end = kiosk_client.ask(
        EndPatronSessionRequest(
            transaction_date=DATE, institution_id=INSTITUTION, patron_identifier=patron.card_number
        )
    )
    assert end.screen_message == ("Goodbye!",)
    next_patron = kiosk_client.ask(checkout(patron.card_number, second.barcode))
    assert next_patron.screen_message[0].startswith("Inleveren uiterlijk")


def test_unknown_card(kiosk_client, net):
    answer = kiosk_client.ask(patron_status("21234567890128"))
    assert answer.valid_patron == "N" and answer.personal_name == ""
    assert answer.patron_status.startswith("YYYY")
    assert answer.screen_message == ("Onbekende pas: 21234567890128",)


# --- 63/64 patron information -----------------------------------------------------------------


@pytest.fixture
def busy_patron(net):
    """An adult with an overdue and a current loan, a fine, a hold on the shelf and one waiting."""
    patron = make_patron(net.org_a, at=JOINED, email="fenna@example.nl", phone="030-1234567")
    card = patron.card_number
    overdue, current, returned_late = make_item(net.a1), make_item(net.a1), make_item(net.a1)
    circ.checkout(
        item_barcode=overdue.barcode, card_number=card, branch=net.a1, at=NOW - timedelta(days=30)
    )
    circ.checkout(item_barcode=current.barcode, card_number=card, branch=net.a1, at=NOW)
    circ.checkout(
        item_barcode=returned_late.barcode,
        card_number=card,
        branch=net.a1,
        at=NOW - timedelta(days=40),
    )
    circ.checkin(item_barcode=returned_late.barcode, branch=net.a1, at=NOW - timedelta(days=5))
    waiting_for = make_item(net.a1, make_record(title="Het gouden ei"))
    ready = make_item(net.a1, make_record(title="Max Havelaar"))
    circ.checkout(
        item_barcode=waiting_for.barcode,
        card_number=make_patron(net.org_a, at=JOINED).card_number,
        branch=net.a1,
        at=NOW - timedelta(days=2),
    )
    for item in (waiting_for, ready):
        circ.place_hold(
            card_number=card, record=item.record, pickup_branch=net.a1, at=NOW - timedelta(days=2)
        )
    members.pay(patron, net.org_a, Decimal("0.50"), at=NOW - timedelta(days=1))  # one hold fee
    assert circ.checkin(item_barcode=ready.barcode, branch=net.a1, at=NOW).routing.kind == (
        "hold_shelf"
    )
    patron.items = dict(overdue=overdue, current=current, ready=ready, waiting=waiting_for)
    return patron


def test_patron_information_counts_and_lists(kiosk_client, net, busy_patron):
    items, card = busy_patron.items, busy_patron.card_number
    summary = kiosk_client.ask(patron_information(card))
    counts = (
        summary.hold_items_count,
        summary.overdue_items_count,
        summary.charged_items_count,
        summary.fine_items_count,
        summary.recall_items_count,
        summary.unavailable_holds_count,
    )
    assert counts == ("0001", "0001", "0002", "0003", "0000", "0001")
    assert summary.fee_amount == str(members.balance(busy_patron)) == "4.00"
    assert summary.fee_limit == str(net.org_a.fee_block_threshold)
    assert summary.charged_items == ()  # nothing listed unless the summary asks for it

    def listed(position, **kw):
        wanted = " " * position + "Y" + " " * (9 - position)
        return kiosk_client.ask(patron_information(card, wanted, **kw))

    assert listed(0).hold_items == (items["ready"].barcode,)
    assert listed(1).overdue_items == (items["overdue"].barcode,)
    assert listed(2).charged_items == (items["overdue"].barcode, items["current"].barcode)
    assert listed(2, start="2", end="2").charged_items == (items["current"].barcode,)
    assert listed(5).unavailable_hold_items == ("Het gouden ei",)
    # 14 days late at 0.25 a day, two hold fees; the payment of 0.50 went to the oldest charge.
    assert listed(3).fine_items == (
        "3.00 te-laat-geld: 14 dagen te laat",
        "0.50 reserveringskosten: Het gouden ei",
        "0.50 reserveringskosten: Max Havelaar",
    )


def test_nothing_personal_without_the_right_pin(kiosk_client, busy_patron):
    card = busy_patron.card_number
    with_pin = kiosk_client.ask(patron_information(card))
    assert with_pin.valid_patron_password == "Y" and with_pin.personal_name
    assert (with_pin.email_address, with_pin.home_phone_number) == (
        "fenna@example.nl",
        "030-1234567",
    )
    for pin, said in ((None, "Voer uw pincode in."), ("9999", "Verkeerde pincode.")):
        refused = kiosk_client.ask(patron_information(card, "  Y       ", pin=pin))
        assert refused.valid_patron_password == "N" and refused.personal_name == ""
        assert refused.charged_items == () and refused.charged_items_count == "0000"
        assert refused.email_address is None and refused.fee_amount is None
        assert refused.screen_message == (said,)


# --- 11/12 checkout ---------------------------------------------------------------------------


def test_checkout(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(net.a1, make_record(title="Koning van Katoren"))
    answer = kiosk_client.ask(checkout(patron.card_number, item.barcode))
    assert (answer.ok, answer.renewal_ok, answer.desensitize) == ("1", "N", "Y")
    assert (answer.title_identifier, answer.media_type) == ("Koning van Katoren", "001")
    loan = Loan.objects.get(item=item, returned_at__isnull=True)
    assert (loan.patron, loan.branch, loan.checked_out_at) == (patron, net.a1, NOW)
    assert answer.due_date == sip(loan.due_at)
    due_day = timezone.localdate(loan.due_at)
    assert answer.screen_message == (f"Inleveren uiterlijk {formatting.day(due_day)}",)
    assert "Koning van Katoren" in answer.print_line


def test_checkout_of_an_item_already_borrowed_renews_only_when_the_kiosk_says_so(
    kiosk_client, net, server_clock
):
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(net.a1)
    kiosk_client.ask(checkout(patron.card_number, item.barcode))
    refused = kiosk_client.ask(checkout(patron.card_number, item.barcode, renew="N"))
    assert (refused.ok, refused.desensitize) == ("0", "N")
    assert "al aan deze lener uitgeleend" in refused.screen_message[0]
    server_clock.at = NOW + timedelta(days=7)  # a renewal the same day would gain nothing
    renewed = kiosk_client.ask(checkout(patron.card_number, item.barcode, renew="Y"))
    assert (renewed.ok, renewed.renewal_ok) == ("1", "Y")
    assert Loan.objects.get(item=item, returned_at__isnull=True).renewals == 1


def test_refused_checkout_says_why_and_changes_nothing(kiosk_client, net):
    patron = make_patron(net.org_a, paid=False, at=JOINED)  # owes the subscription, long
    item = make_item(net.a1, make_record(title="De avonden"))
    answer = kiosk_client.ask(checkout(patron.card_number, item.barcode))
    assert (answer.ok, answer.desensitize, answer.due_date) == ("0", "N", "")
    assert answer.title_identifier == "De avonden"
    assert answer.screen_message[0].startswith("Openstaand bedrag")
    assert not Loan.objects.exists()
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE
    unknown = kiosk_client.ask(checkout(patron.card_number, "999999"))
    assert unknown.ok == "0" and unknown.screen_message == ("Onbekend exemplaar: 999999",)


def test_offline_checkout_counts_from_when_it_happened(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=CHILD, at=JOINED)
    item = make_item(net.a1)
    two_days_ago = NOW - timedelta(days=2)
    answer = kiosk_client.ask(
        checkout(patron.card_number, item.barcode, no_block="Y", when=sip(two_days_ago))
    )
    assert answer.ok == "1"
    loan = Loan.objects.get(item=item)
    assert loan.checked_out_at == two_days_ago
    assert answer.due_date == sip(circ.due_date(two_days_ago, 21))


# --- 09/10 checkin ----------------------------------------------------------------------------


def test_checkin_to_the_shelf(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(net.a1, make_record(title="Oorlogswinter"))
    circ.checkout(item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1)
    answer = kiosk_client.ask(checkin(item.barcode))
    assert (answer.ok, answer.resensitize, answer.alert) == ("1", "Y", "N")
    assert (answer.permanent_location, answer.sort_bin) == (net.a1.code, "1")
    assert answer.title_identifier == "Oorlogswinter"
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE
    assert Loan.objects.get(item=item).returned_at == NOW


def test_checkin_routes_holds_and_transits(kiosk_client, net):
    """Raw fields too: CT (destination), CV (alert type) and CY (hold patron) are 3M extensions
    the pysip2 models do not name."""
    record = make_record()
    here, there = make_item(net.a1, record), make_item(net.a1, record)
    from_elsewhere = make_item(net.a2)
    waiting_here = make_patron(net.org_a, birth_date=CHILD)
    waiting_there = make_patron(net.org_b, birth_date=CHILD, postcode="3811 AB")
    circ.place_hold(card_number=waiting_here.card_number, record=record, pickup_branch=net.a1)
    circ.place_hold(card_number=waiting_there.card_number, record=record, pickup_branch=net.b1)
    client = kiosk_client.client

    def raw_checkin(barcode):
        answer = client.send(f"09N{DATE}{DATE}APcentrale|AO{INSTITUTION}|AB{barcode}|AC|")
        assert answer.startswith("101")
        return answer

    to_shelf = raw_checkin(here.barcode)
    assert to_shelf[5] == "Y"  # alert
    assert "CL2|" in to_shelf and "CV01|" in to_shelf
    assert f"CY{shelf_code(waiting_here)}|" in to_shelf and f"CT{net.a1.code}|" in to_shelf
    assert waiting_here.card_number not in to_shelf
    assert Hold.objects.get(patron=waiting_here).status == HoldStatus.READY
    to_transit = raw_checkin(there.barcode)
    assert "CL3|" in to_transit and "CV02|" in to_transit and f"CT{net.b1.code}|" in to_transit
    assert Transit.objects.get(item=there).to_branch == net.b1
    home = raw_checkin(from_elsewhere.barcode)
    assert "CL3|" in home and "CV04|" in home and f"CT{net.a2.code}|" in home


def test_late_return_is_fined_and_offline_return_is_not(kiosk_client, net):
    patron = make_patron(net.org_a, at=JOINED)
    late, in_time = make_item(net.a1), make_item(net.a1)
    for item in (late, in_time):
        circ.checkout(
            item_barcode=item.barcode,
            card_number=patron.card_number,
            branch=net.a1,
            at=NOW - timedelta(days=25),
        )
    fined = kiosk_client.ask(checkin(late.barcode))
    assert fined.ok == "1" and any(m.startswith("Te-laat-geld") for m in fined.screen_message)
    # Dropped in an offline return chute before the due date, reported now: no fine.
    before_due = sip(NOW - timedelta(days=10))
    free = kiosk_client.ask(checkin(in_time.barcode, no_block="Y", returned=before_due))
    assert free.ok == "1" and not any("Te-laat" in m for m in free.screen_message)
    fines = LedgerLine.objects.filter(patron=patron, kind=LedgerKind.FINE)
    assert [line.item_id for line in fines] == [late.pk]


def test_checkin_of_an_unknown_item(kiosk_client):
    answer = kiosk_client.ask(checkin("000000"))
    assert (answer.ok, answer.alert, answer.permanent_location) == ("0", "N", "")
    assert answer.screen_message == ("Onbekend exemplaar: 000000",)


# --- 29/30 renew and 65/66 renew all ----------------------------------------------------------


def test_renew(kiosk_client, net):
    patron = make_patron(net.org_a, at=JOINED)
    item = make_item(net.a1)
    circ.checkout(
        item_barcode=item.barcode,
        card_number=patron.card_number,
        branch=net.a1,
        at=NOW - timedelta(days=23),
    )
    answer = kiosk_client.ask(renew(patron.card_number, item.barcode))
    loan = Loan.objects.get(item=item)
    assert (answer.ok, answer.renewal_ok, loan.renewals) == ("1", "Y", 1)
    assert answer.due_date == sip(loan.due_at) and loan.due_at > NOW
    # Renewed two days late: the fine is charged and reported as an overdue fee.
    assert (answer.fee_type, answer.currency_type, answer.fee_amount) == ("04", "EUR", "0.50")


def test_renew_refused_when_someone_waits(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(net.a1)
    circ.checkout(item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1)
    circ.place_hold(
        card_number=make_patron(net.org_a, birth_date=CHILD).card_number,
        record=item.record,
        pickup_branch=net.a1,
    )
    answer = kiosk_client.ask(renew(patron.card_number, item.barcode))
    assert (answer.ok, answer.renewal_ok) == ("0", "N")
    assert "gereserveerd" in answer.screen_message[0]
    assert Loan.objects.get(item=item).renewals == 0


def test_renew_all(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    free, wanted = make_item(net.a1), make_item(net.a1, make_record(title="Gewild"))
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
    answer = kiosk_client.ask(
        RenewAllRequest(
            transaction_date=DATE,
            institution_id=INSTITUTION,
            patron_identifier=patron.card_number,
            patron_password=PIN,
        )
    )
    assert (answer.ok, answer.renewed_count, answer.unrenewed_count) == ("1", "0001", "0001")
    assert answer.renewed_items == (free.barcode,)
    assert answer.unrenewed_items == (wanted.barcode,)
    assert answer.screen_message[1].startswith("‘Gewild’ kan niet worden verlengd")


# --- 17/18 item information -------------------------------------------------------------------


def item_information(barcode):
    return ItemInformationRequest(
        transaction_date=DATE, institution_id=INSTITUTION, item_identifier=barcode
    )


def test_item_information(kiosk_client, net):
    item = make_item(net.a1, make_record(title="Oorlogswinter"))
    available = kiosk_client.ask(item_information(item.barcode))
    assert (available.circulation_status, available.title_identifier) == ("03", "Oorlogswinter")
    assert (available.permanent_location, available.current_location) == (net.a1.code, net.a1.code)
    assert (available.owner, available.media_type, available.due_date) == (
        net.org_a.code,
        "001",
        None,
    )
    borrower, waiting = (make_patron(net.org_a, birth_date=CHILD) for _ in range(2))
    circ.checkout(item_barcode=item.barcode, card_number=borrower.card_number, branch=net.a1)
    circ.place_hold(card_number=waiting.card_number, record=item.record, pickup_branch=net.a1)
    on_loan = kiosk_client.ask(item_information(item.barcode))
    loan = Loan.objects.get(item=item)
    assert (on_loan.circulation_status, on_loan.hold_queue_length) == ("04", "0001")
    assert on_loan.due_date == sip(loan.due_at)
    circ.checkin(item_barcode=item.barcode, branch=net.a1, at=NOW)
    on_shelf = kiosk_client.ask(item_information(item.barcode))
    ready = Hold.objects.get(patron=waiting)
    assert on_shelf.circulation_status == "08" and on_shelf.hold_pickup_date == sip(
        ready.expires_at
    )
    unknown = kiosk_client.ask(item_information("nope"))
    assert (unknown.circulation_status, unknown.title_identifier) == ("01", "")


# --- 15/16 hold -------------------------------------------------------------------------------


def test_hold_place_and_cancel(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(net.a1, make_record(title="Pluk van de Petteflet"))
    placed = kiosk_client.ask(hold("+", patron.card_number, item.barcode, pickup=net.a2.code))
    assert (placed.ok, placed.available, placed.queue_position) == ("1", "Y", "1")
    assert (placed.pickup_location, placed.title_identifier) == (
        net.a2.code,
        "Pluk van de Petteflet",
    )
    title_level = Hold.objects.get(patron=patron)
    assert title_level.pickup_branch == net.a2 and title_level.item is None
    again = kiosk_client.ask(hold("+", patron.card_number, item.barcode))
    assert again.ok == "0" and again.screen_message == ("U heeft deze titel al gereserveerd.",)
    cancelled = kiosk_client.ask(hold("-", patron.card_number, item.barcode))
    assert cancelled.ok == "1"
    title_level.refresh_from_db()
    assert title_level.status == HoldStatus.CANCELLED
    nothing = kiosk_client.ask(hold("-", patron.card_number, item.barcode))
    assert nothing.ok == "0"


def test_hold_on_a_specific_copy_with_a_fee(kiosk_client, net):
    adult = make_patron(net.org_a)
    item = make_item(net.a1)
    placed = kiosk_client.ask(hold("+", adult.card_number, item.barcode, hold_type="3"))
    assert placed.ok == "1" and placed.pickup_location == net.a1.code
    assert Hold.objects.get(patron=adult).item == item
    assert placed.screen_message[1] == "Reserveringskosten € 0.50"
    assert members.balance(adult) == Decimal("0.50")


def test_hold_refusals(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(net.a1)
    change = kiosk_client.ask(hold("*", patron.card_number, item.barcode))
    unknown_pickup = kiosk_client.ask(hold("+", patron.card_number, item.barcode, pickup="nergens"))
    no_item = kiosk_client.ask(hold("+", patron.card_number, "onbekend"))
    assert [a.ok for a in (change, unknown_pickup, no_item)] == ["0", "0", "0"]
    assert unknown_pickup.screen_message == ("Onbekend afhaalpunt: nergens",)
    assert not Hold.objects.exists()


# --- 37/38 fee paid ---------------------------------------------------------------------------


def test_fee_paid(kiosk_client, net, kiosk):
    patron = make_patron(net.org_a, paid=False)
    owed = members.balance(patron)
    paid = kiosk_client.ask(fee_paid(patron.card_number, "7,50", transaction_id="T123"))
    assert (paid.payment_accepted, paid.transaction_id) == ("Y", "T123")
    assert members.balance(patron) == owed - Decimal("7.50")
    payment = LedgerLine.objects.get(patron=patron, kind=LedgerKind.PAYMENT)
    assert kiosk.login in payment.description and "T123" in payment.description
    too_much = kiosk_client.ask(fee_paid(patron.card_number, "999.00"))
    assert too_much.payment_accepted == "N" and "hoger dan" in too_much.screen_message[0]
    dollars = kiosk_client.ask(fee_paid(patron.card_number, "1.00", currency="USD"))
    nonsense = kiosk_client.ask(fee_paid(patron.card_number, "veel"))
    assert (dollars.payment_accepted, nonsense.payment_accepted) == ("N", "N")
    assert members.balance(patron) == owed - Decimal("7.50")


# --- 35/36 end session, 25/26 patron enable, and the two messages CLB does not offer ----------


def test_end_session_and_patron_enable(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    members.set_blocked(patron, True, "pas kwijt gemeld")
    enable = kiosk_client.ask(
        PatronEnableRequest(
            transaction_date=DATE,
            institution_id=INSTITUTION,
            patron_identifier=patron.card_number,
            patron_password=PIN,
        )
    )
    assert enable.patron_status.startswith("YYYY")  # a kiosk cannot lift a staff block
    assert enable.screen_message[-1] == "Een blokkade kan alleen aan de balie worden opgeheven."
    patron.refresh_from_db()
    assert patron.blocked
    end = kiosk_client.ask(
        EndPatronSessionRequest(
            transaction_date=DATE, institution_id=INSTITUTION, patron_identifier=patron.card_number
        )
    )
    assert (end.end_session, end.patron_identifier) == ("Y", patron.card_number)


def test_block_patron_and_item_status_update_are_answered_but_refused(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(net.a1)
    block = kiosk_client.ask(
        BlockPatronRequest(
            card_retained="Y",
            transaction_date=DATE,
            institution_id=INSTITUTION,
            blocked_card_message="pas ingeslikt",
            patron_identifier=patron.card_number,
            terminal_password="",
        )
    )
    assert block.patron_status.startswith("YYYY") and block.screen_message
    patron.refresh_from_db()
    assert not patron.blocked
    update = kiosk_client.ask(
        ItemStatusUpdateRequest(
            transaction_date=DATE,
            institution_id=INSTITUTION,
            item_identifier=item.barcode,
            item_properties="kaft beschadigd",
        )
    )
    assert update.item_properties_ok == "0"
    assert Item.objects.get(pk=item.pk).status == ItemStatus.AVAILABLE
