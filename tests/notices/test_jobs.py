"""The schedule: a job missed while the worker was down runs once when it returns, each run is
recorded (counts or error), two workers never run one slot; a notice that stopped being true
before it went out is cancelled; auto-renewal renews through the loan rules and tells the
member the outcome."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from clb.circulation import services as circ
from clb.circulation.models import Loan
from clb.notices import jobs, queueing, renewal, sending, services
from clb.notices.models import AutoRenewRule, JobRun, Kind, Notice, RunState, State
from clb.statistics.models import MemberCount
from tests.factories import T0

from .conftest import copies, member

pytestmark = pytest.mark.django_db


def test_a_job_missed_for_days_runs_once_and_each_run_is_recorded(net):
    monday = T0.replace(hour=8, minute=0)
    jobs.run_due(monday)
    first = JobRun.objects.filter(job="loan_notices").count()
    # The worker is down from Monday to Thursday morning: each daily job runs once, for
    # Thursday's slot, not once per missed day.
    thursday = monday + timedelta(days=3)
    runs = jobs.run_due(thursday)
    assert sorted(r.job for r in runs) == sorted(j.name for j in jobs.JOBS)
    assert JobRun.objects.filter(job="loan_notices").count() == first + 1
    assert all(r.state == RunState.SUCCEEDED and r.finished_at for r in runs)
    assert runs[0].counts == {"expired": 0}
    # Nothing is due again in the same minute.
    assert jobs.run_due(thursday) == []
    late = {s.job.name: s.late for s in jobs.status(thursday)}
    assert not any(late.values())
    # Two days without a success show as late on the status page.
    assert {s.job.name for s in jobs.status(thursday + timedelta(days=2, hours=1)) if s.late} >= {
        "loan_notices",
        "send_notices",
    }


def test_the_member_count_is_taken_by_members_each_evening(net):
    """The worker's snapshot job asks members to count (members.take_member_snapshot), which
    hands the anonymous counts to the statistics room for the cockpit."""
    member(net.org_a)
    member(net.org_a)
    member(net.org_b)
    evening = T0.replace(hour=23, minute=31)
    [run] = [r for r in jobs.run_due(evening) if r.job == "snapshot_members"]
    assert run.state == RunState.SUCCEEDED and run.counts == {"memberships": 3}
    counted = MemberCount.objects.filter(taken_on=evening.date()).values("organisation_id")
    per_org = counted.annotate(n=Sum("memberships")).values_list("organisation_id", "n")
    assert dict(per_org) == {net.org_a.pk: 2, net.org_b.pk: 1}


def test_a_failing_job_is_recorded_with_its_error_and_tried_again(net, monkeypatch):
    def broken(at):
        raise RuntimeError("schijf vol")

    job = jobs.Job("broken", "kapot", broken, daily_at=jobs.time(6, 0))
    at = T0.replace(hour=8, minute=0)
    run = jobs.run_job(job, at, injected=True)
    assert run.state == RunState.FAILED and "schijf vol" in run.error
    assert not jobs.is_due(job, at + timedelta(minutes=5))  # a pause before the next try
    assert jobs.is_due(job, at + jobs.RETRY_FAILED_DAILY + timedelta(minutes=1))


def test_one_slot_is_run_by_one_worker(net):
    job = jobs.BY_NAME["loan_notices"]
    at = T0.replace(hour=8, minute=0)
    JobRun.objects.create(
        job=job.name,
        slot=job.slot(at),
        state=RunState.RUNNING,
        started_at=at,
        worker=sending.worker_id(),
    )
    assert jobs.run_job(job, at) is None  # the other worker has it
    assert not jobs.is_due(job, at)


def test_a_run_whose_worker_died_is_marked_and_done_again(net):
    job = jobs.BY_NAME["loan_notices"]
    at = T0.replace(hour=8, minute=0)
    JobRun.objects.create(
        job=job.name, slot=job.slot(at), state=RunState.RUNNING, started_at=at, worker="elders:1"
    )
    jobs.run_due(at + jobs.STALE + timedelta(minutes=1))
    dead = JobRun.objects.get(worker="elders:1")
    assert dead.state == RunState.FAILED and "Afgebroken" in dead.error
    assert JobRun.objects.filter(job=job.name, state=RunState.SUCCEEDED).exists()


def test_an_overdue_notice_for_an_item_returned_before_sending_is_cancelled(net, smtp):
    anna = member(net.org_a, email="anna@example.nl")
    [copy] = copies(net.a1, "Terug op tijd")
    circ.checkout(item_barcode=copy.barcode, card_number=anna.card_number, branch=net.a1, at=T0)
    smtp.handler.fail_data = "421 4.3.2 Even niet"  # the mail server is down this morning
    at = T0 + timedelta(days=30)
    jobs.run_due(at)
    notice = Notice.objects.get(kind=Kind.OVERDUE)
    assert notice.state == State.PENDING and notice.tries == 1
    circ.checkin(item_barcode=copy.barcode, branch=net.a1, at=at + timedelta(minutes=30))
    smtp.handler.fail_data = ""
    sending.send_pending(at + timedelta(hours=1))
    notice.refresh_from_db()
    assert notice.state == State.CANCELLED and "niet meer van toepassing" in notice.last_error
    assert [m.subject for m in smtp.handler.received] == []


def test_a_digest_keeps_the_loans_still_out(net, smtp):
    anna = member(net.org_a, email="anna@example.nl")
    one, two = copies(net.a1, "Een", "Twee")
    for copy in (one, two):
        circ.checkout(item_barcode=copy.barcode, card_number=anna.card_number, branch=net.a1, at=T0)
    at = T0 + timedelta(days=18)
    assert queueing.queue_pre_due(at) == 1
    circ.renew(item_barcode=one.barcode, card_number=anna.card_number, at=at)  # no longer due
    sending.send_pending(at)
    [mail] = smtp.handler.wait_for(1)
    assert "Twee" in mail.text and "Een" not in mail.text
    assert queueing.queue_pre_due(at) == 0  # queued once


def test_auto_renewal_renews_where_the_rules_allow_and_tells_the_outcome(net, smtp):
    AutoRenewRule.objects.create(organisation=net.org_a, days_before=1)
    anna = member(net.org_a, email="anna@example.nl")
    bob = member(net.org_a, email="bob@example.nl")
    free, wanted = copies(net.a1, "Vrij", "Gewild")
    for copy in (free, wanted):
        circ.checkout(item_barcode=copy.barcode, card_number=anna.card_number, branch=net.a1, at=T0)
    circ.place_hold(card_number=bob.card_number, record=wanted.record, pickup_branch=net.a1, at=T0)
    at = T0 + timedelta(days=20)  # the day before they are due
    outcome = renewal.auto_renew(at)
    assert outcome == {"renewed": 1, "refused": 1, "notices": 2}
    assert Loan.objects.get(item=free).renewals == 1 and Loan.objects.get(item=wanted).renewals == 0
    assert renewal.auto_renew(at)["notices"] == 0  # told once about the refusal
    sending.send_pending(at)
    subjects = sorted(m.subject for m in smtp.handler.wait_for(2))
    assert subjects == ["Automatisch verlengd", "Niet verlengd: inleveren uiterlijk 23 mrt. 2026"]
    refused = Notice.objects.get(kind=Kind.NOT_RENEWED)
    assert "gereserveerd" in refused.body and "Gewild" in refused.body


def test_listing_a_branchs_letters_costs_the_same_statements_however_many(net):
    """Each letter is checked against the state before it is listed; the loans and titles of all
    of them come in one go, not per letter."""
    at = T0 + timedelta(days=18)

    def statements_to_list(members: int, waiting: int) -> int:
        for n in range(members):
            patron = member(net.org_a)  # no e-mail address: a letter at the branch
            for copy in copies(net.a1, f"Boek {members}.{n}a", f"Boek {members}.{n}b"):
                circ.checkout(
                    item_barcode=copy.barcode, card_number=patron.card_number, branch=net.a1, at=T0
                )
        assert queueing.queue_pre_due(at) == members
        with CaptureQueriesContext(connection) as queries:
            letters = services.letters_to_print(net.a1, at=at)
        assert len(letters) == waiting and all(letter.text.count("Boek") == 2 for letter in letters)
        return len(queries)

    assert statements_to_list(2, waiting=2) == statements_to_list(6, waiting=8)
