"""PINs at the kiosk: checked by members.verify_pin, so wrong tries count per card wherever they
are typed, and a locked card is locked at every kiosk and at the desk."""

from datetime import date, timedelta

from clb.circulation.models import Loan
from clb.members.models import Patron
from tests.factories import make_item, make_patron

from .conftest import DATE, RawClient, make_kiosk

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


def test_an_empty_pin_field_is_no_attempt(raw, net):
    """Kiosks without a PIN pad send `AD|`: that must not count as a wrong PIN."""
    patron = make_patron(net.org_a, birth_date=CHILD)
    raw.login()
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


def test_a_typed_pin_must_be_right_even_where_none_is_required(raw, net):
    patron = make_patron(net.org_a, birth_date=CHILD, pin="2468")
    item = make_item(net.a1)
    raw.login()
    checkout = f"11NN{DATE}{DATE}AO|AA{patron.card_number}|AB{item.barcode}|AC|"
    assert raw.send(checkout + "AD1111|").startswith("120")
    assert raw.send(checkout).startswith("121")  # no PIN typed, none required
