"""PINs at the kiosk: checked by members.verify_pin, so wrong tries count per card wherever they
are typed, and a locked card is locked at every kiosk and at the desk."""

from datetime import date, timedelta
from decimal import Decimal

from clb.circulation import services as circ
from clb.circulation.models import Loan
from clb.members import services as members
from clb.members.models import LedgerKind, Patron
from clb.selfservice.models import KioskAccount
from tests.factories import make_item, make_patron

from .conftest import DATE, NOW, RawClient, make_kiosk

CHILD = date(2014, 1, 1)


def status(client, card, pin):
    return client.send(f"23000{DATE}AO|AA{card}|AC|AD{pin}|")


def test_wrong_pins_lock_the_card_across_kiosks_for_a_while(sip_server, net, server_clock):
    patron = make_patron(net.org_a, birth_date=CHILD, pin="2468")
    kiosks = [RawClient(sip_server.port) for _ in range(2)]
    for k in kiosks:
        k.login()
    for attempt in range(5):
        assert "|CQN|" in status(kiosks[attempt % 2], patron.card_number, "0000")
    locked = status(kiosks[0], patron.card_number, "2468")
    assert "|CQN|" in locked and "AFTe vaak een verkeerde pincode" in locked
    assert "AE|" in locked  # no name for an unproven card
    server_clock.at += timedelta(minutes=16)
    assert "|CQY|" in status(kiosks[1], patron.card_number, "2468")
    for k in kiosks:
        k.close()


def without_pin_pad(sip_server, net) -> RawClient:
    make_kiosk(net.a1, login="zuil-zonder-pinpad", require_pin=False)
    client = RawClient(sip_server.port)
    assert client.login("zuil-zonder-pinpad").startswith("941")
    return client


def test_an_empty_pin_field_is_no_attempt(sip_server, net):
    """Kiosks without a PIN pad send `AD|`: that must not count as a wrong PIN."""
    patron = make_patron(net.org_a, birth_date=CHILD)
    raw = without_pin_pad(sip_server, net)
    for _ in range(6):
        answer = status(raw, patron.card_number, "")
        assert "CQ" not in answer and "|BLY|" in answer
    assert Patron.objects.get(pk=patron.pk).failed_pin_attempts == 0


def test_a_kiosk_that_requires_the_pin(sip_server, net):
    make_kiosk(net.a1, login="zuil-met-pinpad", require_pin=True)
    patron = make_patron(net.org_a, birth_date=CHILD, pin="2468")
    item = make_item(net.a1)
    client = RawClient(sip_server.port)
    assert client.login("zuil-met-pinpad").startswith("941")
    checkout = f"11NN{DATE}{DATE}AO|AA{patron.card_number}|AB{item.barcode}|AC|"
    without = client.send(checkout)
    assert without.startswith("120NUN") and "AFVoer uw pincode in." in without
    wrong = client.send(checkout + "AD1111|")
    assert wrong.startswith("120") and "AFVerkeerde pincode." in wrong
    assert not Loan.objects.exists()
    assert Patron.objects.get(pk=patron.pk).failed_pin_attempts == 1  # only the typed one
    assert client.send(checkout + "AD2468|").startswith("121")
    # Personal details need the PIN at such a kiosk.
    assert "AE|" in status(client, patron.card_number, "")
    assert f"AE{patron.first_name} " in status(client, patron.card_number, "2468")
    client.close()


def test_a_typed_pin_must_be_right_even_where_none_is_required(sip_server, net):
    patron = make_patron(net.org_a, birth_date=CHILD, pin="2468")
    item = make_item(net.a1)
    raw = without_pin_pad(sip_server, net)
    checkout = f"11NN{DATE}{DATE}AO|AA{patron.card_number}|AB{item.barcode}|AC|"
    assert raw.send(checkout + "AD1111|").startswith("120")
    assert raw.send(checkout).startswith("121")  # no PIN typed, none required


# --- privacy without a PIN (issue 12, item 7) ---------------------------------------------------


def test_a_new_kiosk_requires_the_pin_by_default(net):
    assert KioskAccount(login="nieuw", branch=net.a1).require_pin is True


def test_without_a_pin_a_kiosk_never_shows_name_balance_or_lists(sip_server, net):
    """At a kiosk that lets patrons borrow with the card alone, a card number is all anyone
    needs to ask about it: the answer may say whether the card is valid and may borrow, never
    whose it is, what is owed or what is on loan."""
    patron = make_patron(net.org_a, first_name="Fenna", last_name="Geheim", paid=False)
    members.pay(patron, net.org_a, members.balance(patron))  # free to borrow again
    on_loan, new = make_item(net.a1), make_item(net.a1)
    circ.checkout(item_barcode=on_loan.barcode, card_number=patron.card_number, branch=net.a1)
    members.charge(patron, net.org_a, LedgerKind.FINE, Decimal("1.25"), description="te laat")
    client = without_pin_pad(sip_server, net)
    card = patron.card_number
    answers = [
        client.send(f"23000{DATE}AO|AA{card}|AC|"),
        client.send(f"63000{DATE}  Y       AO|AA{card}|AC|"),
        client.send(f"63000{DATE}   Y      AO|AA{card}|AC|"),
        client.send(f"25{DATE}AO|AA{card}|AC|"),
    ]
    for answer in answers:
        assert "|BLY|" in answer  # a valid card
        assert "AE|" in answer and "Fenna" not in answer and "Geheim" not in answer
        assert "BV" not in answer and "1.25" not in answer
        assert on_loan.barcode not in answer and "te laat" not in answer
    assert answers[1][2:16] == "  " + " " * 12  # may borrow: no privilege denied
    assert "0000" * 6 in answers[1]  # no counts either
    # ... and may borrow with the card alone.
    borrowed = client.send(f"11NN{DATE}{DATE}AO|AA{card}|AB{new.barcode}|AC|")
    assert borrowed.startswith("121")
    # A refusal says where to go, not what is owed.
    # Charged long enough ago to count against the block (new charges have days of grace, and
    # the payment above settled the oldest charges first).
    members.charge(
        patron,
        net.org_a,
        LedgerKind.FINE,
        Decimal("100.00"),
        description="schade",
        at=NOW - timedelta(days=net.org_a.fee_grace_days + 1),
    )
    refused = client.send(f"11NN{DATE}{DATE}AO|AA{card}|AB{make_item(net.a1).barcode}|AC|")
    assert refused.startswith("120") and "101.25" not in refused and "Openstaand" not in refused
    assert "AFU kunt hier nu niet lenen" in refused
    # With the right PIN the patron sees it all.
    proven = client.send(f"63000{DATE}  Y       AO|AA{card}|AC|AD1234|")
    assert "AEFenna Geheim|" in proven and on_loan.barcode in proven and "BV101.25|" in proven
    client.close()
