"""Archiving a month of statistics events on PostgreSQL: `clb archive-events` (check the
half-year's tallies, keep the month's counts, drop its partition) against the long DELETE of a
month of the same size, in the same run.

    python scripts/pg.py -- .venv/bin/python bench/partitions.py [--events 1000000]

Three months of 2024 get --events events each (INSERT … SELECT over generate_series, one
partition a month), the tallies are built from them (`rebuild`, a month at a time), then:
January is archived with archive_before (what the command does; its check of the half-year's
tallies is also timed alone), February's rows are removed with one DELETE and the VACUUM that
must follow it, and March's partition is dropped by hand (the drop alone). Prints the times, the
WAL each wrote (what replicas and the WAL archive receive) and the load average (the machine is
shared: compare within one run). Add --durable to scripts/pg.py for fsync'd WAL."""

import argparse
import os
import sys
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clb.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

LATER = datetime(2026, 6, 1, 12, tzinfo=ZoneInfo("Europe/Amsterdam"))
TABLE = "statistics_circulationevent"


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def timed(fn, *args, **kwargs) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def wal_now() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')")
        return int(cursor.fetchone()[0])


def measured(fn, *args, **kwargs) -> tuple[float, str]:
    """Seconds and the WAL written."""
    before = wal_now()
    seconds = timed(fn, *args, **kwargs)
    return seconds, f"{(wal_now() - before) / 1e6:.1f} MB"


def network():
    from clb.network.models import Branch, Municipality, Organisation, Province

    province = Province.objects.create(code="PV26", name="Utrecht")
    town = Municipality.objects.create(
        code="GM0344", name="Utrecht", province=province, inhabitants=374238,
        inhabitants_0_17=70000, reference_date=date(2024, 1, 1),
    )  # fmt: skip
    org = Organisation.objects.create(code="bench", name="Bench")
    branch = Branch.objects.create(
        organisation=org, code="bench-1", name="Bench", municipality=town, lat=52.09, lon=5.12
    )
    return org, branch


def fill(month: int, n: int, org, branch) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (occurred_on, action, organisation_id, branch_id, item_type,"
            f" material_type, audience, age_band, municipality_code, source)"
            f" SELECT date '2024-{month:02}-01' + (i %% 28), (ARRAY['checkout', 'checkin',"
            f" 'renew'])[1 + i %% 3], %s, %s, 'boek', 'book', (ARRAY['adult', 'youth'])[1 + i %% 2],"
            f" (ARRAY['0-3', '9-14', '20-64', '65+'])[1 + i %% 4], 'GM0344', ''"
            f" FROM generate_series(1, %s) i",
            [org.pk, branch.pk, n],
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000, help="events per month")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: python scripts/pg.py -- .venv/bin/python bench/partitions.py")
    from clb.statistics import partitions, tallies
    from clb.statistics.archive import archive_before

    call_command("migrate", verbosity=0)
    org, branch = network()
    partitions.ensure(date(2024, 1, 1), ahead=5)
    for month in (1, 2, 3):
        say(
            f"{args.events:,} events in 2024-{month:02}: {timed(fill, month, args.events, org, branch):.1f} s"
        )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {TABLE}")
    rebuilt = timed(tallies.rebuild, date(2024, 1, 1), date(2024, 6, 30))
    say(f"rebuild-tallies 2024-H1 (six months, one partition each): {rebuilt:.1f} s")

    from clb.statistics.tallies import disagreements

    checked = timed(disagreements, date(2024, 1, 1))
    say(f"the check alone (2024-H1's tallies against its events): {checked:.2f} s")
    archived, wal = measured(archive_before, date(2024, 2, 1), at=LATER)
    say(f"archive-events --before 2024-02 (check, keep counts, DROP): {archived:.2f} s, WAL {wal}")

    def delete():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {TABLE} WHERE occurred_on >= '2024-02-01'"
                f" AND occurred_on < '2024-03-01'"
            )

    deleted, wal = measured(delete)
    say(f"DELETE of 2024-02 ({args.events:,} rows): {deleted:.2f} s, WAL {wal}")

    def vacuum():
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {TABLE}_2024_02")

    vacuumed, wal = measured(vacuum)
    say(f"VACUUM after it (the dead rows): {vacuumed:.2f} s, WAL {wal}")

    def drop():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {TABLE}_2024_03")

    dropped, wal = measured(drop)
    say(f"DROP TABLE of 2024-03's partition ({args.events:,} rows): {dropped:.3f} s, WAL {wal}")
    say(
        f"DELETE+VACUUM / DROP = {(deleted + vacuumed) / dropped:.0f}x;"
        f" archive without its check = {archived - checked:.2f} s"
    )
    say(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
