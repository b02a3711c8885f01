"""The change stamps and tombstones that harvesters and the holdings feed read (catalogue.changes):
kept by triggers, so writes of every kind move them."""

from datetime import timedelta

import pytest

from clb.catalogue import services as catalogue
from clb.catalogue.errors import CatalogueError
from clb.catalogue.models import BibRecord, Item, ItemStatus, ItemTombstone, RecordTombstone
from clb.circulation import services as circulation
from tests.factories import T0, make_item, make_patron, make_record

pytestmark = pytest.mark.django_db(transaction=False)
LONG_AGO = T0 - timedelta(days=30)


def stamp(record) -> object:
    return BibRecord.objects.values_list("changed_at", flat=True).get(pk=record.pk)


def backdated(*records):
    BibRecord.objects.filter(pk__in=[r.pk for r in records]).update(changed_at=LONG_AGO)
    Item.objects.filter(record__in=records).update(changed_at=LONG_AGO)


def test_an_explicit_stamp_is_kept_every_other_update_moves_it(net):
    record = make_record()
    backdated(record)
    assert stamp(record) == LONG_AGO
    BibRecord.objects.filter(pk=record.pk).update(publisher="Querido")
    assert stamp(record) > LONG_AGO


def test_copies_added_moved_withdrawn_or_deleted_move_the_record(net):
    record, other = make_record(), make_record(title="Het bittere kruid")
    item = make_item(net.a1, record)
    backdated(record, other)
    make_item(net.b1, record)
    assert stamp(record) > LONG_AGO

    backdated(record, other)
    Item.objects.filter(pk=item.pk).update(record=other)
    assert stamp(record) > LONG_AGO and stamp(other) > LONG_AGO
    assert Item.objects.get(pk=item.pk).changed_at > LONG_AGO

    backdated(record, other)
    circulation.set_item_status(item_barcode=item.barcode, status=ItemStatus.WITHDRAWN)
    assert stamp(other) > LONG_AGO and stamp(record) == LONG_AGO

    backdated(record, other)
    barcode = item.barcode
    Item.objects.filter(pk=item.pk).delete()
    assert stamp(other) > LONG_AGO
    gone = ItemTombstone.objects.get(barcode=barcode)
    assert (gone.record_id, gone.organisation_id) == (other.pk, net.org_a.pk)


def test_a_checkout_and_return_are_no_holdings_change(net):
    record = make_record()
    item = make_item(net.a1, record)
    patron = make_patron(net.org_a)
    backdated(record)
    circulation.checkout(
        item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1, at=T0
    )
    circulation.checkin(item_barcode=item.barcode, branch=net.a1, at=T0 + timedelta(days=3))
    assert stamp(record) == LONG_AGO
    assert Item.objects.get(pk=item.pk).changed_at == LONG_AGO


def test_a_deleted_record_leaves_a_tombstone(net):
    record = make_record(title="Titaantjes")
    pk = record.pk
    record.delete()
    tomb = RecordTombstone.objects.get(record_id=pk)
    assert tomb.title == "Titaantjes" and tomb.replaced_by_id is None and tomb.deleted_at


def test_a_merge_says_which_record_replaced_the_duplicate_and_whose_copies_moved(net):
    kept, duplicate = make_record(), make_record()
    make_item(net.b1, duplicate)
    catalogue.merge_records(duplicate.pk, kept.pk)
    tomb = RecordTombstone.objects.get(record_id=duplicate.pk)
    assert tomb.replaced_by_id == kept.pk and tomb.organisation_ids == [net.org_b.pk]
    assert Item.objects.filter(record=kept).count() == 1
    with pytest.raises(CatalogueError):
        catalogue.merge_records(kept.pk, kept.pk)
    with pytest.raises(CatalogueError):
        catalogue.merge_records(duplicate.pk, kept.pk)  # gone already
