"""Notices queued and sent per second to a local SMTP server (aiosmtpd on 127.0.0.1, in a process
of its own as a real mail server is: bench/smtp_sink.py), against
queueing and building the same messages without sending them (Django's in-memory backend builds
each MIME message and keeps it), in one run. The ratio is the sending rate over the building
rate: what SMTP costs on top; the projection says how long a national day's notices would take.

    python scripts/pg.py -- .venv/bin/python bench/notices.py [--members 2000]
    (CLB_NOTICE_SENDERS=4 ... for another number of connections to the mail server at once)

Each member has two loans due in three days (one pre-due digest each, two items); the loans are
written in bulk (setup, not measured), the notices go through the worker's own functions
(queue_pre_due, send_pending). A national day is about 200,000 notices (issue 16)."""

import argparse
import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clb.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from clb.catalogue.models import Item, ItemType  # noqa: E402
from clb.circulation.models import Loan  # noqa: E402
from clb.members.models import Patron  # noqa: E402
from clb.notices import queueing, sending  # noqa: E402
from clb.notices.models import Notice, NoticeLoan  # noqa: E402

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
NATIONAL_DAY = 200_000


def setup(members: int):
    from tests.factories import make_network, make_patron, make_record

    net = make_network()
    template = make_patron(net.org_a, birth_date=date(1980, 1, 1), email="x@example.nl")
    Patron.objects.bulk_create(
        Patron(
            card_number=f"B{i:09d}",
            first_name=f"Lid{i}",
            last_name="Jansen",
            birth_date=date(1980, 1, 1),
            email=f"lid{i}@example.nl",
            postcode="3511AB",
            pin_hash=template.pin_hash,
            registered_by=net.org_a,
        )
        for i in range(members)
    )
    patrons = list(Patron.objects.filter(card_number__startswith="B").values_list("id", flat=True))
    book = ItemType.objects.get(code="boek")
    record = make_record(title="Het diner")
    Item.objects.bulk_create(
        Item(barcode=f"I{i:09d}", record=record, organisation=net.org_a, home_branch=net.a1,
             current_branch=net.a1, item_type=book, status="on_loan")
        for i in range(2 * members)
    )  # fmt: skip
    items = list(Item.objects.filter(barcode__startswith="I").values_list("id", flat=True))
    due = datetime.combine(T0.date() + timedelta(days=3), datetime.max.time(), T0.tzinfo)
    Loan.objects.bulk_create(
        Loan(item_id=item, patron_id=patrons[n // 2], organisation=net.org_a, branch=net.a1,
             patron_category="adult", checked_out_at=T0 - timedelta(days=18), due_at=due)
        for n, item in enumerate(items)
    )  # fmt: skip


def one_round(backend: str) -> tuple[int, float, float]:
    """Notices queued and handed to `backend`; the wall-clock seconds, and the CPU seconds of
    this process (the worker's own cost, whatever else the machine is doing)."""
    NoticeLoan.objects.all().delete()
    Notice.objects.all().delete()
    settings.EMAIL_BACKEND = backend
    start, cpu = time.perf_counter(), time.process_time()
    queued = queueing.queue_pre_due(T0)
    print(f"  {backend.rsplit('.', 2)[-2]}: queued {queued} in {time.perf_counter() - start:.1f} s")
    counts = sending.send_pending(T0)
    elapsed = time.perf_counter() - start
    assert counts["sent"] == queued, counts
    return queued, elapsed, time.process_time() - cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=2000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    setup(args.members)
    built, build_time, build_cpu = one_round("django.core.mail.backends.locmem.EmailBackend")
    sink = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("smtp_sink.py"))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        port = int(sink.stdout.readline().split()[1])
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        sent, send_time, send_cpu = one_round("django.core.mail.backends.smtp.EmailBackend")
    finally:
        sink.stdin.close()
        arrived = sink.stdout.read()
        sink.wait(timeout=30)
    # every notice arrived, and each exactly once (by its Message-ID)
    assert arrived.split() == ["received", str(sent), "distinct", str(sent)], arrived
    build_rate, send_rate = built / build_time, sent / send_time
    print(f"database: {django.db.connection.vendor}; {sent} notices (two items each); "
          f"{settings.CLB_NOTICE_SENDERS} connections at once (CLB_NOTICE_SENDERS)")  # fmt: skip
    print(f"queued and built, not sent: {build_rate:8.0f} notices/s")
    print(f"queued and sent over SMTP:  {send_rate:8.0f} notices/s")
    print(f"ratio sent/built: {send_rate / build_rate:.2f}")
    print(f"a national day ({NATIONAL_DAY:,} notices) at this rate: "
          f"{NATIONAL_DAY / send_rate / 60:.1f} min (aim: under 15 min)")  # fmt: skip
    print(f"worker's own CPU per notice: built {1000 * build_cpu / built:.2f} ms, "
          f"sent {1000 * send_cpu / sent:.2f} ms; a national day's sending: "
          f"{NATIONAL_DAY * send_cpu / sent / 60:.1f} CPU-min")  # fmt: skip
    print("load average (1, 5, 15 min): " + ", ".join(f"{n:.2f}" for n in os.getloadavg()))


if __name__ == "__main__":
    main()
