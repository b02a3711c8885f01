"""The statements a search sends: what each asks of the database, where the work it saves can be
seen in the SQL or its plan (test_search.py holds what the member sees, on both backends)."""

import json

import pytest
from django.db import connection

from clb.catalogue import search
from tests.factories import make_record

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
    (sql, params), *_records = statements
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
