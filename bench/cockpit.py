"""The cockpit at national scale: a year of circulation events over the real network on
PostgreSQL, then the national half-year report and a dashboard page, each read once from the
tallies (kept up to date as events arrive) and once with a plain GROUP BY over the raw events,
in the same run.

    python scripts/pg.py -- .venv/bin/python bench/cockpit.py [--events 60000000]

Building 60 M events takes the better part of an hour on 2 cores: `--build-only` builds into a
PostgreSQL cluster of your own (CLB_DATABASE_URL) and `--reuse` measures what an earlier run
built there; `--pages-only` measures the dashboard pages alone. The pages are those of NL, every
province and Utrecht (GM0344) for 2025-H2 (open: read from the tallies) and 2025-H1 (closed by
the run before any page is measured, unless an earlier run closed it: final figures, kept in
memory after the first view), with the load average and the CPU time of each page beside the
wall-clock time.

Steps: `clb load-reference` (real municipalities, postcode areas, the real library locations);
library organisations and branches generated over every municipality (marked is_demo, ~1 branch
per 18,000 inhabitants, small municipalities with a service point only); N anonymous events in
2025 generated with INSERT … SELECT over generate_series (two connections in parallel); the
tallies built from them with one INSERT … SELECT … GROUP BY per half-year (what `clb
rebuild-tallies` does after a bulk load); member counts, IDO contacts, activities and staff
generated in bulk. Then the measurements, and a check that the tallies equal the raw GROUP BY.
"""

import argparse
import io
import os
import statistics
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clb.settings")
os.environ.setdefault("CLB_PLAIN_STATIC", "1")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from clb.accounts.models import User  # noqa: E402
from clb.network.models import Province  # noqa: E402

AMS = ZoneInfo("Europe/Amsterdam")
YEAR = 2025
AT = datetime(2026, 3, 2, 10, tzinfo=AMS)  # "now" for the measurements: 2025 is over
# Both halves of 2025 are over and hold as many events. The first is closed before its pages
# are measured (its figures final); the second stays open (its figures read from the tallies).
CLOSED, OPEN = f"{YEAR}-H1", f"{YEAR}-H2"


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def connect():
    s = settings.DATABASES["default"]
    return psycopg.connect(
        host=s["HOST"], port=s["PORT"], user=s["USER"], dbname=s["NAME"], autocommit=True
    )


# --- the network ------------------------------------------------------------------------------


def build_network() -> None:
    """Organisations over every municipality, branches in proportion to inhabitants."""
    from decimal import Decimal

    from clb.members.defaults import install_subscription_types
    from clb.network.models import Branch, Municipality, Organisation

    municipalities = list(Municipality.objects.order_by("province__code", "code"))
    organisations, branches = [], []
    group: list = []
    for m in municipalities + [None]:
        if group and (
            m is None
            or m.province_id != group[0].province_id
            or sum(g.inhabitants for g in group) > 120_000
            or len(group) == 3
        ):
            n = len(organisations) + 1
            org = Organisation.objects.create(
                code=f"bench-{n:03d}",
                name=f"Bibliotheek {group[0].name} e.o. (bench)",
                is_demo=True,
            )
            org.municipalities.set(group)
            install_subscription_types(org)
            organisations.append(org)
            for muni in group:
                count = max(1, round(muni.inhabitants / 18_000))
                for i in range(count):
                    # Small places keep only a service point: the cockpit must find them.
                    hours = (
                        Decimal("8")
                        if muni.inhabitants < 12_000 and i == 0
                        else Decimal("40" if i == 0 else "18")
                    )
                    branches.append(
                        Branch(
                            organisation=org,
                            code=f"bench-{muni.code.lower()}-{i}",
                            name=f"{muni.name} {i + 1}",
                            staffed_hours_week=hours,
                            kind="vestiging" if hours >= 15 else "servicepunt",
                            municipality=muni,
                            lat=muni.centroid_lat,
                            lon=muni.centroid_lon,
                            is_demo=True,
                            opened_on=date(2000, 1, 1),
                        )
                    )
            group = []
        if m is not None:
            group.append(m)
    Branch.objects.bulk_create(branches, batch_size=1000)
    # A few closures and openings inside the year, as the real network shrinks and moves.
    for i, b in enumerate(Branch.objects.filter(is_demo=True, code__endswith="-1")[:40]):
        if i % 2:
            b.closed_on = date(YEAR, 3 + i % 9, 1)
        else:
            b.opened_on = date(YEAR, 2 + i % 10, 15)
        b.save()
    # Some organisations still charge a youth fee, which the cockpit lists.
    from clb.members.models import SubscriptionType

    SubscriptionType.objects.filter(
        organisation__in=organisations[:: len(organisations) // 6], category="youth"
    ).update(yearly_fee=Decimal("10.00"), youth_fee_confirmed=True)
    say(f"netwerk: {len(organisations)} organisaties, {Branch.objects.count()} locaties")


SLOTS = 100_000
SLOT_SQL = """
        DROP TABLE IF EXISTS bench_branch, bench_muni, bench_action, bench_kind, bench_age;
        CREATE UNLOGGED TABLE bench_branch AS
        WITH w AS (
          SELECT b.id AS branch_id, b.organisation_id, m.code AS muni,
                 m.inhabitants::float / count(*) OVER (PARTITION BY m.id) AS weight
          FROM network_branch b JOIN network_municipality m ON m.id = b.municipality_id
          WHERE b.closed_on IS NULL OR b.closed_on > DATE '2025-01-01'
        ), c AS (
          SELECT *, sum(weight) OVER (ORDER BY branch_id) / sum(weight) OVER () AS upto FROM w
        ), r AS (
          SELECT *, coalesce(lag(upto) OVER (ORDER BY upto), 0) AS lo FROM c
        )
        SELECT generate_series(round(lo * %(n)s)::int, round(upto * %(n)s)::int - 1) AS slot,
               branch_id, organisation_id, muni
        FROM r;
        CREATE UNIQUE INDEX ON bench_branch (slot);
        CREATE UNLOGGED TABLE bench_muni AS
        WITH c AS (SELECT m.code, p.code AS province,
                          sum(m.inhabitants) OVER (ORDER BY p.code, m.code)::float
                          / sum(m.inhabitants) OVER () AS upto
                   FROM network_municipality m JOIN network_province p ON p.id = m.province_id),
        r AS (SELECT *, coalesce(lag(upto) OVER (ORDER BY upto), 0) AS lo FROM c)
        SELECT generate_series(round(lo * %(n)s)::int, round(upto * %(n)s)::int - 1) AS slot,
               code, province
        FROM r;
        CREATE UNIQUE INDEX ON bench_muni (slot);
        -- Patrons who borrow away from home live elsewhere in the same province.
        ALTER TABLE bench_branch ADD COLUMN p_lo int, ADD COLUMN p_hi int;
        UPDATE bench_branch b SET p_lo = r.lo, p_hi = r.hi
          FROM network_municipality nm
          JOIN network_province np ON np.id = nm.province_id
          JOIN (SELECT province, min(slot) AS lo, max(slot) + 1 AS hi FROM bench_muni
                GROUP BY province) r ON r.province = np.code
          WHERE nm.code = b.muni
"""


def fill_slot_tables(cur) -> None:
    """Lookup tables that turn uniform random numbers into weighted choices."""
    for statement in SLOT_SQL.split(";"):
        if statement.strip():
            cur.execute(statement.replace("%(n)s", str(SLOTS)))
    weighted = {
        "bench_action": [
            ("checkout", 380), ("checkin", 370), ("renew", 150), ("hold_placed", 30),
            ("hold_captured", 25), ("hold_fulfilled", 23), ("hold_expired", 3),
            ("hold_cancelled", 4), ("lost", 1), ("member_registered", 14),
        ],
        "bench_kind": [
            ("boek|book|youth", 450), ("boek|book|adult", 330), ("luisterboek|audiobook|adult", 40),
            ("tijdschrift|magazine|adult", 50), ("dvd|dvd|adult", 30), ("dvd|dvd|youth", 20),
            ("spel|game|youth", 10), ("cd|music|adult", 20), ("boek|book|", 50),
        ],
        "bench_age": [
            ("0-3", 80), ("4-8", 170), ("9-14", 200), ("15-17", 50), ("18-19", 20),
            ("20-64", 320), ("65+", 158), ("unknown", 2),
        ],
    }  # fmt: skip
    for table, choices in weighted.items():
        cur.execute(
            f"DROP TABLE IF EXISTS {table}; CREATE UNLOGGED TABLE {table} (slot int PRIMARY KEY, v text)"
        )
        slot, rows = 0, []
        for value, weight in choices:
            rows += [(slot + i, value) for i in range(weight)]
            slot += weight
        with cur.copy(f"COPY {table} (slot, v) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    cur.execute(
        "ANALYZE bench_branch; ANALYZE bench_muni; ANALYZE bench_action; ANALYZE bench_kind; ANALYZE bench_age"
    )


INSERT_EVENTS = """
INSERT INTO statistics_circulationevent
  (occurred_on, action, organisation_id, branch_id, item_type, material_type, audience, age_band,
   municipality_code)
SELECT DATE '2025-01-01' + r.day, a.v, b.organisation_id, b.branch_id,
       CASE WHEN a.v = 'member_registered' THEN '' ELSE split_part(k.v, '|', 1) END,
       CASE WHEN a.v = 'member_registered' THEN '' ELSE split_part(k.v, '|', 2) END,
       CASE WHEN a.v = 'member_registered' THEN '' ELSE split_part(k.v, '|', 3) END,
       g.v,
       CASE WHEN r.away < 0.12 THEN m.code ELSE b.muni END
FROM (SELECT floor(random() * 365)::int AS day, floor(random() * %(slots)s)::int AS bs,
             floor(random() * 1000)::int AS act, floor(random() * 1000)::int AS kind,
             floor(random() * 1000)::int AS age, random() AS away,
             random() AS away2
      FROM generate_series(1, %(n)s)) r
JOIN bench_branch b ON b.slot = r.bs
JOIN bench_action a ON a.slot = r.act
JOIN bench_kind k ON k.slot = r.kind
JOIN bench_age g ON g.slot = r.age
JOIN bench_muni m ON m.slot = b.p_lo + floor(r.away2 * (b.p_hi - b.p_lo))::int
"""


def generate_events(total: int, workers: int) -> float:
    """Bulk-load `total` events; the table's secondary indexes are dropped during the load and
    rebuilt after it, as any bulk load into PostgreSQL does."""
    with connect() as conn:
        cur = conn.cursor()
        fill_slot_tables(cur)
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'statistics_circulationevent'"
            " AND indexname NOT LIKE '%%_pkey'"
        )
        indexes = cur.fetchall()
        for name, _def in indexes:
            cur.execute(f'DROP INDEX "{name}"')
    chunk = 2_000_000
    chunks = [min(chunk, total - i) for i in range(0, total, chunk)]
    done = [0]
    lock = threading.Lock()
    start = time.perf_counter()

    def work(mine):
        with connect() as conn:
            cur = conn.cursor()
            # The generated rows point at existing branches and organisations by construction.
            cur.execute("SET session_replication_role = replica")
            for n in mine:
                cur.execute(INSERT_EVENTS, {"n": n, "slots": SLOTS})
                with lock:
                    done[0] += n
                    rate = done[0] / (time.perf_counter() - start)
                    say(f"  {done[0]:>11,} gebeurtenissen ({rate:,.0f}/s)")

    threads = [threading.Thread(target=work, args=(chunks[i::workers],)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    load_seconds = time.perf_counter() - start
    say(f"{total:,} gebeurtenissen geladen in {load_seconds:.0f} s; indexen opnieuw opbouwen")
    with connect() as conn:
        cur = conn.cursor()
        cur.execute("SET maintenance_work_mem = '512MB'")
        for name, definition in indexes:
            seconds, _ = timed(cur.execute, definition)
            say(f"  index {name}: {seconds:.0f} s")
        cur.execute("ANALYZE statistics_circulationevent")
    return load_seconds


def vacuum() -> None:
    with connect() as conn:  # autocommit: VACUUM cannot run in a transaction
        conn.execute("VACUUM (ANALYZE)")


def generate_registrations() -> None:
    """Member counts, IDO contacts, activities and staff, in bulk."""
    with connect() as conn:
        cur = conn.cursor()
        # ~4 million members: 22 % of inhabitants, youth over-represented.
        for taken_on in (date(YEAR, 6, 30), date(YEAR, 12, 31)):
            cur.execute(
                """
                INSERT INTO statistics_membercount
                  (taken_on, organisation_id, municipality_code, age_band, memberships, patrons)
                SELECT %(day)s, o.organisation_id, m.code, g.v,
                       greatest(0, round(m.inhabitants * 0.22 * g.share
                                 * (0.9 + 0.2 * random())))::int AS n,
                       0
                FROM network_municipality m
                JOIN network_organisation_municipalities o ON o.municipality_id = m.id
                CROSS JOIN (VALUES ('0-3', 0.08), ('4-8', 0.17), ('9-14', 0.20), ('15-17', 0.05),
                                   ('18-19', 0.02), ('20-64', 0.32), ('65+', 0.16)) g(v, share)
                """,
                {"day": taken_on},
            )
            cur.execute(
                "UPDATE statistics_membercount SET patrons = memberships WHERE taken_on = %s",
                [taken_on],
            )
            cur.execute(
                "INSERT INTO statistics_membercountrun (taken_on, taken_at, memberships)"
                " SELECT %s, now(), sum(memberships) FROM statistics_membercount WHERE taken_on = %s",
                [taken_on, taken_on],
            )
        # IDO: ~250,000 contacts a year, 1–2 themes each.
        cur.execute(
            """
            INSERT INTO services_idocontact (organisation_id, branch_id, occurred_on, channel,
              government_body, helped, referred_to, registered_at)
            SELECT b.organisation_id, b.branch_id, DATE '2025-01-01' + r.day,
                   (ARRAY['balie','balie','balie','afspraak','telefoon','email','online'])[1 + r.ch],
                   (ARRAY['logius','toeslagen','belastingdienst','uwv','svb','duo','cjib','rdw',
                          'cak','gemeente'])[1 + r.body],
                   r.ref = '' OR r.helped, r.ref, now()
            FROM (SELECT floor(random() * %(slots)s)::int AS bs,
                         floor(random() * 365)::int AS day, floor(random() * 7)::int AS ch,
                         floor(random() * 10)::int AS body, random() < 0.6 AS helped,
                         CASE WHEN random() < 0.25
                              THEN (ARRAY['overheid','gemeente','sociaal_raadslid','schuldhulp',
                                          'taalhuis','cursus'])[1 + floor(random() * 6)::int]
                              ELSE '' END AS ref
                  FROM generate_series(1, 250000)) r
            JOIN bench_branch b ON b.slot = r.bs
            """,
            {"slots": SLOTS},
        )
        cur.execute(
            """
            INSERT INTO services_idocontacttheme (contact_id, theme)
            SELECT id, (ARRAY['digid','toeslagen','belastingen','zorg','pensioen_aow','werk_uitkering','rijbewijs','boetes','studiefinanciering','overig'])[1 + mod(id, 10)::int]
            FROM services_idocontact
            UNION ALL
            SELECT id, 'digid' FROM services_idocontact WHERE mod(id, 3) = 0 AND mod(id, 10) <> 0
            """
        )
        # Activities: ~40,000 a year with participants per target group.
        cur.execute(
            """
            INSERT INTO services_activity (organisation_id, branch_id, municipality_id, programme,
              title, wsob_function, is_course, starts_on, sessions, registered_at)
            SELECT b.organisation_id, b.branch_id, br.municipality_id, p.programme, '',
                   p.function, p.course, DATE '2025-01-01' + floor(random() * 365)::int,
                   1 + floor(random() * 6)::int, now()
            FROM (SELECT floor(random() * %(slots)s)::int AS bs, floor(random() * 7)::int AS pi
                  FROM generate_series(1, 40000)) r
            JOIN bench_branch b ON b.slot = r.bs
            JOIN network_branch br ON br.id = b.branch_id
            JOIN (VALUES (0, 'digisterker', 'ontwikkeling_educatie', true),
                         (1, 'klik_tik', 'ontwikkeling_educatie', true),
                         (2, 'taalhuis', 'ontwikkeling_educatie', true),
                         (3, 'boekstart', 'lezen_literatuur', false),
                         (4, 'dbos', 'lezen_literatuur', false),
                         (5, 'debat', 'ontmoeting_debat', false),
                         (6, 'tentoonstelling', 'kunst_cultuur', false))
                 p(i, programme, function, course) ON p.i = r.pi
            """,
            {"slots": SLOTS},
        )
        cur.execute(
            """
            INSERT INTO services_participantcount (activity_id, target_group, count)
            SELECT a.id, g.v, 2 + floor(random() * 15)::int
            FROM services_activity a
            CROSS JOIN (VALUES ('kinderen'), ('volwassenen'), ('senioren')) g(v)
            WHERE random() < 0.6
            """
        )
        cur.execute(
            """
            INSERT INTO services_staffyear (organisation_id, year, staff_persons, staff_fte,
              volunteers, staff_trained, registered_at)
            SELECT o.id, 2025, p, round((p * 0.7)::numeric, 1), floor(p * 0.8)::int,
                   floor(p * 0.3)::int, now()
            FROM (SELECT id, 20 + floor(random() * 120)::int AS p FROM network_organisation
                  WHERE is_demo) o
            """
        )
        cur.execute("ANALYZE")
    say("leden, IDO-contacten, activiteiten en personeel gegenereerd")


# --- measurements -----------------------------------------------------------------------------


def national_report(fmt="pdf"):
    from clb.cockpit.regions import Geography
    from clb.cockpit.report import build_report
    from clb.cockpit.report_files import write
    from clb.statistics.periods import parse

    geo = Geography()
    report = build_report(geo, geo.region("NL"), parse(OPEN), at=AT)
    buffer = io.BytesIO()
    write(report, fmt, buffer)
    return report, len(buffer.getvalue())


BENCH_USER = "bench-kb"


def dashboard_client():
    user, _ = User.objects.get_or_create(
        username=BENCH_USER, defaults={"role": "cockpit", "region_code": "NL"}
    )
    client = Client()
    client.force_login(user)
    return client


# CPU seconds of this process per page (the server's share of the work, without the waiting
# for a core that a loaded machine adds to the wall-clock time), by path.
PAGE_CPU: dict[str, list[float]] = {}


def page_seconds(client, path, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        response = client.get(path, HTTP_HOST="localhost")
        out.append(time.perf_counter() - start)
        PAGE_CPU.setdefault(path, []).append(time.process_time() - cpu)
        assert response.status_code == 200, (path, response.status_code)
    return out


def page_path(code: str, period: str) -> str:
    return f"/cockpit/?regio={code}&periode={period}"


def measure_pages(client, regions: dict, period: str, repeat: int) -> dict:
    """{code: (first view, median of `repeat` views after it)}."""
    out = {}
    for code in regions.values():
        first = page_seconds(client, page_path(code, period), 1)[0]
        out[code] = (
            first,
            statistics.median(page_seconds(client, page_path(code, period), repeat)),
        )
    say(f"pagina's {period}: " + ", ".join(f"{c} {m * 1000:.0f} ms" for c, (_f, m) in out.items()))
    return out


def close(code: str) -> float:
    """Close the period as the KB does (its figures frozen), unless an earlier run did."""
    from clb.cockpit import closing
    from clb.statistics.models import ClosedPeriod

    if ClosedPeriod.objects.filter(code=code).exists():
        return 0.0
    seconds, _ = timed(closing.close_period, code, at=AT)
    return seconds


def plain_group_by() -> float:
    """The raw limit: the two GROUP BYs a half-year needs, as bare SQL through psycopg."""
    with connect() as conn:
        cur = conn.cursor()
        start = time.perf_counter()
        cur.execute(
            "SELECT m.code, e.organisation_id, e.action, e.audience, e.material_type, count(*)"
            " FROM statistics_circulationevent e JOIN network_branch b ON b.id = e.branch_id"
            " LEFT JOIN network_municipality m ON m.id = b.municipality_id"
            " WHERE e.occurred_on >= '2025-07-01' AND e.occurred_on < '2026-01-01'"
            " GROUP BY 1, 2, 3, 4, 5"
        )
        cur.fetchall()
        cur.execute(
            "SELECT municipality_code, organisation_id, action, age_band, count(*)"
            " FROM statistics_circulationevent"
            " WHERE occurred_on >= '2025-07-01' AND occurred_on < '2026-01-01'"
            " GROUP BY 1, 2, 3, 4"
        )
        cur.fetchall()
        return time.perf_counter() - start


def upkeep_rate(count: int) -> tuple[float, float]:
    """Events/s through circulation's one writer (event + both tallies, one transaction each, the
    copy and the member described in plain values) against the plain event insert alone."""
    from clb.catalogue.models import Audience, Item, ItemType
    from clb.circulation.services import record_event
    from clb.members.models import Patron
    from clb.network.models import Branch, Municipality
    from clb.statistics.models import CirculationEvent

    branches = list(Branch.objects.filter(is_demo=True).select_related("organisation")[:200])
    munis = list(Municipality.objects.all()[:50])
    kinds = list(ItemType.objects.all())
    items = [Item(item_type=k, audience=a) for k in kinds for a in (Audience.YOUTH, Audience.ADULT)]
    patrons = [
        Patron(birth_date=date(1940 + 7 * i, 3, 1), municipality=munis[i]) for i in range(10)
    ]
    at = datetime(YEAR, 12, 30, 14, tzinfo=AMS)

    def run(write):
        start = time.perf_counter()
        for i in range(count):
            with transaction.atomic():
                write(i)
        return count / (time.perf_counter() - start)

    def run_plain():
        """The plain insert writes no tallies: its events are removed again afterwards."""
        before = CirculationEvent.objects.order_by("-id").values_list("id", flat=True).first()
        rate = run(plain)
        CirculationEvent.objects.filter(id__gt=before).delete()
        return rate

    def with_tallies(i):
        b = branches[i % len(branches)]
        record_event("checkout", at=at, organisation=b.organisation, branch=b,
                     item=items[i % len(items)], patron=patrons[i % len(patrons)])  # fmt: skip

    def plain(i):
        b = branches[i % len(branches)]
        item, patron = items[i % len(items)], patrons[i % len(patrons)]
        CirculationEvent.objects.create(
            occurred_on=at.date(), action="checkout", organisation_id=b.organisation_id,
            branch_id=b.pk, item_type=item.item_type.code,
            material_type=item.item_type.material_type, audience=item.audience,
            age_band="20-64", municipality_code=patron.municipality.code,
        )  # fmt: skip

    run_plain()  # warm-up
    return run(with_tallies), run_plain()


HALF = (
    "make_date(extract(year FROM occurred_on)::int,"
    " CASE WHEN extract(month FROM occurred_on) <= 6 THEN 1 ELSE 7 END, 1)"
)
CHECKS = [
    (
        "SELECT half_year, action, organisation_id, branch_id, audience, material_type, n"
        " FROM statistics_placetally",
        f"SELECT {HALF}, action, organisation_id, branch_id, audience, material_type, count(*)"
        " FROM statistics_circulationevent WHERE branch_id IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6",
    ),
    (
        "SELECT half_year, action, organisation_id, municipality_code, age_band, n"
        " FROM statistics_residencetally",
        f"SELECT {HALF}, action, organisation_id, municipality_code, age_band, count(*)"
        " FROM statistics_circulationevent GROUP BY 1, 2, 3, 4, 5",
    ),
]


def tallies_match_raw() -> bool:
    """Both directions of EXCEPT empty: every tally row is a raw group and vice versa."""
    with connect() as conn:
        cur = conn.cursor()
        for tally, raw in CHECKS:
            cur.execute(
                f"SELECT (SELECT count(*) FROM ({tally} EXCEPT {raw}) a)"
                f" + (SELECT count(*) FROM ({raw} EXCEPT {tally}) b)"
            )
            if cur.fetchone()[0]:
                return False
        return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=60_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5, help="page loads per measurement")
    parser.add_argument("--upkeep", type=int, default=3000, help="events recorded one by one")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the network and events an earlier run built in this database "
                             "(a PostgreSQL cluster of your own in CLB_DATABASE_URL)")  # fmt: skip
    parser.add_argument("--pages-only", action="store_true",
                        help="measure the dashboard pages only (no report, raw events, upkeep)")  # fmt: skip
    parser.add_argument("--build-only", action="store_true",
                        help="build the data set and stop (measure later with --reuse)")  # fmt: skip
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: python scripts/pg.py -- .venv/bin/python bench/cockpit.py")
    from clb.cockpit import facts
    from clb.statistics import tallies
    from clb.statistics.models import CirculationEvent, PlaceTally, ResidenceTally

    run_start = time.perf_counter()
    call_command("migrate", verbosity=0)
    # The bench's own user is made in the measurements, after everything was built.
    reusing = args.reuse and User.objects.filter(username=BENCH_USER).exists()
    load_seconds = rebuild_seconds = 0.0
    if reusing:
        say("netwerk en gebeurtenissen van een eerdere run hergebruikt (--reuse)")
    else:
        say("clb load-reference")
        call_command("load_reference", stdout=io.StringIO())
        build_network()
        from clb.statistics import partitions

        partitions.ensure(date(YEAR, 1, 1), ahead=11)  # a partition per month, as the worker makes
        load_seconds = generate_events(args.events, args.workers)
        rebuild_seconds, _ = timed(
            tallies.rebuild, date(YEAR, 1, 1), date(YEAR, 12, 31), progress=say
        )
        generate_registrations()
        from clb.services import tallies as registration_tallies

        seconds, _ = timed(
            registration_tallies.rebuild, date(YEAR, 1, 1), date(YEAR, 12, 31), progress=say
        )
        rebuild_seconds += seconds
    events_n = CirculationEvent.objects.count()
    tally_rows = PlaceTally.objects.count() + ResidenceTally.objects.count()
    say(f"{events_n:,} gebeurtenissen, {tally_rows:,} regels in de tellingen "
        f"(opgebouwd in {rebuild_seconds:.0f} s)")  # fmt: skip

    if not reusing:
        # What an operator does after a bulk load; otherwise autovacuum's pass over 60 M fresh
        # rows runs during the measurements and they measure it.
        seconds, _ = timed(vacuum)
        say(f"VACUUM ANALYZE na het laden: {seconds:.0f} s")
    if args.build_only:
        dashboard_client()  # marks the data set as complete for --reuse
        return
    load_before = os.getloadavg()
    say("metingen")
    client = dashboard_client()
    regions = {"NL": "NL", **{code: code for code in sorted(Province.objects.values_list(
        "code", flat=True))}, "Utrecht (gemeente)": "GM0344"}  # fmt: skip
    # 2025-H1 is closed before anything is measured: the open pages of 2025-H2 read the trend's
    # earlier half-year from what was frozen, as they do in production once H1 is closed.
    closing_seconds = close(CLOSED)
    page_open = measure_pages(client, regions, OPEN, args.repeat)
    page_closed = measure_pages(client, regions, CLOSED, args.repeat)
    if not args.pages_only:
        national_report()  # warm-up: imports, fonts
        report_tally, (report, size) = timed(national_report)
        parts = sum(len(t.rows) for t in report.parts)
        say(f"rapport uit tellingen {report_tally:.2f} s")
        raw_sql = plain_group_by()
        say(f"kale GROUP BY {raw_sql:.2f} s")
        with facts.raw_events():
            report_raw, _ = timed(national_report)
            say(f"rapport uit ruwe gebeurtenissen {report_raw:.2f} s")
            page_raw = {
                code: page_seconds(client, page_path(code, OPEN), 1)[0] for code in ("NL", "GM0344")
            }
            say(f"pagina's uit ruwe gebeurtenissen {page_raw}")
        with_tallies, plain = upkeep_rate(args.upkeep)
        say("bijhouden gemeten; tellingen naast de ruwe GROUP BY leggen")
        consistent = tallies_match_raw()

    print()
    print(f"events: {events_n:,} in {YEAR} (load {load_seconds:.0f} s, tallies built in "
          f"{rebuild_seconds:.0f} s); {tally_rows:,} tally rows")  # fmt: skip
    print(f"load average before the pages: {load_before}; after: {os.getloadavg()}")
    print(f"dashboard pages, median of {args.repeat} after one warm-up (aim: NL and every "
          f"province <= 300 ms, a municipality <= 150 ms):")  # fmt: skip
    print(
        f"  {'region':<22} {OPEN + ' open':>14} {CLOSED + ' closed':>16} {'closed, first view':>19}"
        "   CPU ms of the process: open, closed"
    )
    for label, code in regions.items():
        first, median = page_closed[code]
        cpu = [statistics.median(PAGE_CPU[page_path(code, p)][1:]) * 1000 for p in (OPEN, CLOSED)]
        print(f"  {label:<22} {page_open[code][1] * 1000:11.0f} ms {median * 1000:13.0f} ms "
              f"{first * 1000:16.0f} ms   {cpu[0]:6.0f} {cpu[1]:6.0f}")  # fmt: skip
    provinces = [c for c in regions.values() if c.startswith("PV")]
    slowest = max(provinces, key=lambda c: page_open[c][1])
    print(f"  slowest province (open): {slowest} {page_open[slowest][1] * 1000:.0f} ms; "
          f"closing {CLOSED} took {closing_seconds:.1f} s")  # fmt: skip
    if args.pages_only:
        return
    print(f"national half-year report {OPEN} (all indicators, NL + provinces + municipalities + "
          f"organisations, {parts} regions, PDF {size / 1e6:.1f} MB):")  # fmt: skip
    print(f"  from tallies:               {report_tally:8.2f} s   (aim <= 10 s)")
    print(f"  from raw events (GROUP BY): {report_raw:8.2f} s")
    print(f"  ratio raw/tallies:          {report_raw / report_tally:8.1f} x")
    print(f"  bare SQL GROUP BY of one half-year over raw events (psycopg): {raw_sql:.2f} s")
    for code, raw in page_raw.items():
        median = page_open[code][1]
        print(f"dashboard {code} {OPEN}: tallies {median * 1000:6.0f} ms; raw events "
              f"{raw * 1000:8.0f} ms; ratio {raw / median:6.1f} x")  # fmt: skip
    print(f"upkeep: events.record() with tallies {with_tallies:7.0f} events/s, "
          f"plain event insert {plain:7.0f} events/s, ratio {with_tallies / plain:.2f}")  # fmt: skip
    print(f"tallies equal the raw GROUP BY after the upkeep: {'yes' if consistent else 'NO'}")
    print(f"whole run: {(time.perf_counter() - run_start) / 60:.1f} min")


if __name__ == "__main__":
    main()
