"""`clb worker` as a separate process, on the real clock, against a real SMTP server: it sends
what is due when it starts; killed between handing a message to the server and marking it
sent, the next worker sends it again as the same message (same Message-ID), and the queue says
sent once."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from clb.circulation import services as circ
from clb.notices.models import JobRun, Kind, Notice, RunState, State

from .conftest import copies, member
from .smtp import SmtpServer

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
CLB = str(Path(sys.executable).with_name("clb"))


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    return f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def start_worker(tmp_path, smtp, name="worker"):
    env = dict(
        os.environ,
        CLB_DATABASE_URL=database_url(),
        CLB_DATA_DIR=str(tmp_path),
        CLB_EMAIL_URL=smtp.url,
        CLB_MAIL_FROM="Bibliotheek Utrecht <berichten@bibliotheek.example>",
    )
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [CLB, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
    )
    process.log = log
    return process


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    process.log.close()


STARTUP = 180  # seconds a worker may take to start and send on a busy machine


def wait_until(condition, timeout=STARTUP):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.1)  # polling for an outcome, not waiting for time to pass


def due_in_two_days(net, email):
    anna = member(net.org_a, email=email)
    [copy] = copies(net.a1, "Het diner")
    circ.checkout(
        item_barcode=copy.barcode,
        card_number=anna.card_number,
        branch=net.a1,
        at=timezone.now() - timedelta(days=19),
    )
    return anna


@pytest.mark.faults
def test_the_worker_process_sends_what_is_due_when_it_starts(net, tmp_path):
    due_in_two_days(net, "anna@example.nl")
    with SmtpServer() as smtp:
        worker = start_worker(tmp_path, smtp)
        try:
            # A generous bound: a process starting on a busy machine (two shared cores).
            arrived = smtp.handler.wait_for(1, timeout=STARTUP)
        finally:
            stop(worker)
    assert len(arrived) == 1, (tmp_path / "worker.log").read_text()
    [mail] = arrived
    assert mail.recipients == ["anna@example.nl"] and mail.subject.startswith("Inleveren uiterlijk")
    assert "Het diner" in mail.text and mail.sender == "berichten@bibliotheek.example"
    assert Notice.objects.get().state == State.SENT
    assert JobRun.objects.filter(job="send_notices", state=RunState.SUCCEEDED).exists()
    assert (tmp_path / "worker.sqlite3").exists()  # huey's queue, in the data folder
    assert "via SMTP-server 127.0.0.1" in (tmp_path / "worker.log").read_text()


@pytest.mark.faults
def test_a_worker_killed_between_sending_and_marking_sent(net, tmp_path):
    due_in_two_days(net, "anna@example.nl")
    with SmtpServer() as smtp:
        first = start_worker(tmp_path, smtp, "first")
        # The server has the message; the worker dies before it hears the answer.
        smtp.handler.on_data = lambda _m: (first.kill(), first.wait())
        try:
            smtp.handler.wait_for(1, timeout=STARTUP)
            wait_until(lambda: first.poll() is not None)
        finally:
            stop(first)
        notice = Notice.objects.get()
        assert notice.state == State.SENDING and notice.tries == 1  # sent, not marked
        smtp.handler.on_data = None
        second = start_worker(tmp_path, smtp, "second")
        try:
            wait_until(lambda: Notice.objects.get().state == State.SENT)
        finally:
            stop(second)
        delivered = smtp.handler.received
    notice = Notice.objects.get()
    assert (notice.kind, notice.tries) == (Kind.PRE_DUE, 2)
    # Delivered again as the same message: one Message-ID, the notice's own.
    assert {m.message_id for m in delivered} == {notice.message_id}
    assert len(delivered) == 2 and delivered[0].text == delivered[1].text
    died = JobRun.objects.filter(job="send_notices", state=RunState.FAILED).first()
    assert died is not None and "Afgebroken" in died.error
