"""Undoing a merge: the cataloguer says two descriptions are not the same book after all."""

from django.db import transaction

from clb import clock

from . import marc
from .errors import CatalogueError
from .importer import record_from
from .models import BibRecord, Item, MergeLog, RecordIsbn


@transaction.atomic
def undo_merge(merge_id: int, *, at=None) -> BibRecord:
    """Restore the merged description as a record of its own and move the copies that came with
    it. The restored record keeps its fingerprint, so importing the same file again finds it
    and does not merge it a second time."""
    merge = MergeLog.objects.select_for_update().filter(pk=merge_id).first()
    if merge is None:
        raise CatalogueError(f"Samenvoeging {merge_id} bestaat niet.", field="merge")
    if merge.undone_at is not None:
        raise CatalogueError(f"Samenvoeging {merge_id} is al ongedaan gemaakt.", field="merge")
    desc = marc.describe(marc.from_marcxml(merge.raw_marc))
    record = record_from(
        desc, merge.raw_marc, merge.fingerprint or marc.fingerprint(merge.raw_marc)
    )
    record.save()
    # Its ISBNs were the reason for the merge; both records now carry them. Later imports with
    # such an ISBN merge into the older record (the lowest id), never at random.
    RecordIsbn.objects.bulk_create(RecordIsbn(record=record, isbn13=i) for i in desc.isbns)
    Item.objects.filter(barcode__in=merge.item_barcodes, record=merge.target).update(record=record)
    merge.undone_at = clock.now(at)
    merge.undone_into = record
    merge.save(update_fields=["undone_at", "undone_into"])
    return record
