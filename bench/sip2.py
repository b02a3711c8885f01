"""SIP2 under load: 50 kiosks doing checkout+checkin of their own items against `clb sip2`,
compared with the circulation services called directly, in one run on PostgreSQL.

    python scripts/pg.py -- .venv/bin/python bench/sip2.py [--kiosks 50] [--seconds 20]

Prints transactions per second (a checkout or a checkin is one transaction), p50/p99 latency
seen by the kiosks, and the ratio to the rate of the services alone (single caller, no network).
"""

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
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
from clb.selfservice.models import KioskAccount  # noqa: E402
from clb.selfservice.sip2 import codec  # noqa: E402

PASSWORD = "bench-secret"
DATE = "20260302    100000"
ITEMS_PER_KIOSK = 3


def setup(kiosks: int):
    from tests.factories import make_network, make_patron, make_record

    net = make_network()
    book = ItemType.objects.get(code="boek")
    record = make_record(title="Benchmark")
    patrons = [make_patron(net.org_a, birth_date=date(2014, 1, 1)) for _ in range(kiosks + 1)]
    Item.objects.bulk_create(
        Item(
            barcode=f"K{k:03d}{i}",
            record=record,
            organisation=net.org_a,
            home_branch=net.a1,
            current_branch=net.a1,
            item_type=book,
        )
        for k in range(kiosks + 1)
        for i in range(ITEMS_PER_KIOSK)
    )
    for k in range(kiosks):
        account = KioskAccount(login=f"kiosk{k}", branch=net.a1)
        account.set_password(PASSWORD)
        account.save()
    return net, patrons


def services_rate(net, patron, seconds: float) -> float:
    """Checkout+checkin through the services, one caller, for `seconds`."""
    done = 0
    barcodes = [f"K{len_:03d}{i}" for len_ in [KIOSK_SPARE] for i in range(ITEMS_PER_KIOSK)]
    end = time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < end:
        barcode = barcodes[done // 2 % ITEMS_PER_KIOSK]
        services.checkout(item_barcode=barcode, card_number=patron.card_number, branch=net.a1)
        services.checkin(item_barcode=barcode, branch=net.a1)
        done += 2
    return done / (time.perf_counter() - start)


def frame(message: str, seq: int) -> bytes:
    message += f"AY{seq % 10}AZ"
    return (message + codec.checksum(message) + "\r").encode()


async def kiosk(
    port: int, k: int, card: str, stop_at: float, latencies: list, errors: list, pause: float
):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
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
        barcode = f"K{k:03d}{i % ITEMS_PER_KIOSK}"
        for message, ok in (
            (f"11YN{DATE}{DATE}AO|AA{card}|AB{barcode}|", "121"),
            (f"09N{DATE}{DATE}APbench|AO|AB{barcode}|", "101"),
        ):
            t = time.perf_counter()
            answer = await ask(message)
            latencies.append(time.perf_counter() - t)
            if not answer.startswith(ok):
                errors.append(answer[:120])
            if pause:
                # A person scanning the next item: on average `pause`, never in lockstep.
                await asyncio.sleep(rng.uniform(0.5 * pause, 1.5 * pause))
        i += 1
    writer.close()


async def load(port: int, cards: list[str], seconds: float, pause: float = 0.0):
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    stop_at = start + seconds
    await asyncio.gather(
        *(kiosk(port, k, card, stop_at, latencies, errors, pause) for k, card in enumerate(cards))
    )
    return len(latencies) / (time.perf_counter() - start), latencies, errors


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("clb sip2 did not start")


KIOSK_SPARE = 0


def main():
    global KIOSK_SPARE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--pause", type=float, default=1.0, help="seconds between scans per kiosk in the paced run"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: python scripts/pg.py -- .venv/bin/python bench/sip2.py")
    call_command("migrate", verbosity=0)
    net, patrons = setup(args.kiosks)
    KIOSK_SPARE = args.kiosks  # the spare kiosk's items serve the services-only measurement
    connection.close()
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("clb")), "sip2", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port)
        cards = [p.card_number for p in patrons[: args.kiosks]]
        asyncio.run(load(port, cards, 2))  # warm-up: connections, plans, imports
        rate, latencies, errors = asyncio.run(load(port, cards, args.seconds))
        paced_rate, paced, paced_errors = asyncio.run(load(port, cards, args.seconds, args.pause))
    finally:
        server.terminate()
        server.wait(timeout=30)
    base = services_rate(net, patrons[-1], min(args.seconds, 10))
    print(f"kiosks: {args.kiosks}, seconds per run: {args.seconds:.0f}")
    print(
        f"saturated (no pause):   {rate:7.1f} tx/s  {percentiles(latencies)}  errors {len(errors)}"
    )
    print(
        f"paced ({args.pause:.1f} s per scan): {paced_rate:7.1f} tx/s  {percentiles(paced)}  errors {len(paced_errors)}"
    )
    print(f"services directly:      {base:7.1f} tx/s (one caller, no network)")
    print(f"ratio SIP2/services (saturated): {rate / base:.2f}  (aim >= 0.5; p99 aim <= 50 ms)")
    for error in (errors + paced_errors)[:5]:
        print("error:", error)


def percentiles(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000
    return f"p50 {p50:6.1f} ms  p99 {p99:6.1f} ms"


if __name__ == "__main__":
    main()
