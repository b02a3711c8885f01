"""Merging two records that describe the same book, and undoing an import's merge when the
cataloguer says two descriptions are not the same book after all."""

from django.db import transaction
from django.db.models import ProtectedError

from clb import clock

from . import marc
from .errors import CatalogueError
from .importer import record_from
from .models import BibRecord, Item, MergeLog, RecordIsbn, RecordTombstone


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


@transaction.atomic
def merge_records(duplicate_id: int, into_id: int) -> BibRecord:
    """The duplicate's copies move to the record kept, the duplicate is deleted, and its
    tombstone says which record replaced it and which organisations' copies moved (so a
    harvester of an organisation's set learns of it)."""
    if duplicate_id == into_id:
        raise CatalogueError("Een titel kan niet met zichzelf worden samengevoegd.", field="into")
    records = BibRecord.objects.select_for_update().in_bulk([duplicate_id, into_id])
    for key, pk in (("duplicate", duplicate_id), ("into", into_id)):
        if pk not in records:
            raise CatalogueError(f"Titel {pk} bestaat niet.", field=key)
    copies = Item.objects.filter(record_id=duplicate_id)
    organisations = sorted(set(copies.values_list("organisation_id", flat=True)))
    copies.update(record_id=into_id)
    try:
        records[duplicate_id].delete()
    except ProtectedError as exc:
        raise CatalogueError(
            f"Titel {duplicate_id} kan niet worden samengevoegd: er verwijzen nog reserveringen "
            "of andere gegevens naar.",
            field="duplicate",
        ) from exc
    RecordTombstone.objects.filter(record_id=duplicate_id).update(
        replaced_by_id=into_id, organisation_ids=organisations
    )
    return records[into_id]
