"""Membership renewal and fees (issue 11, item 5): renewal only within the organisation's window
before expiry; a new charge blocks borrowing only after the organisation's grace days; payments
record their method; a write-off needs a reason; a cancelled hold's fee is refunded by rule."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from clb import clock, formatting
from clb.circulation import services as circ
from clb.circulation.models import HoldRefund, LoanRule
from clb.members import services as members
from clb.members.errors import MemberError
from clb.members.models import LedgerKind, LedgerLine, Membership, PaymentMethod
from tests.factories import T0, make_item, make_patron, make_record

pytestmark = pytest.mark.django_db


def expiry(patron, org):
    return Membership.objects.get(patron=patron, organisation=org).expires_on


def test_renewal_a_year_early_is_refused_and_charges_nothing(net):
    patron = make_patron(net.org_a)
    before = patron.balance()
    with pytest.raises(MemberError) as err:
        members.renew_membership(patron, net.org_a, at=T0 + timedelta(days=10))
    assert err.value.code == "renewal_too_early"
    opens = expiry(patron, net.org_a) - timedelta(days=net.org_a.renewal_window_days)
    assert formatting.day(opens) in str(err.value)
    assert patron.balance() == before
    assert expiry(patron, net.org_a) == clock.today(T0) + timedelta(days=365)


def test_renewal_within_the_window_once(net):
    patron = make_patron(net.org_a)
    old = expiry(patron, net.org_a)
    at = T0 + timedelta(days=350)
    terms = members.renewal_terms(patron, net.org_a, at=at)
    assert terms.allowed and terms.new_expiry == old + timedelta(days=365)
    assert terms.fee == Decimal("57.50")
    membership = members.renew_membership(patron, net.org_a, at=at)
    assert membership.expires_on == old + timedelta(days=365)
    assert patron.balance() == Decimal("57.50")
    # A second click is a renewal a year early: refused, nothing charged twice.
    with pytest.raises(MemberError):
        members.renew_membership(patron, net.org_a, at=at)
    assert patron.balance() == Decimal("57.50")
    assert not members.renewal_terms(patron, net.org_a, at=at).allowed


def test_an_expired_membership_renews_from_today(net):
    patron = make_patron(net.org_a)
    at = T0 + timedelta(days=400)
    membership = members.renew_membership(patron, net.org_a, at=at)
    assert membership.expires_on == clock.today(at) + timedelta(days=365)


def test_the_window_is_the_organisations_setting(net):
    net.org_a.renewal_window_days = 400
    net.org_a.save()
    patron = make_patron(net.org_a)
    assert members.renewal_terms(patron, net.org_a, at=T0 + timedelta(days=1)).allowed


def test_a_new_charge_blocks_only_after_the_grace_days(net):
    patron = make_patron(net.org_a)
    at = T0 + timedelta(days=350)
    members.renew_membership(patron, net.org_a, at=at)  # € 57,50 open, threshold € 10
    assert members.borrowing_blocks(patron, net.org_a, clock.today(at)) == []
    item = make_item(net.a1)
    circ.checkout(item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1, at=at)
    grace = net.org_a.fee_grace_days
    last_free = clock.today(at) + timedelta(days=grace)
    assert members.borrowing_blocks(patron, net.org_a, last_free) == []
    [block] = members.borrowing_blocks(patron, net.org_a, last_free + timedelta(days=1))
    assert block.code == "fees" and "57,50" in block.message.replace(".", ",")


def test_old_debts_block_at_once_and_payments_settle_the_oldest_first(net):
    patron = make_patron(net.org_a, paid=False)  # € 57,50 from T0
    day = clock.today(T0) + timedelta(days=60)
    assert [b.code for b in members.borrowing_blocks(patron, net.org_a, day)] == ["fees"]
    members.pay(patron, net.org_a, "50.00", method=PaymentMethod.CASH, at=T0 + timedelta(days=60))
    members.charge(patron, net.org_a, LedgerKind.FINE, "12.00", at=T0 + timedelta(days=60))
    # € 19,50 open, of which € 7,50 is old (below the threshold) and € 12 new: no block yet.
    assert members.borrowing_blocks(patron, net.org_a, day) == []


def test_payment_records_its_method(net):
    patron = make_patron(net.org_a, paid=False)
    line = members.pay(patron, net.org_a, "57.50", method=PaymentMethod.CARD, at=T0)
    assert line.method == PaymentMethod.CARD and line.get_method_display() == "pinpas"
    with pytest.raises(MemberError) as err:
        members.pay(patron, net.org_a, "1.00", method="bitcoin", at=T0)
    assert err.value.field == "method"


def test_write_off_needs_a_reason_and_is_a_ledger_line(net):
    patron = make_patron(net.org_a, paid=False)
    with pytest.raises(MemberError) as err:
        members.write_off(patron, net.org_a, "57.50", reason="  ", at=T0)
    assert err.value.field == "reason"
    assert patron.balance() == Decimal("57.50")
    line = members.write_off(patron, net.org_a, "57.50", reason="Minima-regeling gemeente", at=T0)
    assert line.kind == LedgerKind.WAIVER and line.amount == Decimal("-57.50")
    assert line.description == "Minima-regeling gemeente"
    assert patron.balance() == 0
    with pytest.raises(MemberError):
        members.write_off(patron, net.org_a, "1.00", reason="te veel", at=T0)


@pytest.mark.parametrize(
    ("refund", "cancel_when_ready", "refunded"),
    [
        (HoldRefund.NEVER, False, Decimal("0")),
        (HoldRefund.UNTIL_READY, False, Decimal("0.50")),
        (HoldRefund.UNTIL_READY, True, Decimal("0")),
        (HoldRefund.ALWAYS, True, Decimal("0.50")),
    ],
)
def test_cancelling_a_hold_refunds_its_fee_by_rule(net, refund, cancel_when_ready, refunded):
    LoanRule.objects.filter(organisation=None, patron_category="", item_type=None).update(
        hold_fee_refund=refund
    )
    adult = make_patron(net.org_a)
    record = make_record(title="Het diner")
    item = make_item(net.a1, record)
    hold = circ.place_hold(
        card_number=adult.card_number, record=record, pickup_branch=net.a1, at=T0
    ).hold
    assert adult.balance() == Decimal("0.50")
    if cancel_when_ready:
        circ.checkin(item_barcode=item.barcode, branch=net.a1, at=T0)
    terms = circ.cancellation_terms(hold.pk, at=T0)
    assert (terms.fee, terms.refund) == (Decimal("0.50"), refunded)
    circ.cancel_hold(hold.pk, card_number=adult.card_number, at=T0 + timedelta(minutes=1))
    assert adult.balance() == Decimal("0.50") - refunded
    if refunded:
        line = LedgerLine.objects.get(kind=LedgerKind.WAIVER)
        assert "Het diner" in line.description


def test_youth_hold_has_no_fee_to_refund(net):
    child = make_patron(net.org_a, birth_date=date(2014, 1, 1))
    record = make_record()
    make_item(net.a1, record)
    hold = circ.place_hold(
        card_number=child.card_number, record=record, pickup_branch=net.a1, at=T0
    ).hold
    assert circ.cancellation_terms(hold.pk, at=T0).fee == 0
