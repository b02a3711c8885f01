"""The floor under bench/circulation.py: one locking item lookup through the ORM against the same
SQL through Django's cursor, each in its own transaction, on PostgreSQL.

    python scripts/pg.py -- .venv/bin/python bench/orm_floor.py

Shows what query compilation costs per statement on this machine; a service that issues k ORM
queries per transaction cannot beat roughly this ratio without hand-written SQL."""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clb.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from clb.catalogue.models import Item  # noqa: E402

N = 2000


def main():
    call_command("migrate", verbosity=0)
    from tests.factories import make_item, make_network

    net = make_network()
    barcode = make_item(net.a1).barcode

    def query():
        return (
            Item.objects.select_for_update(of=("self",))
            .select_related("item_type", "organisation")
            .filter(barcode=barcode)
        )

    with transaction.atomic():
        sql, params = query().query.sql_with_params()

    def orm():
        with transaction.atomic():
            query().get()

    def raw():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    results = {}
    for fn in (orm, raw, orm, raw):  # twice each: the first round warms up
        start = time.perf_counter()
        for _ in range(N):
            fn()
        results[fn.__name__] = (time.perf_counter() - start) / N * 1e6
    print(f"ORM:  {results['orm']:7.0f} µs per transaction with one locking SELECT")
    print(f"raw:  {results['raw']:7.0f} µs for the same SQL")
    print(f"ratio raw/ORM time: {results['raw'] / results['orm']:.2f}")


if __name__ == "__main__":
    main()
