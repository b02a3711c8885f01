"""Taking out what an import brought in (a library migration undone): copies while they are as
the import left them, titles while nothing else hangs on them. Whether loans, holds or transits
name a copy is for the caller to know (circulation sits above the catalogue)."""

from django.db import transaction
from django.db.models import Count

from .models import BibRecord, Item, ItemStatus, MergeLog


@transaction.atomic
def remove_items(organisation, states: dict[int, str]) -> dict[int, tuple[str, str]]:
    """Delete the organisation's copies given as {id: status the import left}; returns the
    ones kept, {id: (barcode, why)}."""
    kept = {}
    items = Item.objects.select_for_update().filter(pk__in=list(states), organisation=organisation)
    gone = []
    for item_id, barcode, status in items.values_list("pk", "barcode", "status"):
        if status != (states[item_id] or ItemStatus.AVAILABLE):
            kept[item_id] = (barcode, f"status sindsdien gewijzigd ({ItemStatus(status).label})")
        else:
            gone.append(item_id)
    Item.objects.filter(pk__in=gone).delete()
    return kept


@transaction.atomic
def remove_records(record_ids, *, organisation, merged_at) -> dict[int, str]:
    """Delete titles an import created that have no copies left, and the merge log lines of
    that import (its copies are gone, so there is nothing left to undo). Returns the titles
    kept, {id: why}."""
    MergeLog.objects.filter(organisation=organisation, merged_at=merged_at).delete()
    kept = {}
    counted = BibRecord.objects.filter(pk__in=list(record_ids)).annotate(
        n=Count("items", distinct=True), n_merges=Count("merges", distinct=True)
    )
    gone = []
    for record_id, n, merges in counted.values_list("pk", "n", "n_merges"):
        if n or merges:
            kept[record_id] = "er zijn nog exemplaren of samengevoegde titels"
        else:
            gone.append(record_id)
    BibRecord.objects.filter(pk__in=gone).delete()
    return kept
