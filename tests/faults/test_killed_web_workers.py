"""Web workers killed under load. Desks work the staff pages through `clb serve` (gunicorn); its
workers are killed with SIGKILL in the middle of the traffic, twice. Gunicorn starts new
ones, the desks carry on, nothing a desk saw confirmed is lost or done twice, and every
invariant holds: a request cut off by the kill either happened whole or not at all."""

import os
import signal

import pytest

from .site import (
    STEP_BOUND,
    DeskLoop,
    Score,
    assert_confirmed_kept,
    free_port,
    loans_per_copy,
    run_loops,
    stop_loops,
)

# django_db: the migrated test database is where the fault cluster gets its schema from.
pytestmark = [pytest.mark.postgres, pytest.mark.faults, pytest.mark.django_db]


def test_desks_ride_out_killed_web_workers(site):
    port = free_port()
    web = site.start("web", "serve", "--port", str(port), "--workers", "2", port=port)
    score = Score()
    desks = [DeskLoop(score, port, desk) for desk in site.seed["desks"]]
    killed = []
    before = loans_per_copy(site)
    try:
        run_loops(desks)
        score.wait(
            lambda: all(d.cycles >= 1 or d.errors for d in desks), STEP_BOUND, "at work", desks
        )
        for _ in range(2):
            workers = web.children()
            assert len(workers) == 2
            done_before = {desk: desk.cycles for desk in desks}
            for pid in workers:  # both at once: one of them is always busy with a desk
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            score.wait(
                lambda done=done_before: all(d.cycles > done[d] or d.errors for d in desks),
                STEP_BOUND,
                "desks at work again",
                desks,
            )
        assert set(web.children()).isdisjoint(killed)  # gunicorn replaced them
    finally:
        stop_loops(score, desks)
        web.stop()
    assert not [d.errors for d in desks if d.errors]
    assert_confirmed_kept(site, [], desks, before)
