"""The CQL parser against the grammar (cql.py's docstring), and hypothesis: any text either
parses or fails with CQLSyntaxError that names a position inside the query."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clb.exchange.sru import cql
from clb.exchange.sru.cql import Boolean, Clause, CQLSyntaxError, parse


def test_a_bare_term_is_a_server_choice_search():
    assert parse("dinosaur").root == Clause("cql.serverchoice", "=", "dinosaur")


def test_index_relation_and_quoted_term_with_escaped_quote():
    root = parse('dc.title any "fish \\"frog\\""').root
    assert (root.index, root.relation, root.term) == ("dc.title", "any", 'fish "frog"')


def test_booleans_are_left_associative_and_parentheses_group():
    root = parse("a or b and c").root
    assert root.operator == "and" and root.left.operator == "or"
    root = parse("a or (b and c)").root
    assert root.operator == "or" and isinstance(root.right, Boolean)


def test_keywords_are_case_insensitive_and_symbols_need_no_spaces():
    root = parse("dc.date>=1990 AND dc.creator=Mulisch").root
    assert root.operator == "and"
    assert (root.left.relation, root.left.term) == (">=", "1990")


def test_modifiers_prefixes_and_sortby():
    q = parse(
        '>dc="info:srw/cql-context-set/1/dc-v1.1" dc.title =/stem x sortby dc.date/sort.descending'
    )
    assert q.prefixes == {"dc": "info:srw/cql-context-set/1/dc-v1.1"}
    assert q.root.modifiers == (cql.Modifier("stem"),)
    assert q.sort == (cql.SortKey("dc.date", (cql.Modifier("sort.descending"),)),)


@pytest.mark.parametrize(
    "query, position",
    [
        ("a and", 6),
        ("(a or b", 8),
        ('"open', 1),
        ("dc.title =", 11),
        ("a b", 4),
        (")", 1),
        ("", 1),
    ],
)
def test_syntax_errors_say_where(query, position):
    with pytest.raises(CQLSyntaxError) as caught:
        parse(query)
    assert caught.value.position + 1 == position and f"positie {position}" in str(caught.value)


def test_nesting_is_bounded():
    with pytest.raises(CQLSyntaxError, match="diep"):
        parse("(" * 100 + "a" + ")" * 100)


ALPHABET = st.sampled_from(
    list('ab "()=<>/\\*?') + ["and ", "or ", "not ", "prox ", "sortby ", "dc.title", "x"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, max_size=25).map("".join))
def test_any_text_parses_or_fails_with_a_position(text):
    try:
        parse(text)
    except CQLSyntaxError as exc:
        assert 0 <= exc.position <= len(text)
