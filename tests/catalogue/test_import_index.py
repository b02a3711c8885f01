"""A bulk import writes the search index itself, once per batch and set-wise
(search_schema.deferred), in the batch's own transaction: the index it leaves is the one a full
refresh makes, a failure midway leaves it current for what was committed, and writes after the
import are indexed by the triggers again."""

import threading

import pytest
from django.db import connection, transaction

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


def test_the_vocabulary_of_a_batch_is_that_of_its_records_one_by_one(net, tmp_path, monkeypatch):
    """On PostgreSQL a batch's words are split from its records' text joined (in chunks):
    the same words as a full refresh splits record by record, whatever the characters."""
    monkeypatch.setattr(search_schema, "PG_WORDS_CHUNK", 2)
    BibRecord.objects.create(title="Bekende woorden al in de woordenlijst")
    made = [
        record("Straße und Æsop's Ærø-fabels", author='Ørsted, "Hans" Christian', control="W1",
               subjects=["Café-cultuur", "naïeve kunst 1900-1950"], holdings=[("5001", net.a1.code)]),
        record("Ruïne ½ ¼ © ab abc 12345 x2y", author="Dvořák, Antonín", control="W2",
               subjects=["o" * 60 + " " + "p" * 61]),
        record("Bekende woorden, nieuwe woorden", author="Łukasz Żuławski", control="W3"),
        record("Élan vital; l'œuvre (ﬁn)", author="Ĳsselmeer, Ĳ.", control="W4"),
        record("Dvořák en de ruïne", author="Straße, ß", control="W5"),
    ]  # fmt: skip
    path = tmp_path / "words.mrc"
    path.write_bytes(iso2709(*made))
    report = services.import_marc([path], net.org_a, batch_size=3)
    assert report.imported == 5
    imported = index_state()
    assert "ruine" in imported[1] and "dvorak" in imported[1]
    search_schema.refresh(connection)
    assert index_state() == imported


def test_progress_hears_of_each_batch_once_it_is_written(net, tmp_path):
    """A batch is written by another thread while the next is prepared, on this thread's
    connection: the caller hears of a batch when it is in the database and may use the
    database itself then (nothing else uses the connection at that moment)."""
    path = tmp_path / "index.mrc"
    path.write_bytes(records(net))
    heard = []

    def progress(done, total):
        heard.append((done, total, BibRecord.objects.count(), threading.get_ident()))

    report = services.import_marc([path], net.org_a, batch_size=4, progress=progress)
    assert report.summary() == "imported 11, merged 1, items 4, rejected 0"
    me = threading.get_ident()
    assert heard == [(4, 12, 3, me), (8, 12, 7, me), (12, 12, 11, me)]
    assert not connection.allow_thread_sharing


def test_an_import_belongs_to_the_callers_transaction(net, tmp_path):
    """The writer thread writes on the caller's connection, so inside the caller's transaction:
    rolled back with it."""
    path = tmp_path / "index.mrc"
    path.write_bytes(records(net))
    with transaction.atomic():
        report = services.import_marc([path], net.org_a, batch_size=4)
        assert report.imported == 11
        assert BibRecord.objects.count() == 11
        transaction.set_rollback(True)
    assert BibRecord.objects.count() == 0
    assert Item.objects.count() == 0
    assert index_state() == ([], [])


def test_a_failure_while_preparing_waits_for_the_batch_being_written(net, tmp_path):
    """Preparing batch two fails while batch one is being written: batch one lands whole (one
    transaction), nothing of batch two, and the connection is this thread's alone again."""
    path = tmp_path / "index.mrc"
    path.write_bytes(records(net))

    def record_key(rec):
        if rec["001"] is None or rec["001"].data not in ("I1", "I2", "I3"):
            if record_key.seen == 1:
                raise Stop
            record_key.seen += 1
        return rec["001"].data if rec["001"] else ""

    record_key.seen = 0
    with pytest.raises(Stop):
        services.import_marc([path], net.org_a, batch_size=4, record_key=record_key)
    assert BibRecord.objects.count() == 3
    assert Item.objects.count() == 4
    assert len(index_state()[0]) == 3
    assert not connection.allow_thread_sharing
    assert BibRecord.objects.filter(control_number="I1").exists()
