"""The fault tests of a session share one site, so a desk's copies carry the loans of the tests
before. The count check compares with what was there when the loops started: counting all loans
(as it once did) blamed a crash for an earlier test's loans — the 26 loans against 14 confirmed and
10 unsure lendings of ci-5 were 12 loans of the killed-web-workers test plus 14 of the crash test."""

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

pytestmark = [pytest.mark.postgres, pytest.mark.faults, pytest.mark.django_db]


def desks_at_work(site, port) -> list[DeskLoop]:
    score = Score()
    desks = [DeskLoop(score, port, desk) for desk in site.seed["desks"]]
    try:
        run_loops(desks)
        score.wait(lambda: all(d.cycles >= 1 or d.errors for d in desks), STEP_BOUND, "at work")
    finally:
        stop_loops(score, desks)
    assert not [d.errors for d in desks if d.errors]
    return desks


def test_loans_of_an_earlier_run_are_not_counted_as_this_runs(site):
    port = free_port()
    web = site.start("web", "serve", "--port", str(port), "--workers", "2", port=port)
    try:
        desks_at_work(site, port)  # an earlier test on the same site
        before = loans_per_copy(site)
        desks = desks_at_work(site, port)
    finally:
        web.stop()
    # Nothing failed in the second run, so all its loans were confirmed; the earlier ones were not.
    assert all(d.unsure == 0 for d in desks)
    for desk in desks:
        all_loans = sum(loans_per_copy(site)[b][0] for b in desk.desk["barcodes"])
        assert all_loans > desk.lent + desk.unsure
    assert_confirmed_kept(site, [], desks, before)
