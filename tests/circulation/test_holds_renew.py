from datetime import date, timedelta
from decimal import Decimal

import pytest

from clb.catalogue.models import ItemStatus
from clb.circulation import services as circ
from clb.circulation.errors import CirculationError
from clb.circulation.models import Hold, HoldStatus, Loan
from clb.members.cards import shelf_code
from tests.factories import T0, make_item, make_patron, make_record

pytestmark = pytest.mark.django_db
CHILD = date(2014, 6, 1)


def status(obj):
    obj.refresh_from_db()
    return obj.status


def test_queue_positions_are_derived_from_placement_order(net):
    record = make_record()
    item = make_item(net.a1, record)
    reader = make_patron(net.org_a, birth_date=CHILD)
    circ.checkout(item_barcode=item.barcode, card_number=reader.card_number, branch=net.a1, at=T0)
    patrons = [make_patron(net.org_a, birth_date=CHILD) for _ in range(3)]
    holds = [
        circ.place_hold(
            card_number=p.card_number,
            record=record,
            pickup_branch=net.a1,
            at=T0 + timedelta(minutes=i),
        ).hold
        for i, p in enumerate(patrons)
    ]
    assert [circ.queue_position(h) for h in holds] == [1, 2, 3]
    circ.cancel_hold(holds[1].pk, card_number=patrons[1].card_number, at=T0)
    holds[2].refresh_from_db()
    assert circ.queue_position(holds[2]) == 2  # no gap after a cancellation


def test_checkin_captures_oldest_hold_to_hold_shelf_here(net):
    record = make_record()
    item = make_item(net.a1, record)
    borrower, waiting = (
        make_patron(net.org_a, birth_date=CHILD),
        make_patron(net.org_a, birth_date=CHILD),
    )
    circ.checkout(item_barcode=item.barcode, card_number=borrower.card_number, branch=net.a1, at=T0)
    result = circ.place_hold(
        card_number=waiting.card_number, record=record, pickup_branch=net.a1, at=T0
    )
    assert result.position == 1 and result.fee == 0  # youth: no hold fee
    back = circ.checkin(item_barcode=item.barcode, branch=net.a1, at=T0 + timedelta(days=3))
    assert back.routing.kind == "hold_shelf"
    assert back.routing.hold.patron == waiting
    assert back.routing.shelf_code == shelf_code(waiting)  # what a slip prints, not the card
    assert waiting.card_number not in back.routing.message
    assert status(item) == ItemStatus.ON_HOLD_SHELF
    hold = Hold.objects.get()
    assert hold.status == HoldStatus.READY and hold.captured_item == item
    # Nobody else may take it; the waiting patron can.
    with pytest.raises(CirculationError) as err:
        circ.checkout(
            item_barcode=item.barcode,
            card_number=borrower.card_number,
            branch=net.a1,
            at=T0 + timedelta(days=3),
        )
    assert err.value.code == "held_for_other"
    got = circ.checkout(
        item_barcode=item.barcode,
        card_number=waiting.card_number,
        branch=net.a1,
        at=T0 + timedelta(days=4),
    )
    assert got.hold_fulfilled.pk == hold.pk
    assert status(hold) == HoldStatus.FULFILLED


def test_hold_for_pickup_elsewhere_travels_and_is_ready_on_arrival(net):
    record = make_record()
    item = make_item(net.a1, record)
    patron = make_patron(net.org_b, birth_date=CHILD, postcode="3811 AB")
    circ.place_hold(card_number=patron.card_number, record=record, pickup_branch=net.b1, at=T0)
    routed = circ.checkin(
        item_barcode=item.barcode, branch=net.a1, at=T0
    )  # from the shelf (pull list)
    assert routed.routing.kind == "transit" and routed.routing.destination == net.b1
    assert status(Hold.objects.get()) == HoldStatus.IN_TRANSIT
    arrived = circ.receive_transit(
        item_barcode=item.barcode, branch=net.b1, at=T0 + timedelta(days=1)
    )
    assert arrived.routing.kind == "hold_shelf"
    assert [h.pk for h in circ.hold_shelf(net.b1)] == [Hold.objects.get().pk]


def test_pull_list_shows_holds_a_shelf_copy_can_fill(net):
    record = make_record()
    make_item(net.a2, record)
    patron = make_patron(net.org_a, birth_date=CHILD)
    hold = circ.place_hold(
        card_number=patron.card_number, record=record, pickup_branch=net.a1, at=T0
    ).hold
    assert list(circ.pull_list(net.a2)) == [hold]
    assert list(circ.pull_list(net.a1)) == []


def test_expired_hold_serves_next_in_line(net):
    record = make_record()
    item = make_item(net.a1, record)
    first, second = (
        make_patron(net.org_a, birth_date=CHILD),
        make_patron(net.org_a, birth_date=CHILD),
    )
    h1 = circ.place_hold(
        card_number=first.card_number, record=record, pickup_branch=net.a1, at=T0
    ).hold
    h2 = circ.place_hold(
        card_number=second.card_number,
        record=record,
        pickup_branch=net.a1,
        at=T0 + timedelta(minutes=1),
    ).hold
    circ.checkin(item_barcode=item.barcode, branch=net.a1, at=T0)
    assert status(h1) == HoldStatus.READY
    assert circ.expire_holds(at=T0 + timedelta(days=3)) == []  # not yet
    routings = circ.expire_holds(at=T0 + timedelta(days=9))
    assert status(h1) == HoldStatus.EXPIRED
    assert status(h2) == HoldStatus.READY
    assert routings[0].kind == "hold_shelf" and routings[0].hold.patron == second
    assert circ.expire_holds(at=T0 + timedelta(days=9)) == []  # idempotent


def test_duplicate_hold_and_hold_on_own_loan_refused(net):
    record = make_record()
    item = make_item(net.a1, record)
    patron = make_patron(net.org_a, birth_date=CHILD)
    other = make_patron(net.org_a, birth_date=CHILD)
    circ.checkout(item_barcode=item.barcode, card_number=other.card_number, branch=net.a1, at=T0)
    circ.place_hold(card_number=patron.card_number, record=record, pickup_branch=net.a1, at=T0)
    with pytest.raises(CirculationError) as err:
        circ.place_hold(card_number=patron.card_number, record=record, pickup_branch=net.a1, at=T0)
    assert err.value.code == "duplicate_hold"
    with pytest.raises(CirculationError) as err:
        circ.place_hold(card_number=other.card_number, record=record, pickup_branch=net.a1, at=T0)
    assert err.value.code == "already_borrowed"


def test_adult_pays_hold_fee_from_rule(net):
    record = make_record()
    make_item(net.a1, record)
    adult = make_patron(net.org_a)
    result = circ.place_hold(
        card_number=adult.card_number, record=record, pickup_branch=net.a1, at=T0
    )
    assert result.fee == Decimal("0.50")
    assert adult.balance() == Decimal("0.50")


def test_renew_extends_and_respects_limits_and_holds(net):
    record = make_record()
    item = make_item(net.a1, record)
    patron = make_patron(net.org_a, birth_date=CHILD)
    first = circ.checkout(
        item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1, at=T0
    )
    r1 = circ.renew(
        item_barcode=item.barcode, card_number=patron.card_number, at=T0 + timedelta(days=10)
    )
    assert r1.due_at > first.due_at and r1.loan.renewals == 1
    circ.renew(item_barcode=item.barcode, at=T0 + timedelta(days=20))
    with pytest.raises(CirculationError) as err:
        circ.renew(item_barcode=item.barcode, at=T0 + timedelta(days=30))
    assert err.value.code == "renewal_limit"
    # With a hold waiting, even a first renewal is refused.
    item2 = make_item(net.a1)
    circ.checkout(item_barcode=item2.barcode, card_number=patron.card_number, branch=net.a1, at=T0)
    other = make_patron(net.org_a, birth_date=CHILD)
    circ.place_hold(card_number=other.card_number, record=item2.record, pickup_branch=net.a1, at=T0)
    with pytest.raises(CirculationError) as err:
        circ.renew(item_barcode=item2.barcode, at=T0 + timedelta(days=5))
    assert err.value.code == "hold_waiting"


def test_renew_refused_when_membership_expired(net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(net.a1)
    circ.checkout(
        item_barcode=item.barcode,
        card_number=patron.card_number,
        branch=net.a1,
        at=T0 + timedelta(days=360),
    )
    with pytest.raises(CirculationError) as err:
        circ.renew(item_barcode=item.barcode, at=T0 + timedelta(days=370))
    assert err.value.code == "membership_expired"


def test_renew_all_reports_each_loan(net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    items = [make_item(net.a1) for _ in range(2)]
    for it in items:
        circ.checkout(item_barcode=it.barcode, card_number=patron.card_number, branch=net.a1, at=T0)
    other = make_patron(net.org_a, birth_date=CHILD)
    circ.place_hold(
        card_number=other.card_number, record=items[1].record, pickup_branch=net.a1, at=T0
    )
    outcome = dict(circ.renew_all(card_number=patron.card_number, at=T0 + timedelta(days=5)))
    assert isinstance(outcome[items[0].barcode], circ.RenewResult)
    assert isinstance(outcome[items[1].barcode], CirculationError)


def test_cancel_ready_hold_frees_copy_for_next(net):
    record = make_record()
    item = make_item(net.a1, record)
    p1, p2 = make_patron(net.org_a, birth_date=CHILD), make_patron(net.org_a, birth_date=CHILD)
    h1 = circ.place_hold(
        card_number=p1.card_number, record=record, pickup_branch=net.a1, at=T0
    ).hold
    circ.checkin(item_barcode=item.barcode, branch=net.a1, at=T0)
    routing = circ.cancel_hold(h1.pk, card_number=p1.card_number, at=T0).routing
    assert routing.kind == "shelf" and status(item) == ItemStatus.AVAILABLE
    h2 = circ.place_hold(
        card_number=p2.card_number, record=record, pickup_branch=net.a1, at=T0
    ).hold
    circ.checkin(item_barcode=item.barcode, branch=net.a1, at=T0)
    assert status(h2) == HoldStatus.READY
    with pytest.raises(CirculationError):
        circ.cancel_hold(h2.pk, card_number=p1.card_number, at=T0)  # not theirs


def test_anonymise_is_idempotent_and_spares_opted_in(net):
    keeper = make_patron(net.org_a, birth_date=CHILD, keep_history=True)
    forgetter = make_patron(net.org_a)
    late_item, kept_item = make_item(net.a1), make_item(net.a1)
    r = circ.checkout(
        item_barcode=late_item.barcode, card_number=forgetter.card_number, branch=net.a1, at=T0
    )
    circ.checkout(
        item_barcode=kept_item.barcode, card_number=keeper.card_number, branch=net.a1, at=T0
    )
    # Returned late: the fine keeps the link for now.
    circ.checkin(item_barcode=late_item.barcode, branch=net.a1, at=r.due_at + timedelta(days=2))
    circ.checkin(item_barcode=kept_item.barcode, branch=net.a1, at=T0 + timedelta(days=2))
    assert Loan.objects.filter(patron=forgetter).count() == 1
    later = r.due_at + timedelta(days=60)
    assert circ.anonymise(at=later, retention_days=30) == 1
    assert circ.anonymise(at=later, retention_days=30) == 0
    assert Loan.objects.filter(patron=forgetter).count() == 0
    assert forgetter.ledger_lines.filter(loan__isnull=False).count() == 0
    assert forgetter.balance() == Decimal("0.50")  # the fine itself stays owed
    assert Loan.objects.filter(patron=keeper).count() == 1


def test_opting_out_forgets_history_at_once(net):
    patron = make_patron(net.org_a, birth_date=CHILD, keep_history=True)
    item = make_item(net.a1)
    circ.checkout(item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1, at=T0)
    circ.checkin(item_barcode=item.barcode, branch=net.a1, at=T0 + timedelta(days=1))
    assert circ.set_keep_history(patron, False) == 1
    assert not circ.reading_history(patron).exists()
    patron.refresh_from_db()
    assert not patron.keep_history


def test_youth_pays_no_dvd_hold_fee_or_fine(net):
    record = make_record(title="Nijntje de film")
    item = make_item(net.a1, record, item_type="dvd")
    child = make_patron(net.org_a, birth_date=CHILD)
    assert (
        circ.place_hold(
            card_number=child.card_number, record=record, pickup_branch=net.a1, at=T0
        ).fee
        == 0
    )
    circ.checkin(item_barcode=item.barcode, branch=net.a1, at=T0)
    loan = circ.checkout(
        item_barcode=item.barcode, card_number=child.card_number, branch=net.a1, at=T0
    )
    assert (
        circ.checkin(
            item_barcode=item.barcode, branch=net.a1, at=loan.due_at + timedelta(days=5)
        ).fine
        == 0
    )
    assert child.balance() == 0
    adult = make_patron(net.org_a)
    assert circ.place_hold(
        card_number=adult.card_number, record=record, pickup_branch=net.a1, at=T0
    ).fee == Decimal("1.00")


def test_expire_holds_at_one_branch_only(net):
    record = make_record()
    here, there = make_item(net.a1, record), make_item(net.a2, record)
    p1, p2 = make_patron(net.org_a, birth_date=CHILD), make_patron(net.org_a, birth_date=CHILD)
    circ.place_hold(card_number=p1.card_number, record=record, pickup_branch=net.a1, at=T0)
    circ.place_hold(card_number=p2.card_number, record=record, pickup_branch=net.a2, at=T0)
    circ.checkin(item_barcode=here.barcode, branch=net.a1, at=T0)
    circ.checkin(item_barcode=there.barcode, branch=net.a2, at=T0)
    assert len(circ.expire_holds(at=T0 + timedelta(days=10), branch=net.a1)) == 1
    assert Hold.objects.get(patron=p2).status == HoldStatus.READY  # the other shelf untouched
