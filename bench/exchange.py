"""The library protocols at scale on PostgreSQL: an OAI-PMH harvest of the whole catalogue in
marc21, and SRU searchRetrieve, each against its raw limit measured in the same run.

    python scripts/pg.py -- .venv/bin/python bench/exchange.py [--records 2000000] [--items 8000000]

1. Builds the catalogue of bench/catalogue.py (its generator, same seed), gives every record the
   stored MARCXML of one of the real staged records (so records are the size real ones are),
   and gives the generated organisations ISILs.
2. Harvest: ListRecords marc21 through the whole OAI-PMH view (Django's test client, every page
   via its resumption token) against reading the same rows and holdings with psycopg alone and
   serialising them with the same code (exchange.records), page by page alternately so both see
   the same machine load; records/s and the ratio (aim >= 0.5).
   Memory: the process's resident size after the first page and at the end (flat: no list of
   all records is kept).
3. SRU: CQL queries drawn from the real records (title words, phrases, authors, subjects,
   ISBNs, dates, holdings at an organisation) through the /sru view (10 MARCXML records with
   holdings each) against clb.catalogue.search.find for the same expressions; p50/p95 and the
   ratio of p95 (aim <= 1.3).
"""

import argparse
import logging
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import psycopg  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from lxml import etree  # noqa: E402

import catalogue as catalogue_bench  # noqa: E402  (sets up Django)
from clb.catalogue import feed, marc, search, text  # noqa: E402
from clb.exchange import records  # noqa: E402
from clb.exchange.sru import query as cql_query  # noqa: E402
from clb.network.models import Organisation  # noqa: E402
from measuring import percentile  # noqa: E402

say = catalogue_bench.say
OAI = "{http://www.openarchives.org/OAI/2.0/}"
PAGE = 500
UNLIMITED = {"sru": 10**9, "oai": 10**9, "ncip": 10**9}


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def stored_marc(real) -> None:
    """Every generated record gets the canonical MARCXML of a real record (round robin)."""
    xml = []
    for r in real:
        try:
            xml.append(marc.to_marcxml(r))
        except Exception:  # noqa: BLE001 (a real record pymarc cannot write: left out)
            continue
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE pool_marc (i int PRIMARY KEY, xml text)")
        catalogue_bench._copy(cursor, "pool_marc", "i, xml", ((i, x) for i, x in enumerate(xml)))
        cursor.execute("SET session_replication_role = replica")  # no triggers: stamps stay
        cursor.execute(
            "UPDATE catalogue_bibrecord b SET raw_marc = p.xml FROM pool_marc p "
            f"WHERE p.i = b.id % {len(xml)}"
        )
        cursor.execute("SET session_replication_role = origin")
        cursor.execute("VACUUM ANALYZE catalogue_bibrecord")


def isils() -> None:
    for n, org in enumerate(Organisation.objects.filter(code__startswith="bench-org-")):
        org.isil = f"NL-9{n:04d}BN"
        org.save(update_fields=["isil"])


# --- harvest --------------------------------------------------------------------------------------


class Row:
    """What records.marcxml reads of a record."""

    __slots__ = ("pk", "raw_marc")

    def __init__(self, pk, raw):
        self.pk, self.raw_marc = pk, raw


def raw_page(cur, last: int) -> tuple[int, int]:
    """The page after record id `last` read with psycopg (the same holdings statement) and
    serialised with exchange.records: (records, last id)."""
    cur.execute(
        "SELECT id, changed_at, raw_marc FROM catalogue_bibrecord WHERE id > %s ORDER BY id LIMIT %s",
        [last, PAGE],
    )
    rows = cur.fetchall()
    if not rows:
        return 0, last
    cur.execute(feed._HOLDINGS_SQL.format(ids=", ".join(["%s"] * len(rows))), [r[0] for r in rows])
    grouped: dict = {}
    for record_id, org_id, org, branch, n, free in cur.fetchall():
        grouped.setdefault((record_id, org_id, org), []).append((branch, n, free))
    by_record: dict = {}
    for (record_id, org_id, org), parts in grouped.items():
        by_record.setdefault(record_id, []).append(
            feed.Holding(
                org_id,
                org,
                tuple(p[0] for p in parts),
                sum(p[1] for p in parts),
                sum(p[2] for p in parts),
            )
        )
    out = [records.with_holdings(Row(pk, raw), by_record.get(pk, [])) for pk, _at, raw in rows]
    return len(out), rows[-1][0]


def harvest() -> dict:
    """Page by page, alternately: the OAI-PMH view, then the same page read raw. Both see the
    same load from whatever else runs on the machine."""
    client = Client()
    s = connection.settings_dict
    clb_seconds = raw_seconds = 0.0
    count = raw_count = pages = 0
    first_page_rss = None
    params = {"verb": "ListRecords", "metadataPrefix": "marc21"}
    last = 0
    settings = dict(CLB_OAI_PAGE_SIZE=PAGE, CLB_EXCHANGE_RATE_LIMITS=UNLIMITED, ALLOWED_HOSTS=["testserver"])  # fmt: skip
    with override_settings(**settings), psycopg.connect(
        host=s["HOST"], port=s["PORT"], user=s["USER"], dbname=s["NAME"], password=s["PASSWORD"] or None
    ) as conn:  # fmt: skip
        cur = conn.cursor()
        while True:
            start = time.perf_counter()
            response = client.get("/oai", params)
            clb_seconds += time.perf_counter() - start
            doc = etree.fromstring(response.content)
            count += len(doc.findall(f".//{OAI}record"))
            pages += 1
            first_page_rss = first_page_rss or rss_mb()
            start = time.perf_counter()
            n, last = raw_page(cur, last)
            raw_seconds += time.perf_counter() - start
            raw_count += n
            token = doc.findtext(f".//{OAI}resumptionToken")
            if not token:
                break
            params = {"verb": "ListRecords", "resumptionToken": token}
    return dict(records=count, raw_records=raw_count, pages=pages, clb_rate=count / clb_seconds,
                raw_rate=raw_count / raw_seconds, seconds=clb_seconds,
                rss_first=first_page_rss, rss_end=rss_mb())  # fmt: skip


def harvest_pages(pages: int = 10) -> None:
    """A few pages of the OAI-PMH harvest alone (for --profile)."""
    client = Client()
    params = {"verb": "ListRecords", "metadataPrefix": "marc21"}
    settings = dict(CLB_OAI_PAGE_SIZE=PAGE, CLB_EXCHANGE_RATE_LIMITS=UNLIMITED, ALLOWED_HOSTS=["testserver"])  # fmt: skip
    with override_settings(**settings):
        for _ in range(pages):
            doc = etree.fromstring(client.get("/oai", params).content)
            params = {
                "verb": "ListRecords",
                "resumptionToken": doc.findtext(f".//{OAI}resumptionToken"),
            }


# --- SRU ------------------------------------------------------------------------------------------


def cql_queries(p: dict, isbns: list[str], org_isils: list[str], count: int) -> list[str]:
    rng = random.Random(catalogue_bench.SEED)
    titles = [t for t in p["titles"] if len(text.words(t)) >= 3]
    meaningful = lambda t: [w for w in text.words(t) if len(w) > 3 and w not in text.STOPWORDS]  # noqa: E731
    authors = [text.words(a[0])[0] for a in p["authors"] if a and text.words(a[0])]
    subjects = [text.words(s)[0] for g in p["subjects"] for s in g if text.words(s)]
    found = []
    kinds = ["word", "title", "phrase", "author", "subject", "isbn", "dated", "holder", "or"]
    while len(found) < count:
        kind = kinds[len(found) % len(kinds)]
        words = meaningful(rng.choice(titles)) or ["boek"]
        if kind == "word":
            found.append(rng.choice(words))
        elif kind == "title":
            found.append(f"dc.title = {rng.choice(words)}")
        elif kind == "phrase" and len(words) >= 2:
            found.append(f'dc.title adj "{words[0]} {words[1]}"')
        elif kind == "author":
            found.append(f"dc.creator = {rng.choice(authors)}")
        elif kind == "subject":
            found.append(f"dc.subject = {rng.choice(subjects)}")
        elif kind == "isbn":
            found.append(f"bath.isbn = {rng.choice(isbns)}")
        elif kind == "dated":
            found.append(f"dc.title = {rng.choice(words)} and dc.date > 1990")
        elif kind == "holder":
            found.append(f"dc.title = {rng.choice(words)} and local.isil = {rng.choice(org_isils)}")
        elif kind == "or":
            found.append(f"dc.title = {words[0]} or dc.creator = {rng.choice(authors)}")
    return found


def sru_bench(qs: list[str]) -> dict:
    client = Client()
    expressions = [cql_query.expression(cql_query.parse(q).root) for q in qs]

    def direct(e):  # the search the SRU view makes
        return search.find(e, limit=10, counts=False)

    def protocol(q):
        response = client.get("/sru", {"version": "1.2", "operation": "searchRetrieve", "query": q, "maximumRecords": "10", "recordSchema": "marcxml"})  # fmt: skip
        assert b"diagnostic" not in response.content, response.content[:400]
        return response

    with override_settings(CLB_EXCHANGE_RATE_LIMITS=UNLIMITED, ALLOWED_HOSTS=["testserver"]):
        for q, e in zip(qs, expressions, strict=True):  # warm
            direct(e)
            protocol(q)
        sru, raw, totals = [], [], []
        for q, e in zip(qs, expressions, strict=True):
            start = time.perf_counter()
            totals.append(direct(e).total)
            raw.append(time.perf_counter() - start)
            start = time.perf_counter()
            protocol(q)
            sru.append(time.perf_counter() - start)
    return dict(sru=sru, raw=raw, totals=totals)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2_000_000)
    parser.add_argument("--items", type=int, default=8_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="cProfile the SRU requests")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: python scripts/pg.py -- .venv/bin/python bench/exchange.py")
    call_command("migrate", verbosity=0)
    logging.getLogger("clb.exchange").setLevel(logging.WARNING)  # a line per request: too many
    say("real records ...")
    real = catalogue_bench.marc_records()
    p = catalogue_bench.pools(real)
    say("generating the national catalogue ...")
    branches = catalogue_bench.network()
    catalogue_bench.generate(args.records, args.items, p)
    with catalogue_bench.Timer("stored MARCXML from the real records"):
        stored_marc(real)
    isils()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT isbn FROM catalogue_bibrecord WHERE isbn <> '' ORDER BY random() LIMIT 50"
        )
        isbns = [row[0] for row in cursor.fetchall()]
    org_isils = list(Organisation.objects.exclude(isil=None).values_list("isil", flat=True)[:20])

    say("harvest: OAI-PMH ListRecords marc21, and each page read raw ...")
    h = harvest()
    say("SRU searchRetrieve ...")
    qs = cql_queries(p, isbns, org_isils, args.queries)
    s = sru_bench(qs)
    if args.profile:
        import cProfile
        import pstats

        for label, call in (("SRU", lambda: sru_bench(qs[:50])), ("OAI", harvest_pages)):
            profiler = cProfile.Profile()
            profiler.runcall(call)
            say(f"--- profile: {label}")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    sru50, sru95 = percentile(s["sru"], 0.5) * 1000, percentile(s["sru"], 0.95) * 1000
    raw50, raw95 = percentile(s["raw"], 0.5) * 1000, percentile(s["raw"], 0.95) * 1000

    say("")
    say(f"catalogue: {args.records:,} records, {args.items:,} items, {len(branches):,} branches")
    say(f"harvest  OAI-PMH marc21:            {h['clb_rate']:7.0f} records/s  ({h['records']:,} records, {h['pages']} pages of {PAGE}, {h['seconds']:.0f} s)")  # fmt: skip
    say(f"         psycopg + same serialiser: {h['raw_rate']:7.0f} records/s  ({h['raw_records']:,} records)")  # fmt: skip
    say(f"         ratio OAI/raw:             {h['clb_rate'] / h['raw_rate']:7.2f}  (aim >= 0.5)")
    say(f"         memory: {h['rss_first']:.0f} MB after the first page, {h['rss_end']:.0f} MB at the end (peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")  # fmt: skip
    say(f"SRU      {len(qs)} CQL queries, hits per query median {statistics.median(s['totals']):,.0f}, max {max(s['totals']):,}")  # fmt: skip
    say(f"         /sru (10 MARCXML records):  p50 {sru50:7.1f} ms   p95 {sru95:7.1f} ms")
    say(f"         catalogue.search.find:     p50 {raw50:7.1f} ms   p95 {raw95:7.1f} ms")
    say(f"         ratio p95 SRU/search:      {sru95 / raw95:7.2f}  (aim <= 1.3)")


if __name__ == "__main__":
    main()
