"""Checkout+checkin pairs per second through CLB's services, against the same SQL sent through
the database's driver alone (psycopg; sqlite3 for the embedded default), in one run.

    python scripts/pg.py -- .venv/bin/python bench/circulation.py [--pairs 2000]
    CLB_DATA_DIR=/tmp/clb-bench .venv/bin/python bench/circulation.py     (SQLite)

The services run with a statement recorder on; the recorded statements are then replayed through
a bare driver connection, one transaction per service call as Django ran them. The two sides take
turns in chunks of CHUNK pairs, so both see the same load on a shared machine. Each pair uses its
own copy, so the replay never collides with what the services wrote. The ratio is CLB's rate over
the raw rate: what the Python side (ORM, rule resolution, routing) costs on top of the database.

The raw side replays whatever the services sent, so a statement the services stop sending leaves
both sides: the ratio is the share of an action's time that is the database's own, and 1.0 (no
Python at all) is its limit. The absolute rates and the statement counts say the rest.
"""

import argparse
import os
import re
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clb.settings")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from clb.catalogue.models import Item, ItemType  # noqa: E402
from clb.circulation import services  # noqa: E402
from measuring import Recorder  # noqa: E402

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
MARK = object()


def setup(pairs: int):
    from tests.factories import make_network

    net = make_network()
    return net, borrowers_and_copies(net, pairs)


def borrowers_and_copies(net, pairs: int) -> list:
    """50 young members of net.org_a (no fees: every pair the same) and `pairs` copies at net.a1
    with the barcodes run_clb lends (B00000000, …); the members are returned."""
    from tests.factories import make_patron, make_record

    patrons = [make_patron(net.org_a, birth_date=date(2014, 1, 1)) for _ in range(50)]
    book = ItemType.objects.get(code="boek")
    records = [make_record(title=f"Titel {i}") for i in range(100)]
    Item.objects.bulk_create(
        Item(
            barcode=f"B{i:08d}",
            record=records[i % 100],
            organisation=net.org_a,
            home_branch=net.a1,
            current_branch=net.a1,
            item_type=book,
        )
        for i in range(pairs)
    )
    return patrons


CHUNK = 50  # pairs through CLB, then the same pairs raw: both sides see the same machine load


def run_clb(net, patrons, pairs: range, recorder: Recorder) -> tuple[float, list]:
    """Seconds for these pairs through the services, and their statements per service call."""
    groups = []
    start = time.perf_counter()
    with connection.execute_wrapper(recorder):
        for i in pairs:
            at = T0 + timedelta(seconds=i)
            patron = patrons[i % len(patrons)]
            before = len(recorder.statements)
            services.checkout(
                item_barcode=f"B{i:08d}", card_number=patron.card_number, branch=net.a1, at=at
            )
            groups.append(recorder.statements[before:])
            before = len(recorder.statements)
            services.checkin(item_barcode=f"B{i:08d}", branch=net.a1, at=at + timedelta(days=3))
            groups.append(recorder.statements[before:])
    return time.perf_counter() - start, groups


def _bookkeeping(sql: str) -> bool:
    # Savepoints are Django's own bookkeeping inside atomic(); the driver's transaction gives
    # the same boundaries without them.
    return sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))


class PsycopgReplay:
    def __init__(self):
        settings = connection.settings_dict
        self.conn = psycopg.connect(
            host=settings["HOST"],
            port=settings["PORT"],
            user=settings["USER"],
            dbname=settings["NAME"],
            password=settings["PASSWORD"] or None,
            cursor_factory=psycopg.ClientCursor,
        )
        self.cur = self.conn.cursor()
        self.name = "psycopg"

    def __call__(self, groups) -> float:
        start = time.perf_counter()
        for group in groups:
            with self.conn.transaction():
                for sql, params in group:
                    if not _bookkeeping(sql):
                        self.cur.execute(sql, params)
                        if self.cur.description:
                            self.cur.fetchall()
        return time.perf_counter() - start


class SqliteReplay:
    """Through the sqlite3 connection under Django's (its pragmas and the catalogue's SQL
    functions, in autocommit): each group opens with the BEGIN IMMEDIATE Django sent."""

    placeholder = re.compile(r"(?<!%)%s")

    def __init__(self):
        connection.ensure_connection()
        self.conn = connection.connection
        self.name = "sqlite3"

    def __call__(self, groups) -> float:
        groups = [
            [(self.placeholder.sub("?", sql).replace("%%", "%"), params) for sql, params in group]
            for group in groups
        ]
        assert self.conn.isolation_level is None  # autocommit: the groups' BEGIN and COMMIT rule
        start = time.perf_counter()
        for group in groups:
            for sql, params in group:
                if not _bookkeeping(sql):
                    self.conn.execute(sql, params or ()).fetchall()
            self.conn.execute("COMMIT")
        return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    net, patrons = setup(args.pairs * 2)
    # Warm-up on the second half of the copies: caches, prepared plans, Python imports.
    run_clb(net, patrons, range(args.pairs, args.pairs + min(200, args.pairs)), Recorder())
    replay = SqliteReplay() if connection.vendor == "sqlite" else PsycopgReplay()
    recorder = Recorder()
    clb_seconds = raw_seconds = 0.0
    calls = []  # statements per service call: checkout, checkin, checkout, …
    for first in range(0, args.pairs, CHUNK):
        seconds, groups = run_clb(
            net, patrons, range(first, min(first + CHUNK, args.pairs)), recorder
        )
        clb_seconds += seconds
        raw_seconds += replay(groups)
        calls += groups
    clb_rate, raw_rate = args.pairs / clb_seconds, args.pairs / raw_seconds
    per_pair = len(recorder.statements) / args.pairs
    per_checkout = sum(len(g) for g in calls[0::2]) / args.pairs
    per_checkin = sum(len(g) for g in calls[1::2]) / args.pairs
    print(
        f"{connection.vendor}, pairs: {args.pairs}, SQL statements per pair: {per_pair:.1f}"
        f" (checkout {per_checkout:.1f}, checkin {per_checkin:.1f}),"
        f" load average {os.getloadavg()[0]:.1f}"
    )
    print(f"CLB services:        {clb_rate:8.1f} checkout+checkin pairs/s")
    print(f"same SQL, {replay.name}:   {raw_rate:8.1f} pairs/s")
    print(f"ratio CLB/raw:       {clb_rate / raw_rate:8.2f}  (aim on PostgreSQL >= 0.5)")


if __name__ == "__main__":
    main()
