"""The schedule of the periodic jobs, kept in one place, and the record of each run.

`clb worker` (huey's consumer, clb.notices.worker) ticks once a minute and at start; each tick
runs the jobs that are due. A job is due when its latest slot - the last moment it was meant to
run: today's (or yesterday's) time of day, or the start of the current interval - has no run
that succeeded or is running. So a job missed while the worker was down runs once when it comes
back, not once per missed day, and two workers never run the same slot (a unique index on
job and slot). Every job is idempotent; each run is recorded with its counts or its error."""

import logging
import socket
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clb import clock
from clb.circulation import services as circulation
from clb.members import services as members
from clb.statistics import partitions

from . import privacy, queueing, renewal, sending
from .models import JobRun, RunState
from .rules import NoticeRules

log = logging.getLogger("clb.notices")

EPOCH = datetime(2000, 1, 1, tzinfo=timezone.get_fixed_timezone(0))
# A run still "running" this long after it started is taken to have died with its worker.
STALE = timedelta(hours=2)
# A daily job that failed is tried again after this pause (an interval job at its next slot).
RETRY_FAILED_DAILY = timedelta(minutes=10)


@dataclass(frozen=True)
class Job:
    name: str
    label: str
    run: Callable[[datetime], dict]
    daily_at: time | None = None
    every: timedelta | None = None

    def slot(self, at: datetime) -> datetime:
        if self.every is not None:
            return at - (at - EPOCH) % self.every
        local = timezone.localtime(at)
        slot = local.replace(
            hour=self.daily_at.hour, minute=self.daily_at.minute, second=0, microsecond=0
        )
        return slot if slot <= local else slot - timedelta(days=1)

    @property
    def period(self) -> timedelta:
        return self.every or timedelta(days=1)


def _expire_holds(at):
    return {"expired": len(circulation.expire_holds(at=at))}


def _loan_notices(at):
    rules = NoticeRules()
    return {
        "pre_due": queueing.queue_pre_due(at, rules),
        "overdue": queueing.queue_overdue(at, rules),
        "membership_ending": queueing.queue_membership_ending(at, rules),
    }


def _frequent_notices(at):
    return {
        "holds": queueing.queue_hold_notices(at),
        "fees": queueing.queue_fees(at),
        "blocks_lifted": queueing.lift_overdue_blocks(at),
    }


def _send(at):
    return {"claims_released": sending.release_dead_claims(), **sending.send_pending(at)}


def _snapshot(at):
    return {"memberships": members.take_member_snapshot(on=clock.today(at), at=at)}


def _partitions(at):
    return {"partitions": len(partitions.ensure(clock.today(at)))}


def _anonymise(at):
    return {"loans": circulation.anonymise(at=at), "notices": privacy.erase_old_content(at)}


# Order matters within one tick: holds expire before notices are queued, notices are queued
# before the queue is sent.
JOBS = [
    Job("expire_holds", _("Verlopen reserveringen sluiten"), _expire_holds, daily_at=time(0, 15)),
    Job("auto_renew", _("Automatisch verlengen"), renewal.auto_renew, daily_at=time(1, 0)),
    Job("anonymise", _("Uitleengeschiedenis anonimiseren"), _anonymise, daily_at=time(2, 0)),
    Job("loan_notices", _("Berichten over uitleningen klaarzetten"), _loan_notices, daily_at=time(6, 0)),
    Job("hold_notices", _("Berichten over reserveringen en kosten klaarzetten"), _frequent_notices, every=timedelta(minutes=5)),
    Job("send_notices", _("Berichten verzenden"), _send, every=timedelta(minutes=1)),
    Job("statistics_partitions", _("Maanden van de statistiek klaarzetten"), _partitions, daily_at=time(0, 5)),
    Job("snapshot_members", _("Ledentelling voor het dashboard"), _snapshot, daily_at=time(23, 30)),
]  # fmt: skip
BY_NAME = {job.name: job for job in JOBS}


def _abandon_dead_runs(at) -> None:
    """Runs whose worker died: on this host when its pid is gone, elsewhere when stale."""
    host = socket.gethostname()
    for run in JobRun.objects.filter(state=RunState.RUNNING):
        mine = run.worker.startswith(f"{host}:")
        dead = mine and not sending._alive(int(run.worker.rpartition(":")[2]))
        if dead or run.started_at < at - STALE:
            JobRun.objects.filter(pk=run.pk, state=RunState.RUNNING).update(
                state=RunState.FAILED,
                finished_at=run.started_at,  # when it died is unknown; no pause before retrying
                error=str(_("Afgebroken: de werker stopte tijdens deze taak.")),
            )


def is_due(job: Job, at: datetime) -> bool:
    slot = job.slot(at)
    runs = JobRun.objects.filter(job=job.name, slot=slot)
    if runs.exclude(state=RunState.FAILED).exists():
        return False
    if job.daily_at is not None:
        return not runs.filter(finished_at__gt=at - RETRY_FAILED_DAILY).exists()
    return True


def run_job(job: Job, at: datetime, *, injected: bool = False) -> JobRun | None:
    """Run one job for its current slot, unless another worker has it; records the run. With an
    injected clock the run is dated by it, else by the real clock when it ends."""
    try:
        with transaction.atomic():
            run = JobRun.objects.create(
                job=job.name,
                slot=job.slot(at),
                state=RunState.RUNNING,
                started_at=at,
                worker=sending.worker_id(),
            )
    except IntegrityError:
        return None
    try:
        run.counts = job.run(at)
        run.state = RunState.SUCCEEDED
    except Exception:
        log.exception("job %s failed", job.name)
        run.state = RunState.FAILED
        run.error = traceback.format_exc()[-4000:]
    run.finished_at = at if injected else clock.now()
    run.save(update_fields=["counts", "state", "error", "finished_at"])
    return run


def run_due(at=None) -> list[JobRun]:
    """Run every job that is due now (in schedule order). `at` is the injected clock; the
    worker passes none and so runs on the real one."""
    injected, at = at is not None, clock.now(at)
    _abandon_dead_runs(at)
    runs = []
    for job in JOBS:
        if is_due(job, at) and (run := run_job(job, at, injected=injected)) is not None:
            runs.append(run)
    return runs


@dataclass(frozen=True)
class JobStatus:
    job: Job
    last_success: JobRun | None
    last_run: JobRun | None
    late: bool


def status(at=None) -> list[JobStatus]:
    """Per job: when it last succeeded, its latest run, and whether it is late (no success for
    since more than two periods) - so notices that silently stopped show at a glance."""
    at = clock.now(at)
    rows = []
    for job in JOBS:
        runs = JobRun.objects.filter(job=job.name)
        success = runs.filter(state=RunState.SUCCEEDED).order_by("-slot").first()
        latest = runs.order_by("-started_at", "-id").first()
        late = success is None or at - success.slot > 2 * job.period
        rows.append(JobStatus(job, success, latest, late))
    return rows
