"""The checkout path's hand-written reads (circulation.services) build the same objects the ORM
builds — same values, same Python types on both databases — and a checkout and a checkin send no
more statements than they do today (bench/circulation.py measures what each one costs)."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from clb.catalogue.models import Item
from clb.circulation import services as circ
from clb.circulation.models import Hold, Loan
from clb.members.models import Patron
from tests.factories import T0, make_item, make_patron, make_record

pytestmark = pytest.mark.django_db


def values(obj) -> dict:
    """Every column's value with its type, so a naive datetime or a float for a Decimal shows."""
    return {
        f.attname: (getattr(obj, f.attname), type(getattr(obj, f.attname)))
        for f in obj._meta.concrete_fields
    }


def test_the_locked_reads_build_what_the_orm_builds(net):
    with_place = make_patron(net.org_a)
    without_place = make_patron(net.org_a)
    Patron.objects.filter(pk=without_place.pk).update(municipality=None)
    for patron in (with_place, without_place):
        item = make_item(net.a1)
        circ.checkout(
            item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1, at=T0
        )
        with transaction.atomic():
            locked, member = circ._lock_item_and_patron(f" {item.barcode} ", patron.card_number)
            loan = circ._open_loan(locked)
        orm_item = Item.objects.select_related("item_type", "organisation").get(pk=item.pk)
        orm_patron = Patron.objects.select_related("municipality").get(pk=patron.pk)
        orm_loan = Loan.objects.select_related("patron__municipality").get(item=item)
        assert values(locked) == values(orm_item)
        assert values(locked.item_type) == values(orm_item.item_type)
        assert values(locked.organisation) == values(orm_item.organisation)
        assert values(circ._lock_item(item.barcode)) == values(orm_item)
        for read in (member, loan.patron):
            assert values(read) == values(orm_patron)
            if orm_patron.municipality is None:
                assert read.municipality is None
            else:
                assert values(read.municipality) == values(orm_patron.municipality)
        assert values(loan) == values(orm_loan)
        assert not locked._state.adding and locked._state.db == "default"


def test_a_checkout_with_an_unknown_card_or_copy_still_names_the_unknown_one(net):
    patron = make_patron(net.org_a)
    item = make_item(net.a1)
    with pytest.raises(Exception) as err:
        circ._lock_item_and_patron("nope", patron.card_number)
    assert err.value.field == "item_barcode"
    with pytest.raises(Exception) as err:
        circ._lock_item_and_patron(item.barcode, "29999")
    assert err.value.field == "card_number"


def test_the_holds_on_a_copy_are_the_orm_queue_in_one_read(net):
    """Title- and item-level holds, one at a closed pickup point, one captured for the copy."""
    record = make_record()
    copy, other = make_item(net.a1, record), make_item(net.a2, record)
    waiting = [make_patron(net.org_a) for _ in range(4)]
    circ.checkout(
        item_barcode=copy.barcode, card_number=waiting[0].card_number, branch=net.a1, at=T0
    )
    circ.checkout(
        item_barcode=other.barcode, card_number=waiting[0].card_number, branch=net.a2, at=T0
    )
    circ.place_hold(card_number=waiting[1].card_number, pickup_branch=net.a1, record=record, at=T0)
    circ.place_hold(
        card_number=waiting[2].card_number, pickup_branch=net.a2, item_barcode=other.barcode, at=T0
    )
    circ.place_hold(card_number=waiting[3].card_number, pickup_branch=net.a2, record=record, at=T0)
    net.a2.closed_on = T0.date() + timedelta(days=2)
    net.a2.save()

    def orm(item, at):
        day = at.date()
        open_pickup = Q(pickup_branch__closed_on__isnull=True) | Q(pickup_branch__closed_on__gt=day)
        queue = list(circ.waiting_holds_for(item).filter(open_pickup))
        return Hold.objects.captured(item).exists(), [values(h) for h in queue]

    for at in (T0, T0 + timedelta(days=5)):  # before and after the pickup point closed
        for item in (copy, other):
            item.refresh_from_db()
            captured, queue = circ._holds_on(item, at)
            assert (captured, [values(h) for h in queue]) == orm(item, at)
            assert circ._holds_on(item, at, limit=1)[1] == queue[:1]
    # The copy comes back and is captured for the first waiting hold: now it counts as captured.
    circ.checkin(item_barcode=copy.barcode, branch=net.a1, at=T0 + timedelta(days=1))
    copy.refresh_from_db()
    captured, queue = circ._holds_on(copy, T0 + timedelta(days=1))
    assert captured and orm(copy, T0 + timedelta(days=1)) == (True, [values(h) for h in queue])


def statements(queries) -> list[str]:
    """What the action sent, without the transaction's own bookkeeping."""
    skip = ("BEGIN", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
    return [q["sql"] for q in queries if not q["sql"].startswith(skip)]


def test_a_checkout_is_twelve_statements_and_a_checkin_eight(net):
    """The locks and reads of a checkout were 9 statements and are 7 (the copy and the member in
    one, the holds on the copy in one); the writes are the loan, the copy and the event with its
    two tallies."""
    patron = make_patron(net.org_a)
    item = make_item(net.a1)
    with CaptureQueriesContext(connection) as out:
        circ.checkout(
            item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1, at=T0
        )
    assert len(statements(out.captured_queries)) == 12, statements(out.captured_queries)
    with CaptureQueriesContext(connection) as back:
        circ.checkin(item_barcode=item.barcode, branch=net.a1, at=T0 + timedelta(days=3))
    assert len(statements(back.captured_queries)) == 8, statements(back.captured_queries)
