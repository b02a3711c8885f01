"""Property tests (hypothesis) over random sequences of circulation actions on a small network:
three branches of two organisations, two titles with four copies, four members.

1. Holds (issue 11, item 3): no waiting hold is ever left unserved while a copy that could fill
   it stands free on a shelf, and no checkout lends a wanted copy to a member who is not at the
   head of its queue.
2. Transits (issue 11, item 4): after every action the item's status, location, loans, holds and
   transits agree; a copy scanned in anywhere is, from then on, where it was scanned.

Each example runs in a transaction that is rolled back, so examples start from the same data."""

import contextlib
import os
from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clb.catalogue.models import Item
from clb.circulation import services as circ
from clb.circulation.models import ACTIVE_HOLD, Hold, HoldStatus
from clb.errors import DomainError
from tests.factories import T0, make_item, make_patron, make_record

from .invariants import assert_consistent, assert_no_hold_left_waiting_beside_a_free_copy

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("CLB_PROPERTY_EXAMPLES", "30"))
CHILD = date(2014, 6, 1)  # youth: no fees, so no fee blocks get in the way of the sequence


class _Rollback(Exception):
    pass


@pytest.fixture
def world(net):
    records = [make_record(title="Het diner"), make_record(title="Tirza")]
    items = [
        make_item(net.a1, records[0]),
        make_item(net.a2, records[0]),
        make_item(net.b1, records[0]),
        make_item(net.a1, records[1]),
    ]
    patrons = [make_patron(net.org_a, birth_date=CHILD) for _ in range(3)]
    patrons.append(make_patron(net.org_b, birth_date=CHILD, postcode="3811 AB"))
    return {
        "records": records,
        "barcodes": [i.barcode for i in items],
        "cards": [p.card_number for p in patrons],
        "branches": [net.a1, net.a2, net.b1],
    }


def actions(world):
    n_cards, n_items, n_branches = len(world["cards"]), len(world["barcodes"]), 3
    card = st.integers(0, n_cards - 1)
    copy = st.integers(0, n_items - 1)
    branch = st.integers(0, n_branches - 1)
    return st.one_of(
        st.tuples(st.just("hold"), card, st.integers(0, 1), branch, st.booleans(), copy),
        st.tuples(st.just("checkout"), card, copy, st.booleans()),
        st.tuples(st.just("checkin"), copy, branch),
        st.tuples(st.just("cancel"), card, st.integers(0, 1)),
        st.tuples(st.just("send"), branch),
        st.tuples(st.just("days"), st.integers(1, 9)),
    )


def _allowed_to_borrow(item: Item, card: str, at) -> bool:
    """Whether the queue lets this member have this copy: it is captured for their hold, or it
    is captured for nobody and their hold is the first this copy can fill (or none waits)."""
    captured = Hold.objects.filter(
        captured_item=item, status__in=[HoldStatus.IN_TRANSIT, HoldStatus.READY]
    ).first()
    if captured is not None:
        return captured.patron.card_number == card
    today = (at).date()
    fillable = [h for h in circ.waiting_holds_for(item) if h.pickup_branch.is_open_on(today)]
    return not fillable or fillable[0].patron.card_number == card


def _step(world, action, at):
    kind = action[0]
    if kind == "hold":
        _, c, r, b, item_level, i = action
        circ.place_hold(
            card_number=world["cards"][c],
            pickup_branch=world["branches"][b],
            record=None if item_level else world["records"][r],
            item_barcode=world["barcodes"][i] if item_level else None,
            at=at,
        )
    elif kind == "checkout":
        _, c, i, here = action
        item = Item.objects.select_related("current_branch").get(barcode=world["barcodes"][i])
        card = world["cards"][c]
        branch = item.current_branch if here else world["branches"][(i + c) % 3]
        may = _allowed_to_borrow(item, card, at)
        result = circ.checkout(item_barcode=item.barcode, card_number=card, branch=branch, at=at)
        assert may, f"{item.barcode} went to a member not at the head of the queue"
        assert result.loan.branch == item.current_branch  # lent only where it is
    elif kind == "checkin":
        _, i, b = action
        branch = world["branches"][b]
        circ.checkin(item_barcode=world["barcodes"][i], branch=branch, at=at)
        item = Item.objects.get(barcode=world["barcodes"][i])
        assert item.current_branch_id == branch.pk, "a scanned copy is where it was scanned"
    elif kind == "cancel":
        _, c, r = action
        hold = Hold.objects.filter(
            patron__card_number=world["cards"][c],
            record=world["records"][r],
            status__in=ACTIVE_HOLD,
        ).first()
        if hold is not None:
            circ.cancel_hold(hold.pk, at=at)
    elif kind == "send":
        ids = list(circ.transits_to_send(world["branches"][action[1]]).values_list("id", flat=True))
        circ.send_transits(ids, branch=world["branches"][action[1]], at=at)
    elif kind == "days":
        circ.expire_holds(at=at)


def _run(world, sequence):
    at = T0 + timedelta(days=1)
    try:
        with transaction.atomic():
            for action in sequence:
                at += timedelta(days=action[1]) if action[0] == "days" else timedelta(minutes=7)
                # Refusals are part of the traffic; they must leave nothing behind.
                with contextlib.suppress(DomainError):
                    _step(world, action, at)
                assert_consistent()
                assert_no_hold_left_waiting_beside_a_free_copy(at)
            raise _Rollback
    except _Rollback:
        pass


PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(data=st.data())
def test_random_traffic_never_passes_over_a_waiting_hold(world, data):
    sequence = data.draw(st.lists(actions(world), min_size=1, max_size=18))
    _run(world, sequence)


@PROPERTY
@given(data=st.data())
def test_random_returns_anywhere_keep_location_and_transit_in_agreement(world, data):
    """Mostly returns at random branches and sends, the traffic that makes copies travel."""
    travel = st.one_of(
        st.tuples(st.just("checkin"), st.integers(0, 3), st.integers(0, 2)),
        st.tuples(st.just("send"), st.integers(0, 2)),
        actions(world),
    )
    sequence = data.draw(st.lists(travel, min_size=1, max_size=18))
    _run(world, sequence)
