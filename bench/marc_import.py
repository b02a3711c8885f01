"""`clb import-marc` against pymarc parsing the same bytes, in minutes rather than hours.

    python scripts/pg.py -- .venv/bin/python bench/marc_import.py [--records 20000] [--workers N]
    .venv/bin/python bench/marc_import.py --sqlite [--records 20000]

Builds two ISO 2709 files of --records real-ish records each from the real records staged in
src/clb/catalogue/data (LoC books, UVA, LoC SRU sample, DBNL titles; SOURCES.md there): each
repetition of a real record gets its own 001, title word and ISBN-13, and one copy (852) with a
barcode of its own. The second file repeats a tenth of the first file's ISBNs under other
titles, so it merges those into existing records as well as adding new ones.

1. into an empty catalogue: the first file;
2. into a catalogue with records: the second file, after the first.
Each import is timed against pymarc parsing the same bytes alone in one process, measured just
before and just after it (the mean; ratio, aim >= 0.3). The CPU the import used per record
is given in pymarc parses, a parse's CPU time likewise the mean of before and after. The load
average is printed with each figure: ratios come from the same run, absolute rates do not
survive load. bench/catalogue.py measures the same ratio
into its 2 M-record catalogue (hours to build)."""

import argparse
import gc
import gzip
import io
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clb.settings")
SQLITE_FILE = Path(tempfile.gettempdir()) / f"clb-bench-import-{os.getpid()}.sqlite3"
if "--sqlite" in sys.argv:
    os.environ["CLB_DATABASE_URL"] = f"sqlite:///{SQLITE_FILE}"

import django  # noqa: E402

django.setup()

import pymarc  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from pymarc import Field, Indicators, Subfield  # noqa: E402

from clb.catalogue import importer, marc, services  # noqa: E402
from clb.catalogue.defaults import install_item_types  # noqa: E402
from clb.network.models import Branch, BranchKind, Organisation  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "src" / "clb" / "catalogue" / "data"
SOURCES = ["loc-books.mrc.gz", "uva-solrmarc-2000.mrc.gz", "loc-sru-sample-386.mrc.gz",
           "dbnl-titles.mrc.gz"]  # fmt: skip


def say(message: str) -> None:
    print(message, flush=True)


def real_records() -> list[bytes]:
    logging.getLogger("pymarc").setLevel(logging.ERROR)
    found = []
    for name in SOURCES:
        data = gzip.decompress((DATA / name).read_bytes())
        found += [r for r in pymarc.MARCReader(io.BytesIO(data), to_unicode=True) if r]
    return found


def _isbn13(n: int) -> str:
    body = f"979{n:09d}"
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10) % 10
    return body + str(check)


def build(records: list[pymarc.Record], count: int, first: int, branch: str,
          merge_from: int | None = None) -> bytes:  # fmt: skip
    """`count` records numbered from `first`; with `merge_from`, every tenth carries the ISBN of
    record number `merge_from + i` (of an earlier file) under its own title."""
    out = []
    for i in range(count):
        n = first + i
        r = records[n % len(records)]
        r = pymarc.Record(leader=str(r.leader), fields=list(r.fields), force_utf8=True)
        r.leader = r.leader[:9] + "a" + r.leader[10:]
        keep = [f for f in r.fields if f.tag not in ("001", "020", "852", "949", "952")]
        title = next((f for f in keep if f.tag == "245"), None)
        if title is None:
            continue
        title = Field(tag="245", indicators=title.indicators,
                      subfields=[Subfield(s.code, f"{s.value} {n}" if s.code == "a" else s.value)
                                 for s in title.subfields])  # fmt: skip
        isbn = n if merge_from is None or i % 10 else merge_from + i
        r.fields = [Field(tag="001", data=f"bench{n:09d}")]
        r.fields += [title if f.tag == "245" else f for f in keep]
        r.add_ordered_field(
            Field(
                tag="020", indicators=Indicators(" ", " "), subfields=[Subfield("a", _isbn13(isbn))]
            )
        )
        r.add_ordered_field(marc.holding_field(f"B{n:010d}", branch, "", ""))
        out.append(r.as_marc())
    return b"".join(out)


def load() -> str:
    return "load average " + ", ".join(f"{x:.1f}" for x in os.getloadavg())


def parse_rate(data: bytes) -> float:
    start = time.perf_counter()
    parsed = sum(1 for r in pymarc.MARCReader(io.BytesIO(data), to_unicode=True) if r)
    return parsed / (time.perf_counter() - start)


def parse_cpu(data: bytes) -> float:
    """CPU seconds per record of pymarc parsing alone: the unit of the CPU figures."""
    start = time.process_time()
    parsed = sum(1 for r in pymarc.MARCReader(io.BytesIO(data), to_unicode=True) if r)
    return (time.process_time() - start) / parsed


def cpu() -> tuple[float, float, float]:
    """CPU seconds so far of this process, its ended children (the workers) and the database
    server process serving this connection (PostgreSQL on this machine; 0 elsewhere)."""
    t = os.times()
    server = 0.0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return t.user + t.system, t.children_user + t.children_system, server


def measure(label: str, data: bytes, branch: Branch, workers: int | None, batch: int) -> float:
    with tempfile.NamedTemporaryFile(suffix=".mrc", delete=False) as fh:
        fh.write(data)
    try:
        # pymarc is timed just before and just after the import and the mean taken: on a
        # shared machine the load changes within a minute, and one side alone tilts the ratio
        first = parse_rate(data)
        unit_before = parse_cpu(data)
        before = load()
        used = cpu()
        start = time.perf_counter()
        report = services.import_marc([fh.name], branch.organisation, branch=branch,
                                      workers=workers, batch_size=batch)  # fmt: skip
        rate = report.read / (time.perf_counter() - start)
        used = [(b - a) / report.read for a, b in zip(used, cpu(), strict=True)]
        after = load()
        reference = (first + parse_rate(data)) / 2
        # the CPU unit likewise: CPU time per parse grows with load too (shared caches, cores)
        unit = (unit_before + parse_cpu(data)) / 2
        used = [u / unit for u in used]
    finally:
        os.unlink(fh.name)
    ratio = rate / reference
    say(f"{label}: {report.read:,} records, {report.summary()}, unchanged {report.unchanged}")
    say(f"  pymarc parsing alone {reference:7.0f} records/s (before {first:.0f}), clb import-marc "
        f"{rate:6.0f} records/s, ratio {ratio:.2f} (aim >= 0.3); {before} / after: {after}")  # fmt: skip
    # CPU per record in units of pymarc's parse of a record: what load does not change much
    say(f"  CPU per record in pymarc parses: this process {used[0]:.2f}, workers {used[1]:.2f}, "
        f"{connection.vendor} server {used[2]:.2f}, in all {sum(used):.2f} (a parse "
        f"{unit * 1e6:.0f} µs CPU, before {unit_before * 1e6:.0f})")  # fmt: skip
    return ratio


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes (default: one per core)")  # fmt: skip
    parser.add_argument("--batch", type=int, default=importer.BATCH, help="records per batch")
    parser.add_argument("--sqlite", action="store_true", help=f"on SQLite ({SQLITE_FILE})")
    args = parser.parse_args()
    try:
        call_command("migrate", verbosity=0)
        install_item_types()
        org, _ = Organisation.objects.get_or_create(
            code="bench-import", defaults={"name": "Benchbibliotheek", "is_demo": True}
        )
        branch, _ = Branch.objects.get_or_create(
            organisation=org, code="bench-import-1",
            defaults={"name": "Bench vestiging", "kind": BranchKind.VESTIGING, "is_demo": True},
        )  # fmt: skip
        records = real_records()
        say(
            f"{len(records):,} real records; {connection.vendor}, workers {args.workers or 'default'}, "
            f"batches of {args.batch}"
        )
        first = build(records, args.records, 0, branch.code)
        second = build(records, args.records, args.records, branch.code, merge_from=0)
        # clb import-marc holds no parsed records of its own: neither does the measured process
        # (their million objects made every full collection here, and in the forked workers,
        # cost a tenth of the import)
        del records
        gc.collect()
        empty = measure("into an empty catalogue", first, branch, args.workers, args.batch)
        full = measure("into a catalogue with records", second, branch, args.workers, args.batch)
        say(f"ratio import/parse: empty {empty:.2f}, with records {full:.2f} (aim >= 0.3)")
    finally:
        if args.sqlite:
            SQLITE_FILE.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
