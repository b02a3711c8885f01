"""The national catalogue at national scale on PostgreSQL: MARC import and keyword+facet search,
each against its raw limit measured in the same run.

    python scripts/pg.py -- .venv/bin/python bench/catalogue.py [--records 2000000] [--items 8000000]

1. Builds a catalogue of --records records and --items items (150 generated organisations with
   ~1,300 branches) with bulk SQL (generate_series, triggers off, indexes built afterwards),
   drawing every field from the real records staged in src/clb/catalogue/data (SOURCES.md
   there). Titles are real titles or the first half of one real title joined to the second
   half of another; author lists, subject lists and publishers are real ones; year, language,
   material type, audience and series are drawn together from one real record that codes a
   year (year moved by up to three). ISBNs (as often as in those records) are generated, valid
   and unique.
2. Import: all staged real records, with a copy each, imported into the full catalogue through
   clb's importer; against pymarc parsing the same bytes alone (ratio, aim >= 0.3).
3. Search: 200 realistic queries drawn from the real records (title words, title word pairs,
   phrases, authors, subjects, ISBNs, with and without filters and an organisation) through
   clb.catalogue.search, against the same SQL statements sent through psycopg alone (ratio of
   p50 and p95, aim <= 2) and the absolute p95 (aim <= 50 ms).
"""

import argparse
import gzip
import io
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clb.settings")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
import pymarc  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from clb.catalogue import marc, search, services, text  # noqa: E402
from clb.catalogue.defaults import install_item_types  # noqa: E402
from clb.network.models import Branch, BranchKind, Organisation  # noqa: E402
from measuring import Recorder, percentile  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src" / "clb" / "catalogue" / "data"
MARC_FILES = [DATA / "loc-books.mrc.gz", DATA / "loc-opera-43.xml",
              *sorted((DATA / "pymarc").glob("*.dat")), DATA / "pymarc" / "batch.xml"]  # fmt: skip
ORGANISATIONS = 150
SEED = 20260302


def say(message: str) -> None:
    print(message, flush=True)


class Timer:
    def __init__(self, label: str):
        self.label = label

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        if exc[0] is None:
            say(f"  {self.label}: {self.seconds:.1f} s")


# --- the real records ---------------------------------------------------------------------------


def marc_records() -> list[pymarc.Record]:
    # pymarc logs the fields it repairs (regression45's three indicators); the importer reports them
    logging.getLogger("pymarc").setLevel(logging.ERROR)
    found = []
    for path in MARC_FILES:
        data = path.read_bytes()
        data = gzip.decompress(data) if path.suffix == ".gz" else data
        if path.suffix == ".xml":
            found += pymarc.parse_xml_to_array(io.BytesIO(data))
        else:
            found += [r for r in pymarc.MARCReader(io.BytesIO(data), to_unicode=True) if r]
    return found


def pools(records: list[pymarc.Record]) -> dict:
    """Field values of the real records, for the generator and for the queries. Year, language,
    material and audience are drawn only from records that code a year (the LoC books lost
    theirs in the JSON, see SOURCES.md)."""
    titles, authors, subjects, series, publishers, meta = [], [], [], [], [], []
    isbn_share = 0
    for r in records:
        try:
            d = marc.describe(r)
        except marc.Unusable:
            continue
        titles.append(d.title)
        authors.append(d.authors)
        subjects.append(d.subjects)
        series.append(d.series)
        publishers.append(d.publisher)
        if d.year:
            meta.append((d.year, d.language, d.material_type, d.audience, d.series))
            isbn_share += bool(d.isbns)
    isbn_share /= max(1, len(meta))
    return dict(titles=titles, authors=authors, subjects=subjects, series=series,
                publishers=publishers, meta=meta, isbn_share=isbn_share)  # fmt: skip


# --- generating the catalogue -------------------------------------------------------------------


def network() -> list[Branch]:
    install_item_types()
    rng = random.Random(SEED)
    orgs = Organisation.objects.bulk_create(
        Organisation(code=f"bench-org-{i:03d}", name=f"Benchbibliotheek {i}", is_demo=True)
        for i in range(1, ORGANISATIONS + 1)
    )
    branches = []
    for org in orgs:
        for j in range(rng.choice([3, 5, 8, 8, 10, 12, 14])):
            branches.append(
                Branch(
                    organisation=org,
                    code=f"{org.code}-{j}",
                    name=f"{org.name} vestiging {j}",
                    kind=BranchKind.VESTIGING,
                    is_demo=True,
                )
            )
    return Branch.objects.bulk_create(branches)


def _copy(cursor, table: str, columns: str, rows) -> None:
    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load_pools(cursor, p: dict) -> None:
    cursor.execute(
        "CREATE TEMP TABLE pool_title (i int PRIMARY KEY, title text, words text[]);"
        "CREATE TEMP TABLE pool_author (i int PRIMARY KEY, authors jsonb);"
        "CREATE TEMP TABLE pool_subject (i int PRIMARY KEY, subjects jsonb, publisher text);"
        "CREATE TEMP TABLE pool_meta (i int PRIMARY KEY, year int, language text, "
        "material text, audience text, series jsonb)"
    )
    _copy(cursor, "pool_title", "i, title, words",
          ((i, t, t.split()) for i, t in enumerate(p["titles"], 1)))  # fmt: skip
    _copy(cursor, "pool_author", "i, authors",
          ((i, json.dumps(a)) for i, a in enumerate(p["authors"], 1)))  # fmt: skip
    _copy(cursor, "pool_subject", "i, subjects, publisher",
          ((i, json.dumps(s), pub) for i, (s, pub)
           in enumerate(zip(p["subjects"], p["publishers"], strict=True), 1)))  # fmt: skip
    _copy(cursor, "pool_meta", "i, year, language, material, audience, series",
          ((i, *m[:4], json.dumps(m[4])) for i, m in enumerate(p["meta"], 1)))  # fmt: skip
    cursor.execute(
        "ANALYZE pool_title; ANALYZE pool_author; ANALYZE pool_subject; ANALYZE pool_meta"
    )


def _isbn13(body: str) -> str:
    """SQL for a valid ISBN-13 from a 12-digit text expression."""
    terms = " + ".join(f"{3 if i % 2 else 1} * substr({body}, {i + 1}, 1)::int" for i in range(12))
    return f"{body} || ((10 - ({terms}) % 10) % 10)::text"


def secondary_indexes(cursor, table: str) -> list[str]:
    """CREATE INDEX statements of a table's indexes that no constraint owns."""
    cursor.execute(
        "SELECT indexdef FROM pg_indexes i WHERE tablename = %s AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def generate(records: int, items: int, p: dict) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # no triggers, no FK checks
        cursor.execute("SET maintenance_work_mem = '1GB'; SET work_mem = '256MB'")
        cursor.execute("SELECT setseed(0.2026)")
        load_pools(cursor, p)
        saved = {}
        for table in ("catalogue_bibrecord", "catalogue_item", "catalogue_recordisbn"):
            saved[table] = secondary_indexes(cursor, table)
            for definition in saved[table]:
                name = definition.split(" INDEX ")[1].split(" ON ")[0]
                cursor.execute(f"DROP INDEX {name}")
        nt, na, ns, nm = (len(p["titles"]), len(p["authors"]), len(p["subjects"]), len(p["meta"]))
        with Timer(f"{records:,} records"):
            cursor.execute(
                f"""
                INSERT INTO catalogue_bibrecord (title, subtitle, authors, publisher, year, isbn,
                    language, material_type, audience, subjects, series, control_number,
                    match_key, raw_marc, fingerprint, invalid_isbns, created_at, updated_at)
                SELECT left(CASE WHEN r.mix < 0.3 OR cardinality(t2.words) < 2 THEN t1.title
                            ELSE array_to_string(
                                t1.words[1:greatest(1, cardinality(t1.words) / 2)]
                                || t2.words[cardinality(t2.words) / 2 + 1:], ' ') END, 500),
                       '', a.authors, s.publisher,
                       CASE WHEN m.year IS NULL THEN NULL
                            ELSE least(2026, m.year + r.shift) END,
                       CASE WHEN r.has_isbn THEN {_isbn13("('97894' || lpad(r.g::text, 7, '0'))")}
                            ELSE '' END,
                       m.language, m.material, m.audience, s.subjects, m.series,
                       'GEN' || r.g, '', '', '', '[]'::jsonb, now(), now()
                FROM (SELECT g, random() AS mix, random() < {p["isbn_share"]} AS has_isbn,
                             floor(random() * 7)::int - 3 AS shift,
                             1 + floor(random() * {nt})::int AS ti,
                             1 + floor(random() * {nt})::int AS ti2,
                             1 + floor(random() * {na})::int AS ai,
                             1 + floor(random() * {ns})::int AS si,
                             1 + floor(random() * {nm})::int AS mi
                      FROM generate_series(1, {records}) g) r
                JOIN pool_title t1 ON t1.i = r.ti
                JOIN pool_title t2 ON t2.i = r.ti2
                JOIN pool_author a ON a.i = r.ai
                JOIN pool_subject s ON s.i = r.si
                JOIN pool_meta m ON m.i = r.mi
                """
            )
        with Timer("match keys"):
            # The importer's key (marc.match_key) in SQL, for records without an ISBN.
            cursor.execute(
                """UPDATE catalogue_bibrecord SET match_key = left(
                    left(trim(regexp_replace(lower(unaccent(title)), '[^[:alnum:]]+', ' ', 'g')), 120)
                    || '|' || split_part(trim(regexp_replace(lower(unaccent(
                        coalesce(authors->>0, publisher))), '[^[:alnum:]]+', ' ', 'g')), ' ', 1)
                    || '|' || coalesce(year::text, '') || '|' || material_type, 200)
                WHERE isbn = ''"""
            )
        with Timer("ISBN identifiers"):
            cursor.execute(
                "INSERT INTO catalogue_recordisbn (record_id, isbn13) "
                "SELECT id, isbn FROM catalogue_bibrecord WHERE isbn <> ''"
            )
        with Timer(f"{items:,} items"):
            cursor.execute(
                "CREATE TEMP TABLE bench_branch AS SELECT row_number() OVER (ORDER BY id) AS i, "
                "id, organisation_id FROM network_branch WHERE code LIKE 'bench-org-%'"
            )
            cursor.execute("SELECT count(*) FROM bench_branch")
            nb = cursor.fetchone()[0]
            cursor.execute("SELECT min(id), max(id) FROM catalogue_bibrecord")
            low, high = cursor.fetchone()
            cursor.execute("SELECT code, id FROM catalogue_itemtype")
            types = dict(cursor.fetchall())
            # Popular titles have many copies: record ids drawn with a skew (random()^2).
            cursor.execute(
                f"""
                INSERT INTO catalogue_item (barcode, record_id, organisation_id, home_branch_id,
                    current_branch_id, item_type_id, audience, status, replacement_price,
                    call_number, created_at)
                SELECT 'G' || lpad(r.g::text, 10, '0'), b.id, br.organisation_id, br.id, br.id,
                       CASE b.material_type WHEN 'dvd' THEN {types["dvd"]}
                            WHEN 'audiobook' THEN {types["luisterboek"]}
                            WHEN 'music' THEN {types["cd"]}
                            WHEN 'magazine' THEN {types["tijdschrift"]}
                            WHEN 'game' THEN {types["spel"]}
                            ELSE CASE b.audience WHEN 'youth' THEN {types["jeugdboek"]}
                                 ELSE {types["boek"]} END END,
                       b.audience,
                       CASE WHEN r.s < 0.75 THEN 'available' WHEN r.s < 0.95 THEN 'on_loan'
                            WHEN r.s < 0.97 THEN 'in_transit' WHEN r.s < 0.98 THEN 'missing'
                            ELSE 'withdrawn' END,
                       20.00, '', now()
                FROM (SELECT g, {low} + floor(power(random(), 2) * {high - low + 1})::bigint AS rid,
                             1 + floor(random() * {nb})::int AS bi, random() AS s
                      FROM generate_series(1, {items}) g) r
                JOIN catalogue_bibrecord b ON b.id = r.rid
                JOIN bench_branch br ON br.i = r.bi
                """
            )
        with Timer("secondary indexes"):
            for table in saved:
                for definition in saved[table]:
                    cursor.execute(definition)
        cursor.execute("SET session_replication_role = origin")
    with Timer("search index (search.rebuild_index)"):
        search.rebuild_index()
    with Timer("VACUUM ANALYZE"), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# --- import ---------------------------------------------------------------------------------------


def import_bench(records: list[pymarc.Record], branch: Branch) -> dict:
    batch = list(records)
    for n, r in enumerate(batch):
        r.remove_fields("852", "949", "952")
        r.add_ordered_field(marc.holding_field(f"IMP{n:08d}", branch.code, "", ""))
    data = b"".join(r.as_marc() for r in batch)
    with tempfile.NamedTemporaryFile(suffix=".mrc", delete=False) as fh:
        fh.write(data)
    start = time.perf_counter()
    parsed = sum(1 for _ in pymarc.MARCReader(io.BytesIO(data), to_unicode=True))
    parse_rate = parsed / (time.perf_counter() - start)
    start = time.perf_counter()
    report = services.import_marc([fh.name], branch.organisation, branch=branch)
    seconds = time.perf_counter() - start
    os.unlink(fh.name)
    return dict(records=len(batch), parse_rate=parse_rate, import_rate=len(batch) / seconds,
                summary=report.summary(), unchanged=report.unchanged)  # fmt: skip


# --- search ---------------------------------------------------------------------------------------


def queries(p: dict, isbns: list[str], orgs: list[str], count: int = 200) -> list[tuple]:
    """(kind, query, filters, organisation code) from the real records."""
    rng = random.Random(SEED)
    titles = [t for t in p["titles"] if len(text.words(t)) >= 3]
    meaningful = lambda t: [w for w in text.words(t) if len(w) > 3 and w not in text.STOPWORDS]  # noqa: E731
    authors = [a[0] for a in p["authors"] if a]
    subjects = [s for group in p["subjects"] for s in group]
    found: list[tuple] = []
    share = {"word": 50, "pair": 40, "author": 30, "subject": 20, "phrase": 15,
             "isbn": 15, "filtered": 15, "at_library": 15}  # fmt: skip
    for kind, n in share.items():
        for _ in range(n * count // 200):
            title_words = []
            while len(title_words) < 2:
                title_words = meaningful(rng.choice(titles))
            if kind == "word":
                found.append((kind, rng.choice(title_words), {}, None))
            elif kind == "pair":
                i = rng.randrange(len(title_words) - 1)
                found.append((kind, " ".join(title_words[i : i + 2]), {}, None))
            elif kind == "author":
                found.append((kind, " ".join(text.words(rng.choice(authors))[:2]), {}, None))
            elif kind == "subject":
                found.append((kind, " ".join(text.words(rng.choice(subjects))[:2]), {}, None))
            elif kind == "phrase":
                words = text.words(rng.choice(titles))
                i = rng.randrange(len(words) - 2)
                found.append((kind, '"' + " ".join(words[i : i + 3]) + '"', {}, None))
            elif kind == "isbn":
                found.append((kind, rng.choice(isbns), {}, None))
            elif kind == "filtered":
                filters = rng.choice([
                    {"material_type": "book"}, {"language": "eng"}, {"audience": "youth"},
                    {"year_from": "1990", "year_to": "2020"}, {"material_type": "music"},
                ])  # fmt: skip
                found.append((kind, rng.choice(title_words), filters, None))
            else:
                org = rng.choice(orgs)
                found.append(
                    (kind, rng.choice(title_words), {"available_at_organisation": org}, org)
                )
    return found


def search_bench(qs: list[tuple]) -> dict:
    def run(q):
        _kind, query, filters, org = q
        return search.search(query, filters=filters, organisation=org)

    for q in qs:  # warm: caches, plans, imports
        run(q)
    clb, groups, totals = [], [], []
    for q in qs:
        recorder = Recorder()
        with connection.execute_wrapper(recorder):
            start = time.perf_counter()
            result = run(q)
            clb.append(time.perf_counter() - start)
        groups.append(recorder.statements)
        totals.append(result.total)
    s = connection.settings_dict
    raw = []
    with psycopg.connect(host=s["HOST"], port=s["PORT"], user=s["USER"], dbname=s["NAME"],
                         password=s["PASSWORD"] or None, autocommit=True,
                         cursor_factory=psycopg.ClientCursor) as conn:  # fmt: skip
        cur = conn.cursor()
        for group in groups:  # warm the same way
            for sql, params in group:
                cur.execute(sql, params)
        for group in groups:
            start = time.perf_counter()
            for sql, params in group:
                cur.execute(sql, params)
                if cur.description:
                    cur.fetchall()
            raw.append(time.perf_counter() - start)
    return dict(clb=clb, raw=raw, totals=totals,
                statements=statistics.mean(len(g) for g in groups))  # fmt: skip


# --- the run --------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2_000_000)
    parser.add_argument("--items", type=int, default=8_000_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: python scripts/pg.py -- .venv/bin/python bench/catalogue.py")
    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    say("real records ...")
    records = marc_records()
    p = pools(records)
    say(f"  {len(records):,} MARC records, {len(p['meta'])} with a year; "
        f"{p['isbn_share']:.0%} of those have an ISBN")  # fmt: skip
    say("generating the national catalogue ...")
    branches = network()
    say(f"  {ORGANISATIONS} organisations, {len(branches):,} branches")
    generate(args.records, args.items, p)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        say(f"  database size: {cursor.fetchone()[0]}")
        cursor.execute(
            "SELECT isbn FROM catalogue_bibrecord WHERE isbn <> '' ORDER BY random() LIMIT 50"
        )
        isbns = [row[0] for row in cursor.fetchall()]

    say("import ...")
    imp = import_bench(records, branches[0])
    say(f"  {imp['records']:,} records: {imp['summary']} (unchanged {imp['unchanged']})")

    say("search ...")
    qs = queries(p, isbns, [b.organisation.code for b in branches[:: len(branches) // 20]],
                 args.queries)  # fmt: skip
    s = search_bench(qs)
    clb50, clb95 = percentile(s["clb"], 0.5) * 1000, percentile(s["clb"], 0.95) * 1000
    raw50, raw95 = percentile(s["raw"], 0.5) * 1000, percentile(s["raw"], 0.95) * 1000

    say("")
    say(f"catalogue: {args.records:,} records, {args.items:,} items, "
        f"{ORGANISATIONS} organisations, {len(branches):,} branches")  # fmt: skip
    say(f"import   pymarc parsing alone: {imp['parse_rate']:9.0f} records/s")
    say(f"         clb import-marc:      {imp['import_rate']:9.0f} records/s")
    say(
        f"         ratio import/parse:   {imp['import_rate'] / imp['parse_rate']:9.2f}  (aim >= 0.3)"
    )
    say(
        f"search   {len(qs)} queries, {s['statements']:.1f} SQL statements each, "
        f"hits per query median {statistics.median(s['totals']):,.0f}, max {max(s['totals']):,}"
    )
    say(f"         clb search:     p50 {clb50:7.1f} ms   p95 {clb95:7.1f} ms")
    say(f"         same SQL, raw:  p50 {raw50:7.1f} ms   p95 {raw95:7.1f} ms")
    say(
        f"         ratio clb/raw:  p50 {clb50 / raw50:7.2f}      p95 {clb95 / raw95:7.2f}     (aim <= 2)"
    )
    say(f"         absolute p95:   {clb95:.1f} ms (aim <= 50 ms)")
    slowest = sorted(range(len(qs)), key=lambda i: -s["clb"][i])[:5]
    say("         slowest: " + "; ".join(
        f"{qs[i][1]!r} {qs[i][2] or ''} {s['clb'][i] * 1000:.0f} ms, {s['totals'][i]:,} hits"
        for i in slowest))  # fmt: skip
    say("         by kind of query (clb p50 / p95 ms, median hits):")
    for kind in dict.fromkeys(q[0] for q in qs):
        mine = [i for i, q in enumerate(qs) if q[0] == kind]
        times = [s["clb"][i] * 1000 for i in mine]
        hits = statistics.median(s["totals"][i] for i in mine)
        say(f"           {kind:<11} {percentile(times, 0.5):7.1f} / {percentile(times, 0.95):7.1f}"
            f"   {hits:>9,.0f}")  # fmt: skip
    say(f"total run time: {(time.perf_counter() - began) / 60:.1f} min")


if __name__ == "__main__":
    main()
