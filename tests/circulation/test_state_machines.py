"""Both state machines of circulation, every pair of states: an allowed transition is stored, a
refused one raises bad_transition and leaves the row as it was. The expected answers are written
out here, not read from the tables they test."""

import itertools

import pytest

from clb.catalogue.models import Item, ItemStatus
from clb.circulation import state
from clb.circulation.errors import CirculationError, Code
from clb.circulation.models import CAPTURED_HOLD, Hold, HoldStatus
from tests.factories import T0, make_item, make_patron

pytestmark = pytest.mark.django_db

I = ItemStatus  # noqa: E741
ITEM_MOVES = {
    (I.AVAILABLE, I.ON_LOAN), (I.AVAILABLE, I.ON_HOLD_SHELF), (I.AVAILABLE, I.IN_TRANSIT),
    (I.AVAILABLE, I.MISSING), (I.AVAILABLE, I.WITHDRAWN), (I.AVAILABLE, I.IN_REPAIR),
    (I.AVAILABLE, I.LOST),
    (I.ON_LOAN, I.AVAILABLE), (I.ON_LOAN, I.ON_HOLD_SHELF), (I.ON_LOAN, I.IN_TRANSIT),
    (I.ON_LOAN, I.LOST), (I.ON_LOAN, I.CLAIMED_RETURNED),
    (I.ON_HOLD_SHELF, I.ON_LOAN), (I.ON_HOLD_SHELF, I.AVAILABLE),
    (I.ON_HOLD_SHELF, I.IN_TRANSIT), (I.ON_HOLD_SHELF, I.MISSING),
    (I.IN_TRANSIT, I.AVAILABLE), (I.IN_TRANSIT, I.ON_HOLD_SHELF), (I.IN_TRANSIT, I.ON_LOAN),
    (I.IN_TRANSIT, I.MISSING),
    (I.LOST, I.AVAILABLE), (I.LOST, I.ON_HOLD_SHELF), (I.LOST, I.IN_TRANSIT),
    (I.LOST, I.WITHDRAWN),
    (I.CLAIMED_RETURNED, I.AVAILABLE), (I.CLAIMED_RETURNED, I.ON_HOLD_SHELF),
    (I.CLAIMED_RETURNED, I.IN_TRANSIT), (I.CLAIMED_RETURNED, I.LOST),
    (I.CLAIMED_RETURNED, I.MISSING),
    (I.MISSING, I.AVAILABLE), (I.MISSING, I.ON_HOLD_SHELF), (I.MISSING, I.IN_TRANSIT),
    (I.MISSING, I.WITHDRAWN),
    (I.IN_REPAIR, I.AVAILABLE), (I.IN_REPAIR, I.WITHDRAWN),
}  # fmt: skip

H = HoldStatus
HOLD_MOVES = {
    (H.WAITING, H.IN_TRANSIT), (H.WAITING, H.FULFILLED), (H.WAITING, H.CANCELLED),
    (H.IN_TRANSIT, H.READY), (H.IN_TRANSIT, H.WAITING), (H.IN_TRANSIT, H.FULFILLED),
    (H.IN_TRANSIT, H.CANCELLED),
    (H.READY, H.IN_TRANSIT), (H.READY, H.WAITING), (H.READY, H.FULFILLED),
    (H.READY, H.CANCELLED), (H.READY, H.EXPIRED),
}  # fmt: skip


def test_the_tables_name_every_state():
    assert set(state.ALLOWED) == set(ItemStatus)
    assert set(state.HOLD_ALLOWED) == set(HoldStatus)


def test_every_item_transition(net):
    item = make_item(net.a1)
    for old, new in itertools.product(ItemStatus, ItemStatus):
        Item.objects.filter(pk=item.pk).update(status=old, current_branch=net.a1)
        item.refresh_from_db()
        if (old, new) in ITEM_MOVES or old == new:
            state.move(item, new, branch=net.a2)
            item.refresh_from_db()
            assert (item.status, item.current_branch) == (new, net.a2), (old, new)
        else:
            with pytest.raises(CirculationError) as refused:
                state.move(item, new, branch=net.a2)
            assert refused.value.code == Code.BAD_TRANSITION, (old, new)
            item.refresh_from_db()
            assert (item.status, item.current_branch) == (old, net.a1), (old, new)


def _fields_for(status, copy):
    """What a hold in this state holds (the database's constraints ask for it)."""
    return {"captured_item": copy if status in CAPTURED_HOLD else None}


@pytest.mark.parametrize("locked", [True, False], ids=["move_hold", "claim_hold"])
def test_every_hold_transition(net, locked):
    copy = make_item(net.a1)
    hold = Hold.objects.create(
        patron=make_patron(net.org_a), record=copy.record, pickup_branch=net.a1, placed_at=T0
    )
    change = state.move_hold if locked else state.claim_hold
    for old, new in itertools.product(HoldStatus, HoldStatus):
        Hold.objects.filter(pk=hold.pk).update(status=old, closed_at=None, **_fields_for(old, copy))
        hold.refresh_from_db()
        if (old, new) in HOLD_MOVES or old == new:
            assert change(hold, new, closed_at=T0, **_fields_for(new, copy)) in (None, True)
            hold.refresh_from_db()
            assert (hold.status, hold.closed_at) == (new, T0), (old, new)
        else:
            with pytest.raises(CirculationError) as refused:
                change(hold, new, closed_at=T0, **_fields_for(new, copy))
            assert refused.value.code == Code.BAD_TRANSITION, (old, new)
            hold.refresh_from_db()
            assert (hold.status, hold.closed_at) == (old, None), (old, new)


def test_a_claim_loses_to_whoever_changed_the_hold_first(net):
    copy, other = make_item(net.a1), make_item(net.a1)
    hold = Hold.objects.create(
        patron=make_patron(net.org_a), record=copy.record, pickup_branch=net.a1, placed_at=T0
    )
    seen = Hold.objects.get(pk=hold.pk)  # read while it waits
    assert state.claim_hold(hold, HoldStatus.IN_TRANSIT, captured_item=copy, captured_at=T0)
    assert not state.claim_hold(seen, HoldStatus.IN_TRANSIT, captured_item=other, captured_at=T0)
    assert (seen.status, seen.captured_item) == (HoldStatus.WAITING, None)  # left as it was
    hold.refresh_from_db()
    assert hold.captured_item == copy


def test_every_pair_is_decided():
    """The expected sets above only hold pairs of real states."""
    for pairs, states in ((ITEM_MOVES, ItemStatus), (HOLD_MOVES, HoldStatus)):
        assert pairs <= set(itertools.product(states, states))
