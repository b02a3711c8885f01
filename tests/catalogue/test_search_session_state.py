"""Behind PgBouncer in transaction mode a server connection passes from client to client between
transactions, so a search must leave no setting behind on its connection (SET LOCAL, never SET).
Run without the test's wrapping transaction, as a request runs: a plain SET would outlive it."""

import pytest
from django.db import connection

from clb.catalogue import search
from tests.factories import make_record

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
PLANNER = ("enable_bitmapscan", "enable_seqscan", "enable_indexscan")


def session_settings() -> dict:
    with connection.cursor() as cursor:
        names = ("pg_trgm.similarity_threshold", *PLANNER)
        cursor.execute(
            "SELECT " + ", ".join("current_setting(%s, true)" for _ in names), list(names)
        )
        return dict(zip(names, cursor.fetchone(), strict=True))


def test_typo_search_and_rank_walk_leave_no_setting_on_the_connection(monkeypatch):
    for i in range(8):
        make_record(f"Molens deel {i}", ["Wind, W."], year=1990 + i)

    corrected = search.search("molenz")  # no match: the trigram candidates are asked
    assert corrected.corrected == "molens"
    monkeypatch.setattr(search._Postgres, "cap", 2)  # broad: read in rank order, both ways
    for walk_limit in (10**9, 0):
        monkeypatch.setattr(search, "WALK_LIMIT", walk_limit)
        assert search.search("molens").estimated

    after = session_settings()
    assert after["pg_trgm.similarity_threshold"] in (None, "0.3"), after
    assert all(after[name] == "on" for name in PLANNER), after
