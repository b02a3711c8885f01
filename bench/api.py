"""The REST API on PostgreSQL: availability and search through the API against the same service
functions called directly, and requests per second through `clb serve`, in one run.

    python scripts/pg.py -- .venv/bin/python bench/api.py [--requests 300] [--seconds 20]
        [--records 2000000 --items 8000000]

An empty database is first filled with `load-reference` and the demo (real organisations,
branches and records; generated members and circulation), or with --records the national-size
catalogue of bench/catalogue.py (its generator, same seed: 150 organisations, ~1,300 branches).
An app with every scope gets a token.

1. Latency, in-process through Django's whole stack (test client: middleware, the API's gate,
   token check, rate counting, ninja's parsing and validation, JSON, ETag): GET
   /api/v1/catalogue/records/{id}/availability against circulation.availability(record_id), and
   GET /api/v1/catalogue/search?q=… against catalogue.search.search(q) — the functions the
   endpoints call. Alternately, request by request, so both see the same machine load. p50/p95
   and the ratio of p95 (aim <= 1.5).
2. Throughput: `clb serve --workers 2` (gunicorn), with --clients threads, each on its own
   keep-alive connection, sending the same mix of availability and search requests for
   --seconds; requests/s and p50/p95 as the clients see them. The limit to compare with is the
   same service calls from 2 threads (as many as the server has workers) in this process, with
   no HTTP and no API in between, measured in the same run.
"""

import argparse
import http.client
import json
import logging
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clb.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from clb.catalogue.models import BibRecord  # noqa: E402
from clb.catalogue.search import search  # noqa: E402
from clb.circulation import services as circulation  # noqa: E402
from clb.exchange.api import tokens  # noqa: E402
from clb.exchange.models import ApiClient, Scope  # noqa: E402
from clb.network.models import Organisation  # noqa: E402
from measuring import ensure_demo, free_port, in_threads, percentile, wait_for  # noqa: E402

UNLIMITED = {"api": 10**9, "api_token": 10**9, "api_login": 10**9}
AIM = 1.5
SERVER_WORKERS = 2


def app_token() -> str:
    organisation = Organisation.objects.filter(branches__isnull=False, is_placeholder=False)
    app = ApiClient.objects.create(
        organisation=organisation.order_by("code").first(),
        name="bench",
        scopes=[s.value for s in Scope],
    )
    return tokens.issue_client_token(app, issued_by="bench/api.py")[1]


def workload(n: int, rng: random.Random) -> tuple[list[BibRecord], list[str]]:
    """Titles that have copies, and words people would search for (frequent longer words of
    the real titles, a quarter as two-word queries), fixed by the seed."""
    held = list(BibRecord.objects.filter(items__isnull=False).distinct().order_by("pk")[:5000])
    records = [rng.choice(held) for _ in range(n)]
    counts = Counter()
    for title in BibRecord.objects.values_list("title", flat=True)[:20000]:
        counts.update(re.findall(r"[a-z]{5,}", title.lower()))
    common = [w for w, _ in counts.most_common(200)]
    words = [rng.choice(common) for _ in range(n)]
    queries = [f"{w} {rng.choice(common)}" if i % 4 == 3 else w for i, w in enumerate(words)]
    return records, queries


def paired(calls: list[tuple]) -> tuple[list[float], list[float]]:
    """Each (api call, direct call) pair timed one after the other."""
    api_times, direct_times = [], []
    for through_api, direct in calls:
        start = time.perf_counter()
        through_api()
        api_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        direct()
        direct_times.append(time.perf_counter() - start)
    return api_times, direct_times


def latency(token: str, records, queries) -> dict:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def get(path, params=None):
        answer = client.get(path, params)
        assert answer.status_code == 200, answer.content[:300]

    availability = [
        (
            lambda r=r: get(f"/api/v1/catalogue/records/{r.pk}/availability"),
            lambda r=r: circulation.availability(r.pk),
        )
        for r in records
    ]
    searches = [
        (
            lambda q=q: get("/api/v1/catalogue/search", {"q": q}),
            lambda q=q: list(search(q, page=1, per_page=20).hits),
        )
        for q in queries
    ]
    with override_settings(CLB_EXCHANGE_RATE_LIMITS=UNLIMITED):
        paired(availability[:20] + searches[:20])  # warm: imports, query plans, the document
        return {"availability": paired(availability), "search": paired(searches)}


# --- through clb serve -------------------------------------------------------------------------


def paths(records, queries) -> list[str]:
    mixed = []
    for record, query in zip(records, queries, strict=False):
        mixed.append(f"/api/v1/catalogue/records/{record.pk}/availability")
        mixed.append("/api/v1/catalogue/search?q=" + query.replace(" ", "+"))
    return mixed


def hammer(port: int, token: str, mixed: list[str], clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    statuses: Counter = Counter()
    stop_at = time.perf_counter() + seconds
    lock = threading.Lock()

    def client(n: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        mine, seen, i = [], Counter(), n
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            conn.request("GET", mixed[i % len(mixed)], headers=headers)
            answer = conn.getresponse()
            json.loads(answer.read())
            mine.append(time.perf_counter() - start)
            seen[answer.status] += 1
            i += clients
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.update(seen)

    seconds_taken = in_threads(client, clients)
    return {
        "rate": len(latencies) / seconds_taken,
        "latencies": latencies,
        "statuses": statuses,
    }


def direct_rate(records, queries, threads: int, seconds: float) -> float:
    """The same mix as service calls from `threads` threads, no HTTP and no API."""
    calls = []
    for record, query in zip(records, queries, strict=False):
        calls.append(lambda r=record: circulation.availability(r.pk))
        calls.append(lambda q=query: list(search(q, page=1, per_page=20).hits))
    done = [0] * threads
    stop_at = time.perf_counter() + seconds

    def work(w: int):
        i = w
        try:
            while time.perf_counter() < stop_at:
                calls[i % len(calls)]()
                done[w] += 1
                i += threads
        finally:
            connection.close()

    seconds_taken = in_threads(work, threads)  # before counting: the threads fill `done`
    return sum(done) / seconds_taken


def serve(port: int):
    log = tempfile.NamedTemporaryFile("w+", prefix="clb-serve-", suffix=".log")  # noqa: SIM115
    limits = ",".join(f"{k}={v}" for k, v in UNLIMITED.items())
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("clb")), "serve", "--port", str(port)]
        + ["--workers", str(SERVER_WORKERS)],
        stdout=subprocess.DEVNULL,
        stderr=log,
        env={
            **os.environ,
            "CLB_LOG_LEVEL": "WARNING",
            "CLB_EXCHANGE_RATE_LIMITS": limits,
            "CLB_CONN_MAX_AGE": "60",  # a production setting: one connection per worker
        },
    )
    return server, log


def ms(seconds: float) -> float:
    return seconds * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="of each kind, for latency")
    parser.add_argument("--seconds", type=float, default=20, help="per throughput run")
    parser.add_argument("--clients", type=int, default=4, help="client threads against clb serve")
    parser.add_argument("--members-per-organisation", type=int, default=40)
    parser.add_argument("--days", type=int, default=60, help="days of demo circulation")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--records", type=int, default=0, help="a generated catalogue, not the demo"
    )
    parser.add_argument("--items", type=int, default=0)
    parser.add_argument("--profile", action="store_true", help="cProfile the API requests")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: python scripts/pg.py -- .venv/bin/python bench/api.py")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    if args.records:
        import catalogue as catalogue_bench  # bench/catalogue.py

        real = catalogue_bench.marc_records()
        catalogue_bench.network()
        catalogue_bench.generate(args.records, args.items, catalogue_bench.pools(real))
    else:
        ensure_demo(args.members_per_organisation, args.days)
    token = app_token()
    rng = random.Random(args.seed)
    records, queries = workload(args.requests, rng)
    print(
        f"database: {connection.vendor}; {BibRecord.objects.count()} records; "
        f"{args.requests} requests of each kind"
    )

    logging.getLogger("clb.exchange").setLevel(logging.WARNING)  # a line per request: too many
    timed = latency(token, records, queries)
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(latency, token, records[:100], queries[:100])
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
    rows = {}
    for kind, (api_times, direct_times) in timed.items():
        rows[kind] = [
            (percentile(api_times, 0.5), percentile(api_times, 0.95)),
            (percentile(direct_times, 0.5), percentile(direct_times, 0.95)),
        ]

    connection.close()
    direct_rate(records, queries, SERVER_WORKERS, 2)  # warm-up
    direct = direct_rate(records, queries, SERVER_WORKERS, args.seconds)
    connection.close()
    port = free_port()
    server, log = serve(port)
    mixed = paths(records, queries)
    try:
        wait_for(port, server, "clb serve", seconds=120)
        hammer(port, token, mixed, args.clients, 3)  # warm-up: connections, query plans
        served = hammer(port, token, mixed, args.clients, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=60)
    log.seek(0)
    trouble = [line for line in log if re.search(r"ERROR|Traceback|CRITICAL", line)]

    print("latency through the API (in-process, whole stack) against the service it calls:")
    for kind, label in (
        ("availability", "circulation.availability"),
        ("search", "catalogue.search.search"),
    ):
        (a50, a95), (d50, d95) = rows[kind]
        print(f"  {kind:<13} API p50 {ms(a50):6.1f} ms  p95 {ms(a95):6.1f} ms")
        print(f"  {'':<13} {label:<27} p50 {ms(d50):6.1f} ms  p95 {ms(d95):6.1f} ms")
        verdict = "ok" if a95 / d95 <= AIM else "ABOVE AIM"
        print(f"  {'':<13} ratio p50 {a50 / d50:5.2f}   p95 {a95 / d95:5.2f}  (aim <= {AIM}) {verdict}")  # fmt: skip
    p50, p95 = percentile(served["latencies"], 0.5), percentile(served["latencies"], 0.95)
    print(
        f"clb serve --workers {SERVER_WORKERS}, {args.clients} clients, {args.seconds:g} s, "
        "availability and search alternately:"
    )
    print(
        f"  {served['rate']:7.1f} requests/s   p50 {ms(p50):6.1f} ms   p95 {ms(p95):6.1f} ms   "
        f"answers {dict(served['statuses'])}"
    )
    print(f"  services, {SERVER_WORKERS} threads, no HTTP: {direct:7.1f} calls/s")
    print(f"  ratio served / direct: {served['rate'] / direct:.2f}")
    print(f"  server errors in the log: {len(trouble)}")
    for line in trouble[:3]:
        print("   ", line.rstrip())
    if set(served["statuses"]) != {200} or trouble:
        sys.exit(1)


if __name__ == "__main__":
    main()
