"""When an action happened. Online, the moment is read after the action holds its locks, so a
copy's history is in the order the actions really took (a return waiting for a checkout's lock
is never dated before that checkout). Offline ("store and forward": a kiosk did it while CLB was
unreachable and reports it afterwards) the reported moment is used, but only one that can be
true: not in the future, not older than the offline window, not before the copy's last loan
began or ended."""

import threading
from datetime import date, datetime, timedelta

import pytest
from django.db import connection, transaction

from clb.catalogue.models import Item, ItemStatus
from clb.circulation import services as circ
from clb.circulation.models import Loan
from clb.errors import DomainError
from clb.statistics.models import CirculationEvent
from tests.factories import AMS, T0, make_item, make_patron

CHILD = date(2014, 6, 1)
NOW = T0 + timedelta(days=30)


@pytest.fixture
def borrowed(net):
    """A copy on loan since T0."""
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(net.a1)
    circ.checkout(item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1, at=T0)
    item.patron = patron
    return item


def offline_checkin(item, net, done_at):
    return circ.record_offline(
        circ.checkin, item_barcode=item.barcode, done_at=done_at, now=NOW, branch=net.a1
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "done_at, reason",
    [
        (datetime(1900, 1, 1, tzinfo=AMS), "ouder dan 14 dagen"),
        (NOW + timedelta(minutes=5), "ligt in de toekomst"),
        (None, "ongeldige datum"),
    ],
)
def test_an_offline_date_that_cannot_be_true_is_refused_with_a_reason(
    net, borrowed, done_at, reason
):
    with pytest.raises(DomainError) as refused:
        offline_checkin(borrowed, net, done_at)
    assert refused.value.code == "offline_date" and reason in str(refused.value)
    loan = Loan.objects.get(item=borrowed)
    assert loan.returned_at is None  # nothing written
    assert not CirculationEvent.objects.filter(action="checkin").exists()


@pytest.mark.django_db
def test_an_offline_return_before_the_checkout_is_refused(net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(net.a1)
    circ.checkout(
        item_barcode=item.barcode,
        card_number=patron.card_number,
        branch=net.a1,
        at=NOW - timedelta(days=2),
    )
    with pytest.raises(DomainError) as refused:
        offline_checkin(item, net, NOW - timedelta(days=3))
    assert "voor de uitlening" in str(refused.value)
    assert Item.objects.get(pk=item.pk).status == ItemStatus.ON_LOAN


@pytest.mark.django_db
def test_an_offline_checkout_before_the_copy_came_back_is_refused(net, borrowed):
    circ.checkin(item_barcode=borrowed.barcode, branch=net.a1, at=NOW - timedelta(days=1))
    other = make_patron(net.org_a, birth_date=CHILD)
    with pytest.raises(DomainError) as refused:
        circ.record_offline(
            circ.checkout,
            item_barcode=borrowed.barcode,
            done_at=NOW - timedelta(days=2),
            now=NOW,
            card_number=other.card_number,
            branch=net.a1,
        )
    assert refused.value.code == "offline_date"
    assert Loan.objects.filter(item=borrowed).count() == 1


@pytest.mark.django_db
def test_a_true_offline_date_is_used(net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(net.a1)
    two_days_ago = NOW - timedelta(days=2)
    result = circ.record_offline(
        circ.checkout,
        item_barcode=item.barcode,
        done_at=two_days_ago,
        now=NOW,
        card_number=patron.card_number,
        branch=net.a1,
    )
    assert result.loan.checked_out_at == two_days_ago
    back = offline_checkin(item, net, NOW - timedelta(days=1))
    assert back.loan.returned_at == NOW - timedelta(days=1)


class TickingClock:
    """A clock that moves only when told: `at` may be a clock, read when the action is ready."""

    def __init__(self, at):
        self.at = at

    def __call__(self):
        return self.at


@pytest.mark.django_db
def test_a_clock_passed_as_at_is_read_by_the_service(net, borrowed):
    ticking = TickingClock(NOW)
    result = circ.checkin(item_barcode=borrowed.barcode, branch=net.a1, at=ticking)
    assert result.loan.returned_at == NOW


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_return_that_waited_for_a_checkouts_lock_is_dated_after_it(net):
    """A checkin arrives while a checkout of the same copy holds the copy's row lock. The
    checkin waits; its moment must be read after the wait, or it returns the loan before the
    loan began (PostgreSQL: row locks are taken inside the transaction, after BEGIN)."""
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(net.a1)
    results = {}

    def return_it():
        try:
            results["checkin"] = circ.checkin(item_barcode=item.barcode, branch=net.a1)
        finally:
            connection.close()

    with transaction.atomic():
        Item.objects.select_for_update().get(pk=item.pk)  # the desk has the copy in hand
        returner = threading.Thread(target=return_it)
        returner.start()
        _wait_until_blocked_on_a_lock()
        circ.checkout(item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1)
    returner.join(30)
    loan = Loan.objects.get(item=item)
    assert loan.returned_at is not None and loan.returned_at >= loan.checked_out_at


def _wait_until_blocked_on_a_lock():
    with connection.cursor() as cursor:
        for _ in range(3000):
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # a transaction sees one snapshot
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            cursor.execute("SELECT pg_sleep(0.01)")
    pytest.fail("the checkin never waited for the lock")


@pytest.mark.django_db
def test_the_refusal_reads_in_english_too(net, borrowed):
    from django.utils import translation

    with translation.override("en"), pytest.raises(DomainError) as refused:
        offline_checkin(borrowed, net, NOW + timedelta(days=1))
    assert str(refused.value) == "Offline transaction not processed: the date is in the future."
