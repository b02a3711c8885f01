"""Replica lag, read routing and read-your-writes with a PostgreSQL primary and one streaming
replica on this machine, under a steady write load.

    python scripts/pg.py --replica -- .venv/bin/python bench/replica.py [--seconds 60] [--rate 50]
        [--writers 8] [--replay]

Writers lend (and take back) copies through CLB's services at --rate checkouts a second, each
writer a process of its own (--writers; one process's threads share one interpreter lock, which
held the first version of this benchmark at 3.4 checkouts/s); after each checkout they note the
primary's WAL position and the moment (the monotonic clock is the machine's, the same in every
process). A sampler asks the replica for
its replay position every few milliseconds; a checkout's lag is the time until the replica has
replayed past it. Meanwhile `clb serve` takes an OPAC and desk mix over HTTP: anonymous searches
and title pages, members who place a hold and look at the title at once, a desk that lends a copy
and looks at it at once. Printed: the checkout rate reached, lag p50/p99/max, the share of page
reads the replica served, and the read-your-writes checks that failed (the aim is 0).
On one 2-core machine a replica adds no throughput; the numbers here are lag, routing, correctness.

--replay: a checkout+checkin costs the writers ~28 ms of CLB's own CPU, so on this machine the
services cannot reach 50/s beside a primary, a replica and the web server. What the replica has to
keep up with is the WAL, and that is the same for the same statements: with --replay the pairs
are first done through the services with their statements recorded (bench/circulation.py's
recorder), and during the run the writers send those statements through psycopg alone at --rate,
each pair once (a copy's loan inserted twice would collide).
"""

import argparse
import multiprocessing
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clb.settings")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from tests.factories import make_item, make_network, make_patron, make_record  # noqa: E402
from tests.faults.site import Browser, free_port  # noqa: E402

from clb.accounts.models import User  # noqa: E402
from clb.circulation import services  # noqa: E402
from clb.replicas import PRIMARY_POSITION, REPLAY_POSITION, lsn  # noqa: E402
from measuring import Recorder, percentile  # noqa: E402

READERS, MEMBERS = 4, 4


def replica_url() -> str:
    url = os.environ.get("CLB_DATABASE_REPLICA_URLS", "").split(",")[0]
    if connection.vendor != "postgresql" or not url:
        sys.exit(
            "Run with a replica: python scripts/pg.py --replica -- .venv/bin/python bench/replica.py"
        )
    return url


def setup(copies: int, writers: int) -> dict:
    net = make_network()
    child = date(2014, 1, 1)  # youth: no fines or fees, every round the same
    User.objects.create_user(
        "balie-bench", password="geheim-wachtwoord", role=User.Role.DESK,
        organisation=net.org_a, branch=net.a1,
    )  # fmt: skip
    desk_patron = make_patron(net.org_a, birth_date=child)
    return {
        "net": net,
        "writers": [
            (make_patron(net.org_a, birth_date=child), [make_item(net.a1).barcode for _ in range(copies)])
            for _ in range(writers)
        ],
        "members": [
            (make_patron(net.org_a, birth_date=child).card_number, [make_item(net.a1).record_id for _ in range(40)])
            for _ in range(MEMBERS)
        ],
        "desk": (desk_patron.card_number, [make_item(net.a1) for _ in range(40)]),
        "records": [make_item(net.a1, make_record(title=f"Zoekwerk {n}")).record_id for n in range(50)],
    }  # fmt: skip


class Run:
    def __init__(self, seconds: float):
        self.until = time.monotonic() + seconds
        self.lock = threading.Lock()
        self.commits: list[tuple[float, int]] = []  # (moment, WAL position) of each checkout
        self.replayed: list[tuple[float, int]] = []  # (moment, replay position) samples
        self.pages = Counter()  # (kind, served by)
        self.checks = Counter()  # read-your-writes: ok / failed
        self.errors: list[str] = []
        self.writer_cpu = 0.0  # seconds of CPU the writing processes used, all together
        self.collected = threading.Event()  # every writer's checkouts are in `commits`

    def going(self) -> bool:
        return time.monotonic() < self.until


def writer(until: float, branch_id: int, card: str, barcodes, rate: float, results):
    """One writing process: checkout and checkin at a steady rate until `until`; sends its
    (moment, WAL position) list and errors back through `results`."""
    from clb.network.models import Branch

    commits, errors = [], []
    cpu = time.process_time()
    try:
        branch = Branch.objects.get(pk=branch_id)
        tick, n = time.monotonic(), 0
        while time.monotonic() < until:
            barcode = barcodes[n % len(barcodes)]
            services.checkout(item_barcode=barcode, card_number=card, branch=branch)
            with connection.cursor() as cursor:
                cursor.execute(PRIMARY_POSITION)
                commits.append((time.monotonic(), lsn(cursor.fetchone()[0])))
            services.checkin(item_barcode=barcode, branch=branch)
            n += 1
            tick += 1 / rate
            time.sleep(max(0.0, tick - time.monotonic()))  # a steady rate, not a burst
    except Exception as exc:  # reported at the end
        errors.append(f"writer: {exc!r}")
    finally:
        connection.close()
        results.put((commits, errors, time.process_time() - cpu))


def recorded_pairs(net, pairs: int) -> list[tuple[list, list]]:
    """`pairs` checkouts and checkins done through the services now, each with the statements
    it sent, for the --replay writers."""
    from circulation import borrowers_and_copies, run_clb

    patrons = borrowers_and_copies(net, pairs)
    _seconds, groups = run_clb(net, patrons, range(pairs), Recorder())
    return list(zip(groups[0::2], groups[1::2], strict=True))


def replaying_writer(until: float, pairs, rate: float, results):
    """A --replay writing process: the recorded pairs through psycopg alone, at a steady rate."""
    from circulation import PsycopgReplay

    commits, errors = [], []
    cpu = time.process_time()
    try:
        replay = PsycopgReplay()
        tick = time.monotonic()
        for checkout, checkin in pairs:
            if time.monotonic() >= until:
                break
            replay([checkout])
            position = replay.cur.execute(PRIMARY_POSITION).fetchone()[0]
            replay.conn.commit()
            commits.append((time.monotonic(), lsn(position)))
            replay([checkin])
            tick += 1 / rate
            time.sleep(max(0.0, tick - time.monotonic()))
        else:
            errors.append("replay: out of recorded pairs before the end (record more)")
    except Exception as exc:  # reported at the end
        errors.append(f"replaying writer: {exc!r}")
    finally:
        results.put((commits, errors, time.process_time() - cpu))


def sampler(run: Run, url: str):
    with psycopg.connect(url, autocommit=True) as db:
        while run.going() or not run.collected.is_set():
            position = lsn(db.execute(REPLAY_POSITION).fetchone()[0])
            run.replayed.append((time.monotonic(), position))
            time.sleep(0.002)
        # Until the last checkout has been replayed too.
        last = run.commits[-1][1] if run.commits else 0
        give_up = time.monotonic() + 30
        while run.replayed[-1][1] < last and time.monotonic() < give_up:
            run.replayed.append((time.monotonic(), lsn(db.execute(REPLAY_POSITION).fetchone()[0])))
            time.sleep(0.002)


def page(run: Run, browser: Browser, kind: str, path: str) -> str:
    status, _, text = browser.request("GET", path)
    if status != 200:
        run.errors.append(f"{kind} {path}: HTTP {status}")
    with run.lock:
        run.pages[kind, browser.seen.get("X-CLB-Reads", "?")] += 1
    return text


def reader(run: Run, port: int, records: list[int]):
    browser, n = Browser(port), 0
    while run.going():
        page(run, browser, "opac", f"/zoeken/?q=zoekwerk+{n % 50}")
        page(run, browser, "opac", f"/titel/{records[n % len(records)]}/")
        n += 1


def member(run: Run, port: int, card: str, records: list[int], branch: int):
    browser = Browser(port)
    browser.log_in_member(card)
    for record in records:
        if not run.going():
            return
        status, _, _ = browser.request(
            "POST", f"/titel/{record}/reserveren/", {"pickup_branch": branch}
        )
        if status != 302:
            run.errors.append(f"hold on {record}: HTTP {status}")
            continue
        seen = page(run, browser, "member", f"/titel/{record}/")
        check(run, browser, "member", "1 reservering." in seen)
        page(run, browser, "member", "/mijn/")


def desk(run: Run, port: int, card: str, items):
    browser = Browser(port)
    browser.log_in_staff("balie-bench")
    _, location, _ = browser.request("POST", "/balie/", {"card_number": card})
    patron_page = re.search(r"/balie/lener/\d+/", location).group(0)
    for item in items:
        if not run.going():
            return
        status, _, _ = browser.request(
            "POST", patron_page + "uitlenen/", {"item_barcode": item.barcode}
        )
        if status != 302:
            run.errors.append(f"lending {item.barcode}: HTTP {status}")
            continue
        seen = page(run, browser, "desk", f"/titel/{item.record_id}/")
        check(run, browser, "desk", "uitgeleend tot" in seen)
        page(run, browser, "desk", patron_page)
        # Taken back again: the member's loan limit must not end the desk's round early.
        browser.request("POST", "/balie/innemen/", {"item_barcode": item.barcode})


def check(run: Run, browser: Browser, kind: str, seen_it: bool) -> None:
    """A read-your-writes check; a failure names who served the page that missed the write."""
    run.checks["ok" if seen_it else "failed"] += 1
    if not seen_it:
        served = browser.seen.get("X-CLB-Reads", "?")
        run.errors.append(
            f"read-your-writes ({kind}): the write was not on the next page, read from {served}"
        )


def lags(run: Run) -> list[float]:
    """Per checkout: seconds until the first sample that had replayed past it."""
    found, i = [], 0
    for moment, position in run.commits:
        while i < len(run.replayed) and (
            run.replayed[i][0] < moment or run.replayed[i][1] < position
        ):
            i += 1
        if i == len(run.replayed):
            break
        found.append(run.replayed[i][0] - moment)
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=50, help="checkouts a second, all writers")
    parser.add_argument("--writers", type=int, default=8, help="writing processes")
    parser.add_argument(
        "--replay", action="store_true", help="writers send the services' recorded statements"
    )
    args = parser.parse_args()
    url = replica_url()
    call_command("migrate", verbosity=0)
    made = setup(copies=200, writers=args.writers)
    if args.replay:
        needed = int(args.rate * args.seconds * 1.1) + args.writers
        started = time.monotonic()
        pairs = recorded_pairs(made["net"], needed)
        print(f"recorded {needed} pairs through the services in {time.monotonic() - started:.0f} s")
    branch = made["net"].a1.pk
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("clb")), "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT, env=dict(os.environ, CLB_PLAIN_STATIC="1"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        if not wait_listening(port):
            sys.exit("clb serve did not start")
        run = Run(args.seconds)
        forked = multiprocessing.get_context("fork")
        results = forked.Queue()
        share = args.rate / args.writers
        writers = [
            forked.Process(target=replaying_writer, args=(run.until, pairs[n :: args.writers], share, results))
            if args.replay
            else forked.Process(target=writer, args=(run.until, branch, p.card_number, b, share, results))
            for n, (p, b) in enumerate(made["writers"])
        ]  # fmt: skip
        threads = [threading.Thread(target=sampler, args=(run, url))]
        threads += [
            threading.Thread(target=reader, args=(run, port, made["records"]))
            for _ in range(READERS)
        ]
        threads += [
            threading.Thread(target=member, args=(run, port, card, records, branch))
            for card, records in made["members"]
        ]
        threads.append(threading.Thread(target=desk, args=(run, port, *made["desk"])))
        wal_before = position_now()
        connection.close()  # not inherited by the writing processes
        started = time.monotonic()
        for process in writers:
            process.start()
        for thread in threads:
            thread.start()
        for _ in writers:  # before joining them: a process waits until its results are taken
            commits, errors, cpu = results.get()
            run.commits += commits
            run.errors += errors
            run.writer_cpu += cpu
        run.commits.sort()
        run.collected.set()
        for process in writers:
            process.join()
        for thread in threads:
            thread.join()
        elapsed = min(time.monotonic() - started, args.seconds)
        wal = position_now() - wal_before
    finally:
        server.terminate()
        server.wait(60)
    report(run, elapsed, args)
    print(
        f"WAL written: {wal / 1e6:.1f} MB, {wal / max(len(run.commits), 1):.0f} bytes per checkout+checkin"
    )
    for table in ("circulation_loan", "statistics_circulationevent"):
        with connection.cursor() as cursor:  # a partitioned table's size is its partitions'
            cursor.execute(
                f"SELECT count(*), (SELECT COALESCE(sum(pg_total_relation_size(inhrelid)), 0)"
                f" FROM pg_inherits WHERE inhparent = '{table}'::regclass)"
                f" + pg_total_relation_size('{table}') FROM {table}"
            )
            rows, size = cursor.fetchone()
        print(f"{table}: {rows} rows, {size / max(rows, 1):.0f} bytes a row with its indexes")


def report(run: Run, elapsed: float, args):
    found = [1000 * s for s in lags(run)]
    print(
        f"replicas: {list(settings.DATABASES)[1:]}, {args.seconds:g} s, aim {args.rate:g} checkouts/s"
    )
    print(f"checkouts: {len(run.commits)} ({len(run.commits) / elapsed:.1f}/s)")
    if run.commits and args.replay:
        print("writers: the services' recorded statements through psycopg alone (--replay)")
    elif run.commits:
        cpu = 1000 * run.writer_cpu / len(run.commits)
        print(
            f"writers' own CPU (CLB's Python, not PostgreSQL's): {cpu:.0f} ms a checkout+checkin;"
            f" {args.rate:g}/s needs {args.rate * cpu / 1000:.1f} cores of it"
        )
    if found:
        print(
            f"replica lag (ms): p50 {percentile(found, 0.5):.1f}, p99 {percentile(found, 0.99):.1f}, "
            f"max {max(found):.1f} over {len(found)} checkouts, {len(run.replayed)} samples"
        )
    total = sum(run.pages.values())
    by_replica = sum(n for (kind, served), n in run.pages.items() if served != "primary")
    print(
        f"page reads: {total}, from the replica: {by_replica} ({100 * by_replica / max(total, 1):.1f} %)"
    )
    for kind in ("opac", "member", "desk"):
        n = sum(v for (k, _), v in run.pages.items() if k == kind)
        r = sum(v for (k, s), v in run.pages.items() if k == kind and s != "primary")
        print(f"  {kind:7} {n:6} pages, {r:6} from the replica")
    print(
        f"read-your-writes checks: {run.checks['ok'] + run.checks['failed']}, failed: {run.checks['failed']}"
    )
    if run.errors:
        print(f"errors ({len(run.errors)}):", *run.errors[:10], sep="\n  ")


def position_now() -> int:
    with connection.cursor() as cursor:
        cursor.execute(PRIMARY_POSITION)
        return lsn(cursor.fetchone()[0])


def wait_listening(port: int) -> bool:
    import socket

    for _ in range(1200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


if __name__ == "__main__":
    main()
