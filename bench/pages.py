"""Server time of the pages people wait for, on demo data: the desk checkout round-trip (POST the
scanned barcode, follow the redirect to the patron page) and the catalogue's search results page.

    CLB_DATA_DIR=/tmp/clb-bench-pages .venv/bin/python bench/pages.py           # SQLite
    python scripts/pg.py -- .venv/bin/python bench/pages.py                      # PostgreSQL

Requests go through Django's whole stack in-process (middleware, sessions, CSRF, views, templates)
with the test client, so the time is server time without the network. Each page is set against
its raw limit measured in the same run: the service call alone (circulation.checkout +
patron_overview for the desk, catalogue search for the results page). Printed, not asserted; the
issue's aim is < 100 ms per page. An empty database is first filled with `load-reference` and the
demo (real organisations, branches and records; generated members and circulation)."""

import argparse
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clb.settings")
os.environ.setdefault("CLB_PLAIN_STATIC", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from clb.accounts.models import User  # noqa: E402
from clb.catalogue.models import BibRecord, Item, ItemStatus  # noqa: E402
from clb.circulation import services as circulation  # noqa: E402
from clb.members import services as members  # noqa: E402
from clb.members.models import Patron  # noqa: E402
from clb.network.models import Organisation  # noqa: E402
from clb.web.catalogue_search import search  # noqa: E402
from measuring import ensure_demo  # noqa: E402

AIM_MS = 100.0


def ms(seconds: float) -> float:
    return seconds * 1000


def summary(name: str, times: list[float]) -> dict:
    times = sorted(times)
    return {
        "name": name,
        "n": len(times),
        "p50": ms(statistics.median(times)),
        "p95": ms(times[max(0, int(len(times) * 0.95) - 1)]),
        "max": ms(times[-1]),
    }


def show(row: dict, raw: dict | None = None) -> None:
    ratio = f"   page/raw p50 {row['p50'] / raw['p50']:5.2f}" if raw else ""
    verdict = "" if raw is None else ("  ok" if row["p95"] < AIM_MS else "  ABOVE AIM")
    print(
        f"  {row['name']:<38} n={row['n']:<4} p50 {row['p50']:7.1f} ms  "
        f"p95 {row['p95']:7.1f} ms  max {row['max']:7.1f} ms{ratio}{verdict}"
    )


def desk_client(organisation) -> tuple[Client, object]:
    branch = organisation.branches.order_by("code").first()
    user, _ = User.objects.get_or_create(
        username="bench-desk",
        defaults={"role": User.Role.DESK, "organisation": organisation, "branch": branch},
    )
    user.organisation, user.branch = organisation, branch
    user.save()
    client = Client()
    client.force_login(user)
    return client, branch


def borrowers(organisation, day) -> list[Patron]:
    """Patrons of the organisation who may borrow today; open fees are settled first."""
    found = []
    for patron in Patron.objects.filter(memberships__organisation=organisation).order_by("id"):
        owed = members.balance(patron, organisation)
        if owed > 0:
            members.pay(patron, organisation, owed)
        if not members.borrowing_blocks(patron, organisation, day):
            found.append(patron)
    return found


def bench_desk(organisation, rounds: int, rng: random.Random) -> tuple[dict, dict, dict, dict]:
    from django.utils import timezone

    client, branch = desk_client(organisation)
    patrons = borrowers(organisation, timezone.localdate())
    items = list(
        Item.objects.filter(organisation=organisation, status=ItemStatus.AVAILABLE)
        .exclude(record__holds__status="waiting")
        .values_list("barcode", flat=True)
        .distinct()
    )
    rng.shuffle(items)
    if len(items) < 2 * rounds or not patrons:
        sys.exit(f"not enough free copies ({len(items)}) or borrowers ({len(patrons)})")
    page_times, post_times, get_times, raw_times = [], [], [], []
    for i in range(rounds):
        patron = patrons[i % len(patrons)]
        client.post("/balie/", {"card_number": patron.card_number})  # open the patron (untimed)
        url = f"/balie/lener/{patron.pk}/"
        barcode = items[i]
        start = time.perf_counter()
        response = client.post(f"{url}uitlenen/", {"item_barcode": barcode})
        posted = time.perf_counter()
        assert response.status_code == 302, (response.status_code, response.content[:2000])
        page = client.get(url)
        done = time.perf_counter()
        assert page.status_code == 200 and barcode.encode() in page.content
        page_times.append(done - start)
        post_times.append(posted - start)
        get_times.append(done - posted)
        # The raw limit: the same work without the web layer, on a fresh copy.
        raw_barcode = items[rounds + i]
        start = time.perf_counter()
        circulation.checkout(
            item_barcode=raw_barcode, card_number=patron.card_number, branch=branch
        )
        circulation.patron_overview(patron, organisation)
        raw_times.append(time.perf_counter() - start)
        # Put both copies back so the patron never reaches a limit.
        circulation.checkin(item_barcode=barcode, branch=branch)
        circulation.checkin(item_barcode=raw_barcode, branch=branch)
    return (
        summary("desk checkout round-trip (POST+GET)", page_times),
        summary("  of which POST checkout", post_times),
        summary("  of which GET patron page", get_times),
        summary("raw: checkout + patron_overview", raw_times),
    )


def query_words(n: int, rng: random.Random) -> list[str]:
    """Words people would type: frequent longer words of the real titles, and a few two-word
    queries, fixed by the seed."""
    counts = Counter()
    for title in BibRecord.objects.values_list("title", flat=True)[:20000]:
        counts.update(w for w in re.findall(r"[a-zA-Z]{5,}", title.lower()))
    common = [w for w, _ in counts.most_common(200)]
    words = rng.sample(common, min(n, len(common)))
    return (
        words[: n - n // 4]
        + [f"{a} {b}" for a, b in zip(words, reversed(words), strict=True)][: n // 4]
    )


def bench_search(queries: list[str], repeat: int) -> tuple[dict, dict]:
    client = Client()
    page_times, raw_times = [], []
    for _ in range(repeat):
        for q in queries:
            start = time.perf_counter()
            response = client.get("/zoeken/", {"q": q})
            page_times.append(time.perf_counter() - start)
            assert response.status_code == 200
            start = time.perf_counter()
            result = search(q, filters={}, page=1, per_page=20)
            list(result.hits)
            raw_times.append(time.perf_counter() - start)
    return summary("search results page", page_times), summary("raw: catalogue search()", raw_times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100, help="desk checkouts to time")
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3, help="passes over the query set")
    parser.add_argument("--members-per-organisation", type=int, default=80)
    parser.add_argument("--days", type=int, default=120, help="days of demo circulation")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    setup_test_environment()  # the test client's template signals; DEBUG stays off
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # whitenoise looks there
    call_command("migrate", verbosity=0)
    ensure_demo(args.members_per_organisation, args.days)
    rng = random.Random(args.seed)
    organisation = (
        Organisation.objects.filter(is_demo=False, memberships__isnull=False)
        .distinct()
        .order_by("code")
        .first()
    )
    print(
        f"database: {connection.vendor}; {BibRecord.objects.count()} records, "
        f"{Item.objects.count()} items, {Patron.objects.count()} patrons; desk at {organisation}"
    )
    # Warm up: imports, template loading, query plans.
    bench_desk(organisation, 5, random.Random(1))
    bench_search(query_words(5, random.Random(1)), 1)
    page, post, get, raw = bench_desk(organisation, args.rounds, rng)
    print(f"desk (aim: round-trip p95 < {AIM_MS:.0f} ms)")
    show(page, raw)
    show(post)
    show(get)
    show(raw)
    results, raw_search = bench_search(query_words(args.queries, rng), args.repeat)
    print(f"catalogue (aim: page p95 < {AIM_MS:.0f} ms)")
    show(results, raw_search)
    show(raw_search)


if __name__ == "__main__":
    main()
