"""Checkout+checkin pairs per second through CLB's services, against the same SQL sent through
psycopg alone, in one run on PostgreSQL.

    python scripts/pg.py -- .venv/bin/python bench/circulation.py [--pairs 2000]

The services run with a statement recorder on; the recorded statements are then replayed through
a bare psycopg connection, one transaction per service call as Django ran them. Each pair uses its
own copy, so the replay never collides with what the services wrote. The ratio is CLB's rate over
the raw rate: what the Python side (ORM, rule resolution, routing) costs on top of the database.
"""

import argparse
import os
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
    from tests.factories import make_network, make_patron, make_record

    net = make_network()
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
    return net, patrons


def run_clb(net, patrons, pairs: int, recorder: Recorder) -> float:
    groups = []
    start = time.perf_counter()
    with connection.execute_wrapper(recorder):
        for i in range(pairs):
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
    elapsed = time.perf_counter() - start
    recorder.groups = groups
    return pairs / elapsed


def run_raw(groups, pairs: int) -> float:
    settings = connection.settings_dict
    conn = psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        dbname=settings["NAME"],
        password=settings["PASSWORD"] or None,
        cursor_factory=psycopg.ClientCursor,
    )
    start = time.perf_counter()
    with conn:
        cur = conn.cursor()
        for group in groups:
            with conn.transaction():
                for sql, params in group:
                    # Savepoints are Django's own bookkeeping inside atomic(); psycopg's
                    # transaction() gives the same boundaries without them.
                    if sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
                        continue
                    cur.execute(sql, params)
                    if cur.description:
                        cur.fetchall()
    return pairs / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: python scripts/pg.py -- .venv/bin/python bench/circulation.py")
    call_command("migrate", verbosity=0)
    net, patrons = setup(args.pairs * 2)
    # Warm-up on the second half of the copies: caches, prepared plans, Python imports.
    warm = Recorder()
    run_clb_offset(net, patrons, args.pairs, min(200, args.pairs), warm)
    recorder = Recorder()
    clb_rate = run_clb(net, patrons, args.pairs, recorder)
    raw_rate = run_raw(recorder.groups, args.pairs)
    per_pair = len(recorder.statements) / args.pairs
    print(f"pairs: {args.pairs}, SQL statements per checkout+checkin pair: {per_pair:.1f}")
    print(f"CLB services:        {clb_rate:8.1f} checkout+checkin pairs/s")
    print(f"same SQL, psycopg:   {raw_rate:8.1f} pairs/s")
    print(f"ratio CLB/raw:       {clb_rate / raw_rate:8.2f}  (aim >= 0.5)")


def run_clb_offset(net, patrons, offset: int, count: int, recorder: Recorder) -> None:
    with connection.execute_wrapper(recorder):
        for i in range(offset, offset + count):
            at = T0 + timedelta(seconds=i)
            patron = patrons[i % len(patrons)]
            services.checkout(
                item_barcode=f"B{i:08d}", card_number=patron.card_number, branch=net.a1, at=at
            )
            services.checkin(item_barcode=f"B{i:08d}", branch=net.a1, at=at + timedelta(days=3))


if __name__ == "__main__":
    main()
