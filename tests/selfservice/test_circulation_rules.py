"""The kiosk's side of the circulation rules of issues 11 and 12, over a real SIP2 connection
(pysip2 builds the requests and parses the answers): a copy another member's hold needs is
refused with a reason unless this member heads the queue; a copy that stands elsewhere is not
lent here; a renewal that gains nothing is refused by title and uses up no renewal; fees paid
at the kiosk record how."""

from datetime import date, timedelta

from clb.catalogue.models import ItemStatus
from clb.circulation import services as circ
from clb.circulation.models import Hold, HoldStatus, Loan
from clb.members.models import LedgerKind
from tests.factories import make_item, make_patron, make_record

from .conftest import NOW
from .test_messages import checkout, fee_paid, renew

CHILD = date(2014, 6, 1)


def test_the_kiosk_refuses_a_copy_a_hold_needs_unless_the_member_heads_the_queue(kiosk_client, net):
    record = make_record(title="Het diner")
    copy = make_item(net.a1, record)
    first, second, walk_in = (make_patron(net.org_a, birth_date=CHILD) for _ in range(3))
    # Holds from before copies were set aside: both wait while the copy stands on the shelf.
    Hold.objects.create(patron=first, record=record, pickup_branch=net.a1, placed_at=NOW)
    Hold.objects.create(
        patron=second, record=record, pickup_branch=net.a1, placed_at=NOW + timedelta(minutes=1)
    )
    for member in (walk_in, second):
        answer = kiosk_client.ask(checkout(member.card_number, copy.barcode))
        assert (answer.ok, answer.desensitize) == ("0", "N")
        assert answer.title_identifier == "Het diner"
        assert "gereserveerd door een andere lener" in answer.screen_message[0]
        assert "balie" in answer.screen_message[0]
    assert not Loan.objects.exists()
    copy.refresh_from_db()
    assert copy.status == ItemStatus.AVAILABLE  # a kiosk takes no copy from the shelf
    answer = kiosk_client.ask(checkout(first.card_number, copy.barcode))
    assert answer.ok == "1"
    assert Hold.objects.get(patron=first).status == HoldStatus.FULFILLED
    assert Hold.objects.get(patron=second).status == HoldStatus.WAITING


def test_the_kiosk_lends_a_copy_set_aside_for_this_member_and_refuses_it_to_others(
    kiosk_client, net
):
    record = make_record(title="Tirza")
    copy = make_item(net.a1, record)
    holder, other = (make_patron(net.org_a, birth_date=CHILD) for _ in range(2))
    circ.place_hold(card_number=holder.card_number, record=record, pickup_branch=net.a2, at=NOW)
    copy.refresh_from_db()
    assert copy.status == ItemStatus.IN_TRANSIT  # set aside, still on the shelf here
    refused = kiosk_client.ask(checkout(other.card_number, copy.barcode))
    assert refused.ok == "0" and "Tirza" in refused.screen_message[0]
    lent = kiosk_client.ask(checkout(holder.card_number, copy.barcode))
    assert lent.ok == "1"
    assert Hold.objects.get(patron=holder).status == HoldStatus.FULFILLED


def test_the_kiosk_lends_only_copies_that_stand_at_its_branch(kiosk_client, net):
    """Issue 12, item 4: the kiosk stands at org A's main branch."""
    patron = make_patron(net.org_a, birth_date=CHILD)
    for branch in (net.b1, net.a2):
        item = make_item(branch, make_record(title=f"Boek in {branch.name}"))
        answer = kiosk_client.ask(checkout(patron.card_number, item.barcode))
        assert (answer.ok, answer.desensitize) == ("0", "N")
        assert f"staat volgens CLB in {branch.name}" in answer.screen_message[0]
    assert not Loan.objects.exists()


def test_a_kiosk_renewal_that_gains_nothing_is_refused_by_title(kiosk_client, net, server_clock):
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(net.a1, make_record(title="Koning van Katoren"))
    circ.checkout(
        item_barcode=item.barcode,
        card_number=patron.card_number,
        branch=net.a1,
        at=NOW - timedelta(hours=20),
    )
    first = kiosk_client.ask(renew(patron.card_number, item.barcode))
    assert (first.ok, first.renewal_ok) == ("1", "Y")
    again = kiosk_client.ask(renew(patron.card_number, item.barcode))
    assert (again.ok, again.renewal_ok) == ("0", "N")
    assert again.screen_message[0].startswith("‘Koning van Katoren’ verlengen levert nu niets op")
    loan = Loan.objects.get(item=item)
    assert loan.renewals == 1 and again.due_date == ""
    server_clock.at = NOW + timedelta(days=3)
    later = kiosk_client.ask(renew(patron.card_number, item.barcode))
    assert later.ok == "1"
    loan.refresh_from_db()
    assert loan.renewals == 2


def test_a_fee_paid_at_the_kiosk_records_how(kiosk_client, net):
    patron = make_patron(net.org_a, paid=False)
    answer = kiosk_client.ask(fee_paid(patron.card_number, "7.50"))
    assert answer.payment_accepted == "Y"
    line = patron.ledger_lines.get(kind=LedgerKind.PAYMENT)
    assert line.method == "cash"  # payment type 00
