"""The search index in each database: stemming parity, indexes used, triggers kept, and
concurrent imports that cannot create the same book twice."""

import threading

import pytest
from django.db import connection, connections

from clb.catalogue import search, services, text
from clb.catalogue.apps import _reinstall_search_triggers
from clb.catalogue.models import BibRecord

from .marcdata import iso2709, record

DUTCH = ["koningen", "koning", "avonden", "verhalen", "verhaal", "kinderen", "boeken",
         "fietsen", "geschiedenis", "zwanen", "nieuwe", "lopende", "ruïnes", "Café",
         "bibliotheken", "opgravingen", "Havelaar"]  # fmt: skip


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_dutch_configuration_stems_like_the_sqlite_side():
    with connection.cursor() as cursor:
        for word in DUTCH:
            cursor.execute("SELECT to_tsvector('clb_dutch', %s)::text", [word])
            lexeme = cursor.fetchone()[0].split(":")[0].strip("'")
            assert lexeme == text.stem(text.words(word)[0]), word


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_search_uses_the_gin_and_trigram_indexes(net):
    BibRecord.objects.create(title="Kelders en paleizen", authors=["Bordewijk, F."])
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT 1 FROM catalogue_searchentry e "
            "WHERE e.document @@ plainto_tsquery('clb_dutch', 'paleizen')"
        )
        assert "catalogue_searchentry_match" in " ".join(r[0] for r in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute(
            "INSERT INTO catalogue_searchword (word, length) SELECT 'woord' || g, 5 + length(g::text) "
            "FROM generate_series(1, 20000) g"
        )
        cursor.execute("ANALYZE catalogue_searchword")
        cursor.execute("EXPLAIN SELECT word FROM catalogue_searchword WHERE word % 'bordwijk'")
        assert "catalogue_searchword_trgm" in " ".join(r[0] for r in cursor.fetchall())


def narrowing(record) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lexeme FROM catalogue_searchentry, unnest(narrowing) WHERE record_id = %s",
            [record.pk],
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_narrowing_holds_the_facts_and_the_holding_organisations(net):
    from tests.factories import make_item

    record = BibRecord.objects.create(
        title="Org 12 en material book", year=1998, material_type="book", language="dut"
    )
    facts = {"material book", "audience adult", "language dut"}
    assert narrowing(record) == facts
    item = make_item(net.a1, record)
    assert narrowing(record) == facts | {f"org {net.org_a.pk}"}
    item.status = "on_loan"  # a checkout leaves the holdings alone
    item.save()
    assert narrowing(record) == facts | {f"org {net.org_a.pk}"}
    item.status = "withdrawn"
    item.save()
    assert narrowing(record) == facts
    BibRecord.objects.filter(pk=record.pk).update(audience="youth", language="")
    assert narrowing(record) == {"material book", "audience youth"}
    # the words of the title never meet the lexemes
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM catalogue_searchentry WHERE document @@ %s::tsquery",
            [f"'org {net.org_a.pk}' | 'material book'"],
        )
        assert cursor.fetchone()[0] == 0


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_words_and_filters_are_one_scan_of_one_index(net):
    BibRecord.objects.create(title="Kelders en paleizen", authors=["Bordewijk, F."])
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT 1 FROM catalogue_searchentry e "
            "WHERE e.document @@ plainto_tsquery('clb_dutch', 'paleizen') "
            "AND e.narrowing @@ %s::tsquery",
            [search.search_schema.narrowing_query({"audience": "youth"}, 7)],
        )
        plan = [r[0] for r in cursor.fetchall()]
        cursor.execute("RESET enable_seqscan")
    scans = [line for line in plan if "Index Scan" in line]
    assert len(scans) == 1 and "catalogue_searchentry_match" in scans[0], plan
    condition = next(line for line in plan if "Index Cond" in line)
    assert "document @@" in condition and "narrowing @@" in condition, plan


def test_narrowing_query_quotes_its_lexemes():
    from clb.catalogue.search_schema import narrowing_query

    assert narrowing_query({}, None) is None
    assert narrowing_query({"language": "eng", "audience": ""}, 12) == "'language eng' & 'org 12'"
    assert narrowing_query({"language": "it's"}, None) == "'language it''s'"


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_install_makes_a_trigger_again_when_its_definition_changed(net):
    from clb.catalogue import search_schema

    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER catalogue_search_item_moved ON catalogue_item")
        cursor.execute(  # as an earlier version made it: without the organisation
            "CREATE TRIGGER catalogue_search_item_moved AFTER UPDATE OF status, record_id "
            "ON catalogue_item FOR EACH ROW EXECUTE FUNCTION catalogue_search_item_moved()"
        )
    search_schema.install(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger "
            "WHERE tgname = 'catalogue_search_item_moved'"
        )
        assert "organisation_id" in cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_of_one_book_make_one_record(tmp_path):
    from tests.factories import make_network

    net = make_network()
    files = []
    for i, org in enumerate((net.org_a, net.org_b)):
        path = tmp_path / f"{i}.mrc"
        path.write_bytes(iso2709(
            record(f"Het boek, druk {i}", isbn="9789023466321", control=f"K{i}"),
        ))  # fmt: skip
        files.append((path, org))
    reports, start = [], threading.Barrier(2)

    def work(path, org):
        try:
            start.wait()
            reports.append(services.import_marc([path], org))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=f) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted((r.imported, r.merged) for r in reports) == [(0, 1), (1, 0)]
    assert BibRecord.objects.count() == 1


@pytest.mark.django_db
def test_triggers_dropped_by_a_table_rebuild_come_back_after_migrate():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER catalogue_search_records_added ON catalogue_bibrecord")
        else:
            cursor.execute("DROP TRIGGER catalogue_search_record_added")
    BibRecord.objects.create(title="Onvindbaar")
    _reinstall_search_triggers(sender=None, using="default")
    BibRecord.objects.create(title="Vindbaar")
    assert [h.record.title for h in search.search("vindbaar").hits] == ["Vindbaar"]
    assert search.search("onvindbaar").total == 0  # made while the trigger was gone ...
    search.rebuild_index()
    assert search.search("onvindbaar").total == 1  # ... until the index is rebuilt
