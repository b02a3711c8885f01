"""CLB behind PgBouncer in transaction mode with two server connections for all its clients:
kiosks (SIP2) and desks (the web pages) lend and take back at once, so one Django connection's
transactions keep landing on different server connections. Nothing CLB relies on may live in a
server connection's session (scripts/pg.py and clb.database_settings say what was checked):
everything confirmed is in the database once, every invariant holds, and the typo search, which
sets a threshold for its own transaction, still corrects a typo."""

import os

import pytest

from scripts.ensure_system import PGBOUNCER
from tests.faults.site import (
    STEP_BOUND,
    Browser,
    Score,
    assert_confirmed_kept,
    free_port,
    kiosks_and_desks,
    loans_per_copy,
    run_loops,
    stop_loops,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.faults,
    pytest.mark.django_db,
    pytest.mark.skipif(PGBOUNCER.find(os.environ) is None, reason=PGBOUNCER.skipped),
]


def test_kiosks_and_desks_through_pgbouncer_in_transaction_mode(pooled):
    sip_port, web_port = free_port(), free_port()
    sip2 = pooled.start("sip2", "sip2", "--port", str(sip_port), "--workers", "2", port=sip_port)
    web = pooled.start("web", "serve", "--port", str(web_port), "--workers", "2", port=web_port)
    score = Score()
    kiosks, desks = kiosks_and_desks(pooled, score, sip_port, web_port, network="127.0.2")
    loops = [*kiosks, *desks]
    before = loans_per_copy(pooled)
    try:
        run_loops(loops)
        score.wait(
            lambda: any(lp.errors for lp in loops) or all(lp.cycles >= 2 for lp in loops),
            STEP_BOUND, "two rounds each", loops,
        )  # fmt: skip
        # Four Django connections (two web, two SIP2 workers) on at most two server connections.
        servers = pooled.sql(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = 'clb' AND pid <> pg_backend_pid()"
        )[0][0]
        assert 1 <= servers <= 2
        status, _, page = Browser(web_port).request("GET", "/zoeken/?q=avondne")
        assert status == 200 and "avonden" in page  # "Bedoelde u: avonden"
    finally:
        stop_loops(score, loops)
        stopped = sip2.stop(), web.stop()
    assert not [lp.errors for lp in loops if lp.errors]
    assert stopped[0] == 0, sip2.output()[-3000:]
    assert_confirmed_kept(pooled, kiosks, desks, before)
