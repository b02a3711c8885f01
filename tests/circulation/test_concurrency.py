"""Invariants under real concurrency: threads with their own database connections."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from clb.catalogue.models import ItemStatus
from clb.circulation import services as circ
from clb.circulation.models import Hold, HoldStatus, Loan
from clb.errors import DomainError
from tests.factories import T0, make_item, make_patron, make_record

N = 8
CHILD = date(2014, 6, 1)


def run_together(fn, args):
    barrier = threading.Barrier(len(args))

    def worker(arg):
        barrier.wait()
        try:
            return fn(arg)
        except DomainError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(len(args)) as pool:
        return list(pool.map(worker, args))


@pytest.mark.django_db(transaction=True)
def test_concurrent_checkouts_of_one_item_make_exactly_one_loan(net):
    item = make_item(net.a1)
    patrons = [make_patron(net.org_a, birth_date=CHILD) for _ in range(N)]
    results = run_together(
        lambda p: circ.checkout(
            item_barcode=item.barcode, card_number=p.card_number, branch=net.a1, at=T0
        ),
        patrons,
    )
    loans = [r for r in results if isinstance(r, circ.CheckoutResult)]
    assert len(loans) == 1, results
    assert set(r for r in results if isinstance(r, str)) <= {"on_loan"}
    assert Loan.objects.filter(item=item, returned_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_checkins_of_copies_capture_one_waiting_hold(net):
    record = make_record()
    copies = [make_item(net.a1, record) for _ in range(N)]
    borrowers = [make_patron(net.org_a, birth_date=CHILD) for _ in range(N)]
    for item, patron in zip(copies, borrowers, strict=True):
        circ.checkout(
            item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1, at=T0
        )
    waiting = make_patron(net.org_a, birth_date=CHILD)
    circ.place_hold(card_number=waiting.card_number, record=record, pickup_branch=net.a1, at=T0)
    results = run_together(
        lambda it: circ.checkin(item_barcode=it.barcode, branch=net.a1, at=T0 + timedelta(days=1)),
        copies,
    )
    kinds = sorted(r.routing.kind for r in results)
    assert kinds == ["hold_shelf"] + ["shelf"] * (N - 1), results
    hold = Hold.objects.get()
    assert hold.status == HoldStatus.READY
    statuses = [ItemStatus(s) for s in (type(c).objects.get(pk=c.pk).status for c in copies)]
    assert statuses.count(ItemStatus.ON_HOLD_SHELF) == 1
    assert hold.captured_item.status == ItemStatus.ON_HOLD_SHELF


@pytest.mark.django_db
def test_database_refuses_second_open_loan_even_without_services(net):
    item = make_item(net.a1)
    patron = make_patron(net.org_a, birth_date=CHILD)
    values = dict(
        item=item,
        patron=patron,
        organisation=net.org_a,
        branch=net.a1,
        patron_category="youth",
        checked_out_at=T0,
        due_at=T0 + timedelta(days=21),
    )
    Loan.objects.create(**values)
    with pytest.raises(IntegrityError), transaction.atomic():
        Loan.objects.create(**values)


@pytest.mark.django_db
def test_database_refuses_one_copy_serving_two_holds(net):
    record = make_record()
    item = make_item(net.a1, record)
    p1, p2 = make_patron(net.org_a, birth_date=CHILD), make_patron(net.org_a, birth_date=CHILD)
    common = dict(
        record=record,
        pickup_branch=net.a1,
        placed_at=T0,
        status=HoldStatus.READY,
        captured_item=item,
    )
    Hold.objects.create(patron=p1, **common)
    with pytest.raises(IntegrityError), transaction.atomic():
        Hold.objects.create(patron=p2, **common)
