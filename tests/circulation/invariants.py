"""What must hold between items, loans, holds and transits after every circulation action,
checked through the models (shared by the example and property tests)."""

from collections import Counter

from clb import clock
from clb.catalogue.models import Item, ItemStatus
from clb.circulation.models import Hold, HoldStatus, Loan, Transit


def assert_consistent() -> None:
    items = {item.pk: item for item in Item.objects.all()}
    open_loans = Counter(
        Loan.objects.filter(returned_at__isnull=True).values_list("item_id", flat=True)
    )
    transits = list(Transit.objects.filter(received_at__isnull=True))
    open_transits = Counter(t.item_id for t in transits)
    holds = list(Hold.objects.filter(status__in=[HoldStatus.IN_TRANSIT, HoldStatus.READY]))
    captured = Counter(h.captured_item_id for h in holds)
    for item in items.values():
        where = f"{item.barcode} ({item.status})"
        assert open_loans[item.pk] == (item.status == ItemStatus.ON_LOAN), where
        assert open_transits[item.pk] == (item.status == ItemStatus.IN_TRANSIT), where
        if item.status in (ItemStatus.AVAILABLE, ItemStatus.ON_LOAN):
            assert captured[item.pk] == 0, f"{where} is captured for a hold"
    for transit in transits:
        item = items[transit.item_id]
        # Where CLB says the copy is, is where its transit starts (issue 11, item 4).
        assert transit.from_branch_id == item.current_branch_id, f"{item.barcode} location"
    for hold in holds:
        item = items[hold.captured_item_id]
        if hold.status == HoldStatus.READY:
            assert item.status == ItemStatus.ON_HOLD_SHELF, f"hold {hold.pk}: {item.status}"
            assert item.current_branch_id == hold.pickup_branch_id
        else:
            assert item.status == ItemStatus.IN_TRANSIT, f"hold {hold.pk}: {item.status}"
            transit = next(t for t in transits if t.item_id == item.pk)
            assert transit.hold_id == hold.pk and transit.to_branch_id == hold.pickup_branch_id
    on_shelf = [i for i in items.values() if i.status == ItemStatus.ON_HOLD_SHELF]
    for item in on_shelf:
        assert captured[item.pk] == 1, f"{item.barcode} on the hold shelf for nobody"


def assert_no_hold_left_waiting_beside_a_free_copy(at=None) -> None:
    """No waiting hold while a copy that could fill it stands free on a shelf of an open branch."""
    today = clock.today(clock.now(at))
    free = list(Item.objects.filter(status=ItemStatus.AVAILABLE).select_related("current_branch"))
    for hold in Hold.objects.filter(status=HoldStatus.WAITING).select_related("pickup_branch"):
        if not hold.pickup_branch.is_open_on(today):
            continue
        for item in free:
            if item.record_id == hold.record_id and hold.item_id in (None, item.pk):
                assert not item.current_branch.is_open_on(today), (
                    f"hold {hold.pk} waits while {item.barcode} stands free"
                )
