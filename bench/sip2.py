"""SIP2 under load: kiosks doing checkout+checkin of their own items against a real `clb sip2`
process, compared with the circulation services called directly, in one run on PostgreSQL.

    python scripts/pg.py -- .venv/bin/python bench/sip2.py [--kiosks 50] [--seconds 20]

A checkout or a checkin is one transaction. Printed: transactions per second and p50/p99 latency
as the kiosks see them, (1) saturated: every kiosk sends its next message as soon as it has the
answer, (2) paced: every kiosk scans an item every --pause seconds on average, as people do.
The limit to compare with is the services' own rate measured in the same run, called from as
many threads as the server has workers (and, for reference, from one thread), with no network
and no SIP2 in between. At the end every loan must be closed again.
"""

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clb.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from clb.catalogue.models import Item, ItemType  # noqa: E402
from clb.circulation import services  # noqa: E402
from clb.circulation.models import Loan  # noqa: E402
from clb.selfservice.models import KioskAccount  # noqa: E402
from clb.selfservice.sip2.codec import checksum  # noqa: E402

PASSWORD = "bench-secret-42"
DATE = "20260302    100000"
ITEMS_EACH = 3


def barcode(owner: str, i: int) -> str:
    return f"B-{owner}-{i % ITEMS_EACH}"


def setup(kiosks: int, workers: int):
    """A network, one patron and three items per kiosk and per direct-service thread."""
    from tests.factories import make_network, make_patron, make_record

    net = make_network()
    book = ItemType.objects.get(code="boek")
    record = make_record(title="Benchmark")
    owners = [f"k{k}" for k in range(kiosks)] + [f"s{w}" for w in range(workers)]
    cards = {o: make_patron(net.org_a, birth_date=date(2014, 1, 1)).card_number for o in owners}
    Item.objects.bulk_create(
        Item(
            barcode=barcode(owner, i),
            record=record,
            organisation=net.org_a,
            home_branch=net.a1,
            current_branch=net.a1,
            item_type=book,
        )
        for owner in owners
        for i in range(ITEMS_EACH)
    )
    for k in range(kiosks):
        # Card-only kiosks: the PIN's hashing is not what is measured against the services.
        account = KioskAccount(login=f"kiosk{k}", branch=net.a1, require_pin=False)
        account.set_password(PASSWORD)
        account.save()
    return net, cards


# --- the services directly --------------------------------------------------------------------


def services_rate(net, cards, threads: int, seconds: float) -> float:
    """Checkout+checkin through the services from `threads` threads at once."""
    done = [0] * threads
    stop_at = time.perf_counter() + seconds

    def work(w: int):
        owner, i = f"s{w}", 0
        try:
            while time.perf_counter() < stop_at:
                code = barcode(owner, i)
                services.checkout(item_barcode=code, card_number=cards[owner], branch=net.a1)
                services.checkin(item_barcode=code, branch=net.a1)
                done[w] += 2
                i += 1
        finally:
            connection.close()

    start = time.perf_counter()
    pool = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(done) / (time.perf_counter() - start)


# --- kiosks over SIP2 -------------------------------------------------------------------------


def frame(message: str, seq: int) -> bytes:
    data = f"{message}AY{seq % 10}AZ".encode()
    return data + checksum(data).encode() + b"\r"


async def kiosk(port, k, card, stop_at, latencies, errors, pause):
    # Each kiosk from its own address (any 127.x.y.z is this machine), as kiosks in branches:
    # the server caps connections per address that have not logged in yet.
    source = f"127.1.{k // 250}.{k % 250 + 1}"
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    seq = 0

    async def ask(message: str) -> str:
        nonlocal seq
        seq += 1
        writer.write(frame(message, seq))
        await writer.drain()
        return (await reader.readuntil(b"\r")).decode()

    assert (await ask(f"9300CNkiosk{k}|CO{PASSWORD}|")).startswith("941")
    rng = random.Random(k)
    if pause:
        await asyncio.sleep(rng.uniform(0, pause))  # kiosks do not all start at the same instant
    i = 0
    while time.perf_counter() < stop_at:
        code = barcode(f"k{k}", i)
        for message, ok in (
            (f"11NN{DATE}{DATE}AO|AA{card}|AB{code}|AC|", "121"),
            (f"09N{DATE}{DATE}APbench|AO|AB{code}|AC|", "101"),
        ):
            sent = time.perf_counter()
            answer = await ask(message)
            latencies.append(time.perf_counter() - sent)
            if not answer.startswith(ok):
                errors.append(answer[:160])
            if pause:  # a person scanning the next item: `pause` on average, never in lockstep
                await asyncio.sleep(rng.uniform(0.5 * pause, 1.5 * pause))
        i += 1
    writer.close()
    await writer.wait_closed()


async def load(port, cards, seconds, pause=0.0):
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    await asyncio.gather(
        *(
            kiosk(port, k, card, start + seconds, latencies, errors, pause)
            for k, card in enumerate(cards)
        )
    )
    return len(latencies) / (time.perf_counter() - start), latencies, errors


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("clb sip2 stopped before it listened")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("clb sip2 did not start")


def percentiles(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    return statistics.median(ordered) * 1000, ordered[int(0.99 * (len(ordered) - 1))] * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=8, help="worker threads of clb sip2")
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between scans, paced run")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: python scripts/pg.py -- .venv/bin/python bench/sip2.py")
    call_command("migrate", verbosity=0)
    net, cards = setup(args.kiosks, args.workers)
    kiosk_cards = [cards[f"k{k}"] for k in range(args.kiosks)]
    connection.close()

    services_rate(net, cards, args.workers, 2)  # warm-up
    direct = services_rate(net, cards, args.workers, args.seconds)
    single = services_rate(net, cards, 1, min(args.seconds, 10))
    connection.close()

    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix="clb-sip2-", suffix=".log")  # noqa: SIM115
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("clb")), "sip2", "--port", str(port)]
        + ["--workers", str(args.workers)],
        stdout=subprocess.DEVNULL,
        stderr=log,
        env={**os.environ, "CLB_LOG_LEVEL": "WARNING"},
    )
    try:
        wait_for(port, server)
        asyncio.run(load(port, kiosk_cards, 2))  # warm-up: connections, logins, query plans
        rate, latencies, errors = asyncio.run(load(port, kiosk_cards, args.seconds))
        paced_rate, paced, paced_errors = asyncio.run(
            load(port, kiosk_cards, args.seconds, args.pause)
        )
    finally:
        server.terminate()
        server.wait(timeout=60)
    log.seek(0)
    warnings = [line for line in log if "WARNING" in line or "ERROR" in line or "Traceback" in line]
    open_loans = Loan.objects.open().count()

    p50, p99 = percentiles(latencies)
    paced50, paced99 = percentiles(paced)
    print(f"kiosks {args.kiosks}, server workers {args.workers}, {args.seconds:g} s per run")
    print(
        f"SIP2 saturated:         {rate:7.1f} tx/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms"
        f"   refused {len(errors)}"
    )
    print(
        f"SIP2 paced ({args.pause:g} s/scan): {paced_rate:7.1f} tx/s   p50 {paced50:6.1f} ms"
        f"   p99 {paced99:6.1f} ms   refused {len(paced_errors)}"
    )
    print(f"services, {args.workers} threads:    {direct:7.1f} tx/s   (no network, no SIP2)")
    print(f"services, 1 thread:     {single:7.1f} tx/s")
    print(
        f"ratio SIP2 / services ({args.workers} threads): {rate / direct:.2f}"
        f"   / services (1 thread): {rate / single:.2f}   (aim >= 0.5)"
    )
    print(f"p99 paced {paced99:.1f} ms (aim <= 50 ms); saturated p99 is queueing: 50 kiosks/rate")
    print(f"open loans after the run: {open_loans} (must be 0); server warnings: {len(warnings)}")
    for line in (errors + paced_errors)[:3] + warnings[:3]:
        print("  ", line.rstrip())
    if open_loans or errors or paced_errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
