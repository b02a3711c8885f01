"""A bulk import writes the search index itself, once per batch and set-wise
(search_schema.deferred), in the batch's own transaction: the index it leaves is the one a full
refresh makes, a failure midway leaves it current for what was committed, and writes after the
import are indexed by the triggers again."""

import pytest
from django.db import connection

from clb.catalogue import search, search_schema, services
from clb.catalogue.models import BibRecord, Item

from .marcdata import iso2709, real_bytes, record

pytestmark = pytest.mark.django_db


def index_state():
    """Every row of the search index, comparable across runs."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT record_id, year, material_type, audience, language, title_key, copies, "
                "heading::text, document::text, narrowing::text "
                "FROM catalogue_searchentry ORDER BY record_id"
            )
        else:
            cursor.execute(
                "SELECT e.record_id, e.year, e.material_type, e.audience, e.language, "
                "e.title_key, e.copies, f.title, f.authors, f.subjects, f.isbn "
                "FROM catalogue_searchentry e JOIN catalogue_search_fts f ON f.rowid = e.record_id "
                "ORDER BY e.record_id"
            )
        entries = cursor.fetchall()
        cursor.execute("SELECT word FROM catalogue_searchword ORDER BY word")
        return entries, [row[0] for row in cursor.fetchall()]


def records(net):
    """New records with copies, one merged by ISBN into another (copies added to a record the
    import did not make), and real LoC records without copies."""
    made = [
        record("De avonden", isbn="9789023466321", control="I1",
               holdings=[("4001", net.a1.code), ("4002", net.a1.code)]),
        record("Kees de jongen", author="Thijssen, Theo", control="I2",
               holdings=[("4003", net.a1.code)], subjects=["Jeugdherinneringen"]),
        record("De avonden : een winterverhaal", isbn="90-234-6632-2", control="I3",
               holdings=[("4004", net.a1.code)]),
    ]  # fmt: skip
    return iso2709(*made) + b"".join(real_bytes("loc-books").split(b"\x1d")[i] + b"\x1d"
                                     for i in range(9))  # fmt: skip


def test_a_bulk_import_leaves_the_index_a_full_refresh_makes(net, tmp_path):
    earlier = BibRecord.objects.create(title="Het stenen bruidsbed", isbn="9789023413547")
    path = tmp_path / "index.mrc"
    path.write_bytes(records(net))
    report = services.import_marc([path], net.org_a, batch_size=4)
    assert report.summary() == "imported 11, merged 1, items 4, rejected 0"
    imported = index_state()
    entries, words = imported
    assert len(entries) == BibRecord.objects.count() == 12
    assert "avonden" in words and "thijssen" in words
    avonden = BibRecord.objects.get(control_number="I1")
    copies = dict((row[0], row[6]) for row in entries)
    assert copies[avonden.pk] == 3  # two of its own, one merged in
    assert copies[earlier.pk] == 0
    assert search.search("Thijssen").total == 1
    assert search.search("9789023466321").total == 1
    search_schema.refresh(connection)
    assert index_state() == imported


class Stop(Exception):
    pass


def test_an_import_that_fails_midway_leaves_the_index_current(net, tmp_path):
    path = tmp_path / "index.mrc"
    path.write_bytes(records(net))
    batches = []

    def on_written(written):
        batches.append(written)
        if len(batches) == 2:
            raise Stop

    with pytest.raises(Stop):
        services.import_marc([path], net.org_a, batch_size=4, on_written=on_written)
    # the first batch (three new records, one merged, four copies) stays; the second rolled
    # back with its index rows
    assert BibRecord.objects.count() == 3
    assert Item.objects.count() == 4
    after_failure = index_state()
    assert len(after_failure[0]) == 3
    search_schema.refresh(connection)
    assert index_state() == after_failure
    # the triggers index what is written next, in the same transaction as the import
    later = BibRecord.objects.create(title="Na de mislukte import")
    assert search.search("mislukte").total == 1
    later.delete()
    assert search.search("mislukte").total == 0


def test_writes_after_a_successful_import_are_indexed_by_the_triggers(net, tmp_path):
    path = tmp_path / "index.mrc"
    path.write_bytes(records(net))
    services.import_marc([path], net.org_a, batch_size=4)
    avonden = BibRecord.objects.get(control_number="I1")
    avonden.title = "De ochtenden"
    avonden.save()
    assert search.search("ochtenden").total == 1
    Item.objects.filter(barcode="4001").delete()
    entries, _words = index_state()  # the vocabulary only grows (a refresh starts it anew)
    search_schema.refresh(connection)
    assert index_state()[0] == entries
