"""The statements a search sends: what each asks of the database, where the work it saves can be
seen in the SQL or its plan (test_search.py holds what the member sees, on both backends)."""

import json

import pytest
from django.db import connection

from clb.catalogue import search
from tests.factories import make_item, make_record

pytestmark = pytest.mark.django_db


class Recorder:
    """A connection.execute_wrapper that keeps every statement with its parameters."""

    def __init__(self):
        self.statements: list[tuple[str, list]] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, list(params or ())))
        return execute(sql, params, many, context)


def sent(**kwargs) -> tuple[search.SearchResult, list[tuple[str, list]]]:
    """search.search(**kwargs) and the statements it sent."""
    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        result = search.search(**kwargs)
    return result, recorder.statements


def _nodes(plan: dict, in_init_plan: bool = False):
    """Every node of an EXPLAIN (FORMAT JSON) plan, with whether it is part of an InitPlan (a
    subquery run once; a CTE is listed as an InitPlan too, under its own name)."""
    inside = in_init_plan or plan.get("Subplan Name", "").startswith("InitPlan")
    yield plan, inside
    for child in plan.get("Plans", []):
        yield from _nodes(child, inside)


@pytest.mark.postgres
def test_the_typed_title_key_is_computed_once_per_statement(net):
    """catalogue_title_key is STABLE (unaccent), so the planner does not fold it: the statement
    computes it in an InitPlan, once, not for every entry its tiers test."""
    for i in range(6):
        make_record(f"Molens van Holland deel {i}", ["Wind, W."], year=2000 + i)
    make_record("Molens", ["Wind, W."], year=1950)
    result, statements = sent(query="molens")
    assert result.hits[0].record.title == "Molens"  # the title as typed first
    [(sql, params)] = [(sql, params) for sql, params in statements if "WITH m AS" in sql]
    assert "catalogue_title_key" in sql
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (VERBOSE, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = plan if isinstance(plan, list) else json.loads(plan)
    places = {
        inside
        for node, inside in _nodes(plan[0]["Plan"])
        if "unaccent" in json.dumps({k: v for k, v in node.items() if k != "Plans"})
    }
    assert places == {True}, "the title key is computed outside an InitPlan"


def _tier_reads(statements, tier: str) -> list[str]:
    """A broad query's reads in ranking order of the heading tier (2) or the rest (0)."""
    ranked = [sql for sql, _params in statements if "ORDER BY e.year DESC" in sql]
    rest = [sql for sql in ranked if "NOT (e.heading @@" in sql]
    return (
        rest
        if tier == "rest"
        else [sql for sql in ranked if "e.heading @@" in sql and sql not in rest]
    )


@pytest.mark.postgres
def test_the_heading_tier_reads_the_heading_alone_unless_a_word_is_excluded(net, monkeypatch):
    """A heading that matches the words is part of a document that does (search_schema), so
    the heading tier of a broad query asks the heading alone; an excluded word may be in the
    rest of the document, so then it asks both. Either way the page is the exact ranking's."""
    for i in range(40):
        record = make_record(
            f"Fietsen in de polder deel {i}" if i % 2 else f"Over de polder {i}",
            ["Trapper, T."],
            subjects=["Fietsen", *(["Molens"] if i % 4 == 0 else [])],
            year=1980 + i % 30,
            material_type="dvd" if i % 3 == 0 else "book",
        )
        make_item(net.a1, record)
    cases = [("fietsen", {}), ("fietsen", {"material_type": "dvd"}), ("polder -molens", {})]
    for query, filters in cases:
        exact = [search.search(query, filters=filters, page=p, per_page=6) for p in (1, 2, 4)]
        monkeypatch.setattr(search._Postgres, "cap", 3)
        for walk_limit in (10**9, 0):
            monkeypatch.setattr(search, "WALK_LIMIT", walk_limit)
            for e, p in zip(exact, (1, 2, 4), strict=True):
                broad, statements = sent(query=query, filters=filters, page=p, per_page=6)
                assert broad.estimated and not e.estimated
                assert [h.record.pk for h in broad.hits] == [h.record.pk for h in e.hits]
                reads = _tier_reads(statements, "heading")
                assert reads, (query, p)
                excluded = "-" in query
                assert all(("e.document @@" in sql) == excluded for sql in reads), reads
                assert all("e.document @@" in sql for sql in _tier_reads(statements, "rest"))
                if filters:
                    assert all("e.narrowing @@" in sql for sql in reads)
        monkeypatch.undo()


AVAILABILITY_TEST = "FROM catalogue_item i WHERE i.record_id = e.record_id"


def _availability_tests(statements) -> set[int]:
    """How often the statements over the matches (a capped one, a sample) test a copy's
    availability, each."""
    return {sql.count(AVAILABILITY_TEST) for sql, _params in statements if "WITH m AS" in sql}


@pytest.mark.parametrize("broad", [False, True])
def test_available_here_is_the_total_when_the_filter_asks_for_the_searchers_library(
    net, monkeypatch, broad
):
    """Filtered on a copy available at the library searched from, every match has one there:
    the facet's count is the total, not tested entry by entry a second time. Searched from
    elsewhere, it is counted."""
    for i in range(8):
        record = make_record(f"Molens deel {i}", ["Wind, W."], year=1990 + i)
        make_item((net.a1, net.a2, net.b1, net.b1)[i % 4], record)
    if broad:  # the statement over a sample (here the whole index) says the same
        monkeypatch.setattr(type(search._backend()), "cap", 2)
        monkeypatch.setattr(search, "SAMPLE_ROWS", 10**6)
    here = {"available_at_organisation": net.org_a.code}
    for searched_from in (net.org_a, net.org_a.code, net.org_a.pk):
        result, statements = sent(query="molens", filters=here, organisation=searched_from)
        assert result.estimated == broad
        assert result.total == 4 and [h.record.title for h in result.hits][0] == "Molens deel 5"
        assert result.facets["available_at_organisation"] == [("available", 4)]
        assert _availability_tests(statements) == {1}  # the filter's own test only
    elsewhere, statements = sent(query="molens", filters=here, organisation=net.org_b)
    assert elsewhere.total == 4 and elsewhere.facets["available_at_organisation"] == []
    assert _availability_tests(statements) == {2}
    shelf = {"available_at_branch": net.a2.pk}
    result, statements = sent(query="molens", filters=shelf, branch=net.a2, organisation=net.org_b)
    assert result.total == 2 and result.facets["available_at_branch"] == [("available", 2)]
    assert _availability_tests(statements) == {1}
    nothing, statements = sent(query="onbekend", filters=here, organisation=net.org_a)
    assert nothing.total == 0 and nothing.facets["available_at_organisation"] == []


def _counted_up_to(statements, cap: int) -> list[str]:
    """The statements that count the matches up to the cap (the capped statement)."""
    return [sql for sql, _params in statements if "WITH m AS" in sql and f"LIMIT {cap + 1}" in sql]


@pytest.mark.postgres
def test_a_query_the_planner_and_the_sample_put_far_beyond_the_cap_is_not_counted_to_it(
    net, monkeypatch
):
    """At three times the cap by the planner's statistics and by the sample, the query is
    broad without reading cap + 1 matches first: its total is the sample's, shown as an
    estimate ("ongeveer"), its page the exact ranking's. Nearer the cap it is counted."""
    from django.db import connection

    for i in range(150):
        make_record(
            f"Molens deel {i}" if i % 3 else f"Polder {i}",
            ["Wind, W."] if i % 6 else ["Trapper, T."],
            year=1990 + i % 20,
        )
    exact = {q: search.search(q) for q in ("molens", "trapper")}
    assert (exact["molens"].total, exact["trapper"].total) == (100, 25)
    with connection.cursor() as cursor:  # the planner's statistics of these entries
        cursor.execute("ANALYZE catalogue_searchentry")
    monkeypatch.setattr(search._Postgres, "cap", 10)
    monkeypatch.setattr(search, "SAMPLE_ROWS", 10**6)  # the sample: every entry
    broad, statements = sent(query="molens")
    assert broad.estimated and broad.total == 100
    assert [h.record.pk for h in broad.hits] == [h.record.pk for h in exact["molens"].hits]
    assert _counted_up_to(statements, 10) == []
    near, statements = sent(query="trapper")  # 2.5 times the cap: counted, then broad
    assert near.estimated and near.total == 25
    assert [h.record.pk for h in near.hits] == [h.record.pk for h in exact["trapper"].hits]
    assert len(_counted_up_to(statements, 10)) == 1
    # the planner far off: the sample (read once) says 2.5 times, so it is counted
    monkeypatch.setattr(search._Postgres, "estimate", lambda self, conditions, params: 10**6)
    counted, statements = sent(query="trapper")
    assert counted.estimated and counted.total == 25
    assert len(_counted_up_to(statements, 10)) == 1
    assert len([sql for sql, _params in statements if "TABLESAMPLE" in sql]) == 1
