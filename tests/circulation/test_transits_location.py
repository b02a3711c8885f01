"""Transits (issue 11, item 4): a copy in transit scanned at a third branch is forwarded from
there and CLB says it is there; the transits page's bulk send and receive."""

from datetime import date, timedelta

import pytest

from clb.catalogue.models import ItemStatus
from clb.circulation import services as circ
from clb.circulation.errors import CirculationError
from clb.circulation.models import Transit
from tests.factories import T0, make_item, make_patron

from .invariants import assert_consistent

pytestmark = pytest.mark.django_db
CHILD = date(2014, 6, 1)


def test_a_copy_forwarded_from_a_third_branch_is_at_that_branch(net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(net.a1)
    circ.checkout(item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1, at=T0)
    circ.checkin(item_barcode=item.barcode, branch=net.b1, at=T0 + timedelta(days=2))
    circ.send_transits(
        list(circ.transits_to_send(net.b1).values_list("id", flat=True)),
        branch=net.b1,
        at=T0 + timedelta(days=2, hours=1),
    )
    # The van drops it at the wrong branch of the home organisation.
    result = circ.checkin(item_barcode=item.barcode, branch=net.a2, at=T0 + timedelta(days=3))
    assert result.routing.kind == "transit" and result.routing.destination == net.a1
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_TRANSIT and item.current_branch == net.a2
    transit = Transit.objects.get(received_at__isnull=True)
    assert transit.from_branch == net.a2 and transit.to_branch == net.a1
    assert transit.sent_at is None  # to be sent again, from here
    assert list(circ.transits_to_send(net.a2)) == [transit]
    assert not circ.transits_to_send(net.b1).exists()
    assert_consistent()
    circ.checkin(item_barcode=item.barcode, branch=net.a1, at=T0 + timedelta(days=4))
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE and item.current_branch == net.a1


def _returned_at_b1(net, n):
    """n copies of org A, borrowed at A and returned at org B's branch: in transit home."""
    patron = make_patron(net.org_a, birth_date=CHILD)
    items = [make_item(net.a1) for _ in range(n)]
    for it in items:
        circ.checkout(item_barcode=it.barcode, card_number=patron.card_number, branch=net.a1, at=T0)
        circ.checkin(item_barcode=it.barcode, branch=net.b1, at=T0 + timedelta(days=1))
    return items


def test_send_and_receive_many_at_once(net):
    _returned_at_b1(net, 3)
    ids = list(circ.transits_to_send(net.b1).values_list("id", flat=True))
    assert circ.send_transits(ids[:2], branch=net.b1, at=T0 + timedelta(days=1, hours=2)) == 2
    assert [t.pk for t in circ.transits_to_send(net.b1)] == ids[2:]
    # Sending is for the branch the transits leave from.
    with pytest.raises(CirculationError):
        circ.send_transits(ids[2:], branch=net.a1, at=T0 + timedelta(days=1, hours=2))
    outcome = circ.receive_transits(ids, branch=net.a1, at=T0 + timedelta(days=2))
    assert [r.routing.kind for _t, r in outcome] == ["shelf"] * 3
    assert not circ.transits_to_receive(net.a1).exists()
    assert_consistent()


def test_receiving_many_reports_each_and_keeps_going(net):
    items = _returned_at_b1(net, 2)
    ids = list(Transit.objects.order_by("id").values_list("id", flat=True))
    circ.set_item_status(item_barcode=items[0].barcode, status=ItemStatus.MISSING)
    outcome = dict(circ.receive_transits(ids + [999999], branch=net.a1, at=T0 + timedelta(days=2)))
    assert isinstance(outcome[999999], CirculationError)
    assert isinstance(outcome[ids[0]], CirculationError)  # reported missing: no transit now
    assert outcome[ids[1]].routing.kind == "shelf"
