"""The questions asked of loans and holds in many places have one answer each, on their
querysets: open and returned loans; active, waiting, captured and ready holds."""

from datetime import timedelta

import pytest

from clb.circulation import services as circ
from clb.circulation.models import Hold, HoldStatus, Loan
from tests.factories import T0, make_item, make_patron, make_record

pytestmark = pytest.mark.django_db


def test_open_and_returned_loans(net):
    patron = make_patron(net.org_a)
    kept, back = make_item(net.a1), make_item(net.a1)
    for item in (kept, back):
        circ.checkout(item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1,
                      at=T0)  # fmt: skip
    circ.checkin(item_barcode=back.barcode, branch=net.a1, at=T0 + timedelta(days=1))
    assert [loan.item for loan in Loan.objects.open()] == [kept]
    assert [loan.item for loan in patron.loans.open()] == [kept]  # on related managers too
    assert [loan.item for loan in Loan.objects.returned()] == [back]


def test_hold_states_by_question(net):
    record = make_record()
    copy = make_item(net.a1, record)
    first, second = make_patron(net.org_a), make_patron(net.org_a)
    ready = circ.place_hold(card_number=first.card_number, record=record, pickup_branch=net.a1,
                            at=T0).hold  # fmt: skip
    waiting = circ.place_hold(card_number=second.card_number, record=record,
                              pickup_branch=net.a1, at=T0 + timedelta(minutes=1)).hold  # fmt: skip
    circ.checkin(item_barcode=copy.barcode, branch=net.a1, at=T0 + timedelta(minutes=2))
    ready.refresh_from_db()
    assert ready.status == HoldStatus.READY
    assert list(Hold.objects.ready_for(copy)) == [ready]
    assert list(Hold.objects.captured(copy)) == [ready]
    assert list(Hold.objects.waiting()) == [waiting]
    assert set(Hold.objects.active()) == {ready, waiting}
    circ.cancel_hold(ready.pk, at=T0 + timedelta(minutes=3))
    assert list(Hold.objects.active()) == [Hold.objects.get(pk=waiting.pk)]
    assert not Hold.objects.ready_for(copy).filter(pk=ready.pk).exists()
