"""PostgreSQL crashes under load and comes back. Fifty kiosks (SIP2) and three desks (the web
pages through `clb serve`) keep working; the database is stopped with `pg_ctl -m immediate` (every
PostgreSQL process killed, as in a crash) and started again. While it is away kiosks are told so
in SIP2's terms (status 98 "offline", or a refusal) on the connection they have, never dropped;
afterwards every SIP2 worker reconnects; nothing anyone saw confirmed is lost, nothing is done
twice, and every invariant holds."""

import pytest

from .site import (
    STEP_BOUND,
    Score,
    assert_confirmed_kept,
    free_port,
    kiosks_and_desks,
    loans_per_copy,
    run_loops,
    stop_loops,
)

# django_db: the migrated test database is where the fault cluster gets its schema from.
pytestmark = [pytest.mark.postgres, pytest.mark.faults, pytest.mark.django_db]
WORKERS = 4


def test_kiosks_and_desks_ride_out_a_postgresql_crash(site):
    sip_port, web_port = free_port(), free_port()
    sip2 = site.start(
        "sip2", "sip2", "--port", str(sip_port), "--workers", str(WORKERS), "--max-sessions",
        "200", "--idle-timeout", "300", port=sip_port,
    )  # fmt: skip
    web = site.start("web", "serve", "--port", str(web_port), "--workers", "2", port=web_port)
    score = Score()
    kiosks, desks = kiosks_and_desks(site, score, sip_port, web_port)
    loops = [*kiosks, *desks]

    def stuck():
        return any(loop.errors and not loop.thread.is_alive() for loop in loops)

    before = loans_per_copy(site)
    try:
        run_loops(loops)
        score.wait(
            lambda: stuck() or all(lp.cycles >= 1 for lp in loops), STEP_BOUND, "all at work", loops
        )
        assert not stuck(), [lp.errors for lp in loops if lp.errors]
        assert site.connections_of("clb-sip2") == WORKERS

        site.cluster.stop("immediate")
        score.wait(
            lambda: all(k.told_offline >= 1 for k in kiosks),
            STEP_BOUND,
            "kiosks told offline",
            kiosks,
        )
        # A desk sees an error page (or, at worst, a connection cut off): never a hang.
        score.wait(
            lambda: all(d.offline + d.lost >= 1 for d in desks),
            STEP_BOUND,
            "desks told it failed",
            desks,
        )
        done_before = {loop: loop.cycles for loop in loops}

        site.cluster.start()
        score.wait(
            lambda: all(lp.cycles > done_before[lp] for lp in loops),
            STEP_BOUND,
            "every kiosk and desk at work again",
            loops,
        )
        # Every SIP2 worker replaced its dead connection (and none leaked one).
        score.wait(
            lambda: site.connections_of("clb-sip2") == WORKERS, STEP_BOUND, "workers reconnected"
        )
    finally:
        stop_loops(score, loops)
        site.cluster.ensure_running()
        stopped = sip2.stop(), web.stop()
    assert stopped[0] == 0, sip2.output()[-3000:]

    assert all(k.lost == 0 for k in kiosks), "a kiosk lost its connection"
    assert not [lp.errors for lp in loops if lp.errors]
    assert "database unreachable" in sip2.output()
    assert_confirmed_kept(site, kiosks, desks, before)
