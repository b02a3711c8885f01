"""A copy needed for a hold goes to that hold (issue 11, item 3): a copy on a shelf is set aside
for a new hold at once (FOLIO's paging), checkout never lends a wanted copy to anyone but the
member at the head of the queue, and a staff override lends it anyway, releasing the capture."""

from datetime import date, timedelta

import pytest

from clb.catalogue.models import ItemStatus
from clb.circulation import services as circ
from clb.circulation.errors import CirculationError
from clb.circulation.models import Hold, HoldStatus, Loan, Transit
from tests.factories import T0, make_item, make_patron, make_record

from .invariants import assert_consistent

pytestmark = pytest.mark.django_db
CHILD = date(2014, 6, 1)


def fresh(obj):
    obj.refresh_from_db()
    return obj


def children(org, n, **kw):
    return [make_patron(org, birth_date=CHILD, **kw) for _ in range(n)]


def test_a_new_hold_sets_aside_a_copy_standing_on_a_shelf(net):
    record = make_record(title="Het diner")
    copy = make_item(net.b1, record)  # another organisation's copy on its own shelf
    [waiting] = children(net.org_a, 1)
    hold = circ.place_hold(
        card_number=waiting.card_number, record=record, pickup_branch=net.a1, at=T0
    ).hold
    assert fresh(copy).status == ItemStatus.IN_TRANSIT and copy.current_branch == net.b1
    transit = Transit.objects.get(item=copy, received_at__isnull=True)
    assert (transit.from_branch, transit.to_branch, transit.hold) == (net.b1, net.a1, hold)
    assert fresh(hold).status == HoldStatus.IN_TRANSIT and hold.captured_item == copy
    # The owning branch sees it on its pull list (with the copy to fetch) and in its transits.
    assert [(h.pk, h.captured_item_id) for h in circ.pull_list(net.b1)] == [(hold.pk, copy.pk)]
    assert list(circ.transits_to_send(net.b1)) == [transit]
    assert_consistent()


def test_the_copy_is_not_lent_to_another_member_even_at_its_own_desk(net):
    """The bug as found: the only copy of a title with a waiting title-level hold, belonging to
    another organisation, was checked out to someone else."""
    record = make_record(title="Het diner")
    copy = make_item(net.b1, record)
    [waiting] = children(net.org_a, 1)
    [walk_in] = children(net.org_b, 1, postcode="3811 AB")
    # A hold placed before CLB set copies aside: waiting while the copy stands on the shelf.
    legacy = Hold.objects.create(patron=waiting, record=record, pickup_branch=net.a1, placed_at=T0)
    with pytest.raises(CirculationError) as err:
        circ.checkout(
            item_barcode=copy.barcode, card_number=walk_in.card_number, branch=net.b1, at=T0
        )
    assert err.value.code == "needed_for_hold"
    assert not Loan.objects.exists()
    assert fresh(legacy).status == HoldStatus.WAITING


def test_a_member_further_down_the_queue_is_refused_the_head_is_served(net):
    record = make_record(title="Tirza")
    copy = make_item(net.a1, record)
    first, second = children(net.org_a, 2)
    h1 = Hold.objects.create(patron=first, record=record, pickup_branch=net.a2, placed_at=T0)
    h2 = Hold.objects.create(
        patron=second, record=record, pickup_branch=net.a1, placed_at=T0 + timedelta(minutes=1)
    )
    with pytest.raises(CirculationError) as err:
        circ.checkout(item_barcode=copy.barcode, card_number=second.card_number, branch=net.a1)
    assert err.value.code == "needed_for_hold"
    assert fresh(h2).status == HoldStatus.WAITING
    done = circ.checkout(item_barcode=copy.barcode, card_number=first.card_number, branch=net.a1)
    assert done.hold_fulfilled.pk == h1.pk and fresh(h1).status == HoldStatus.FULFILLED


def test_the_holder_may_take_the_copy_set_aside_for_them_from_the_shelf(net):
    record = make_record()
    copy = make_item(net.a2, record)
    [holder] = children(net.org_a, 1)
    hold = circ.place_hold(
        card_number=holder.card_number, record=record, pickup_branch=net.a1, at=T0
    ).hold
    result = circ.checkout(
        item_barcode=copy.barcode,
        card_number=holder.card_number,
        branch=net.a2,
        at=T0 + timedelta(hours=1),
    )
    assert result.hold_fulfilled.pk == hold.pk
    assert fresh(copy).status == ItemStatus.ON_LOAN
    assert not Transit.objects.filter(received_at__isnull=True).exists()
    assert_consistent()


def test_a_copy_set_aside_for_a_hold_refuses_others_until_overridden(net):
    record = make_record(title="Het diner")
    copy, spare = make_item(net.a1, record), make_item(net.a2, record)
    circ.checkout(
        item_barcode=spare.barcode,
        card_number=children(net.org_a, 1)[0].card_number,
        branch=net.a2,
        at=T0,
    )
    [holder, other] = children(net.org_a, 2)
    hold = circ.place_hold(
        card_number=holder.card_number, record=record, pickup_branch=net.a1, at=T0
    ).hold
    assert fresh(hold).captured_item == copy
    with pytest.raises(CirculationError) as err:
        circ.checkout(item_barcode=copy.barcode, card_number=other.card_number, branch=net.a1)
    assert err.value.code == "needed_for_hold" and "Het diner" in str(err.value)
    # The desk overrides: lent, the hold waits again (first in line), nothing else is lost.
    lent = circ.checkout(
        item_barcode=copy.barcode,
        card_number=other.card_number,
        branch=net.a1,
        override_hold=True,
        at=T0 + timedelta(minutes=5),
    )
    assert lent.overridden == [hold]
    assert fresh(hold).status == HoldStatus.WAITING and hold.captured_item is None
    assert circ.queue_position(hold) == 1
    assert_consistent()
    # The other copy comes back: it is captured for the hold that was passed over.
    back = circ.checkin(item_barcode=spare.barcode, branch=net.a2, at=T0 + timedelta(days=2))
    assert back.routing.kind == "transit" and back.routing.hold.pk == hold.pk
    assert_consistent()


def test_override_of_a_copy_ready_on_the_hold_shelf_puts_the_hold_back_in_line(net):
    record = make_record()
    copy = make_item(net.a1, record)
    [holder, other] = children(net.org_a, 2)
    hold = circ.place_hold(
        card_number=holder.card_number, record=record, pickup_branch=net.a1, at=T0
    ).hold
    circ.checkin(item_barcode=copy.barcode, branch=net.a1, at=T0)  # pulled: to the hold shelf
    assert fresh(hold).status == HoldStatus.READY
    with pytest.raises(CirculationError) as err:
        circ.checkout(item_barcode=copy.barcode, card_number=other.card_number, branch=net.a1)
    assert err.value.code == "held_for_other"
    circ.checkout(
        item_barcode=copy.barcode, card_number=other.card_number, branch=net.a1, override_hold=True
    )
    assert fresh(hold).status == HoldStatus.WAITING and hold.ready_at is None
    assert_consistent()


def test_cancelling_a_hold_whose_copy_was_set_aside_frees_it_for_the_next(net):
    record = make_record()
    copy = make_item(net.a1, record)
    [first, second] = children(net.org_a, 2)
    h1 = circ.place_hold(card_number=first.card_number, record=record, pickup_branch=net.a1, at=T0)
    h2 = circ.place_hold(
        card_number=second.card_number,
        record=record,
        pickup_branch=net.a2,
        at=T0 + timedelta(minutes=1),
    )
    assert fresh(h1.hold).status == HoldStatus.IN_TRANSIT
    circ.cancel_hold(h1.hold.pk, at=T0 + timedelta(minutes=2))
    assert fresh(h2.hold).status == HoldStatus.IN_TRANSIT and h2.hold.captured_item == copy
    transit = Transit.objects.get(received_at__isnull=True)
    assert transit.to_branch == net.a2 and transit.hold == h2.hold
    assert_consistent()


def test_a_copy_back_from_repair_serves_a_waiting_hold(net):
    record = make_record()
    copy = make_item(net.a1, record)
    circ.set_item_status(item_barcode=copy.barcode, status=ItemStatus.IN_REPAIR)
    [holder] = children(net.org_a, 1)
    hold = circ.place_hold(
        card_number=holder.card_number, record=record, pickup_branch=net.a1, at=T0
    ).hold
    assert fresh(hold).status == HoldStatus.WAITING
    circ.set_item_status(item_barcode=copy.barcode, status=ItemStatus.AVAILABLE, at=T0)
    assert fresh(hold).status == HoldStatus.IN_TRANSIT and hold.captured_item == copy
    assert_consistent()
