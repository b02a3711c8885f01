"""Moving a library in, on PostgreSQL: a generated package of a mid-size library
(scripts/make_migration_package.py: the staged real MARC, members at the real postcodes of
Utrecht, per 100,000 copies 30,000 members, 12,000 open loans, 2,000 holds, 3,000 fee lines)
migrated end to end, at two sizes, against `clb import-marc` alone on the same records with the
same copies measured in the same run.

    python scripts/pg.py -- .venv/bin/python bench/migration.py [--sizes 10000,100000]

Per size, each on an emptied database with the reference data (municipalities, postcode areas,
item types, national loan rules) and one organisation with two branches:
1. the limit: `clb import-marc` of the package's titles with every copy of items.csv as an 852
   holding (records and copies only);
2. `clb migrate-library` of the package: titles, copies, their statuses, members, blocks, fees,
   open loans, holds; then a second run (that must change nothing) and the undo.
Printed: copies/s of both and their ratio (the migration does the import's work and, per copy,
also 0.3 members, 0.12 loans, 0.02 holds, 0.03 fee lines; no aim of its own), the titles stage
against import-marc alone (the same records and copies: what the migration's bookkeeping, the
id map and the report, costs), the whole run's time, the time per stage, the rate at the
largest size against the smallest (flat: aim >= 0.8), and one million copies with their
members, loans and holds extrapolated from the largest size's rate (aim: under an hour on this
machine). The load average is printed at the start and the end: the machine is shared.
"""

import argparse
import csv
import io
import logging
import os
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clb.settings")

import django  # noqa: E402

django.setup()

import pymarc  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from clb.catalogue.defaults import install_item_types  # noqa: E402
from clb.catalogue.marc import holding_field  # noqa: E402
from clb.catalogue.models import Item  # noqa: E402
from clb.circulation.defaults import install_national_rules  # noqa: E402
from clb.circulation.models import Hold, Loan  # noqa: E402
from clb.members.defaults import install_subscription_types  # noqa: E402
from clb.members.models import LedgerLine, Patron  # noqa: E402
from clb.migration import services  # noqa: E402
from clb.network import reference  # noqa: E402
from clb.network.models import Branch, Municipality, Organisation  # noqa: E402
from scripts.make_migration_package import append_field, make  # noqa: E402

TODAY = date(2026, 3, 2)
AT = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
MILLION = 1_000_000


def say(message: str) -> None:
    print(message, flush=True)


def fresh_network() -> Organisation:
    """An emptied database with the reference data and the organisation moving in."""
    call_command("flush", interactive=False, verbosity=0)
    reference.load_municipalities()
    reference.load_postcode_areas()
    install_item_types()
    install_national_rules()
    utrecht = Municipality.objects.get(name="Utrecht")
    org = Organisation.objects.create(code="bench-migratie", name="Benchbibliotheek")
    org.municipalities.add(utrecht)
    install_subscription_types(org)
    for code, name in (("bench-hb01", "Centrale"), ("bench-hb02", "Wijk")):
        Branch.objects.create(organisation=org, code=code, name=name, staffed_hours_week=40,
                              municipality=utrecht)  # fmt: skip
    return org


def same_records(folder: Path, out: Path) -> int:
    """The package's titles with every copy of items.csv as an 852 holding (CLB's codes), for
    `clb import-marc` alone; returns the number of copies."""
    mapping = {}
    for line in (folder / "mapping.toml").read_text(encoding="utf-8").splitlines():
        if " = " in line:
            key, value = line.split(" = ")
            mapping[key.strip()] = value.strip().strip('"')
    copies: dict[str, list] = {}
    with open(folder / "items.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["homebranch"] in mapping:  # the planted unknown location is left out
                copies.setdefault(row["biblionumber"], []).append(row)
    count = 0
    with open(out, "wb") as fh:
        logging.getLogger("pymarc").setLevel(logging.ERROR)
        data = (folder / "titels.mrc").read_bytes()
        for record in pymarc.MARCReader(io.BytesIO(data), to_unicode=True, force_utf8=True):
            if record is None:
                continue
            for row in copies.get(record["999"]["c"], []):
                record.add_ordered_field(_holding(row, mapping))
                count += 1
            fh.write(record.as_marc())
        for raw in (folder / "titels-marc8.mrc").read_bytes().split(b"\x1d"):
            if not raw.strip():
                continue
            raw = raw.lstrip(b"\r\n") + b"\x1d"
            bib = raw.rsplit(b"\x1fc", 1)[1].split(b"\x1e")[0].decode()
            for row in copies.get(bib, []):
                field = _holding(row, mapping)
                body = b"  " + b"".join(
                    b"\x1f" + s.code.encode() + s.value.encode() for s in field.subfields
                )
                raw = append_field(raw, "852", body)
                count += 1
            fh.write(raw)
    return count


def _holding(row: dict, mapping: dict):
    return holding_field(row["barcode"], mapping[row["homebranch"]], row["itemcallnumber"],
                         mapping.get(row["itype"], ""))  # fmt: skip


def limit(folder: Path, size: int) -> dict:
    org = fresh_network()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "zelfde.mrc"
        copies = same_records(folder, path)
        start = time.perf_counter()
        call_command("import_marc", str(path), "--organisation", org.code, stdout=io.StringIO(),
                     stderr=io.StringIO())  # fmt: skip
        seconds = time.perf_counter() - start
    made = Item.objects.count()
    say(f"  import-marc alone: {made:,} of {copies:,} copies in {seconds:.1f} s")
    return {"copies": made, "seconds": seconds, "rate": made / seconds}


def migration(folder: Path, size: int) -> dict:
    org = fresh_network()
    stages: dict[str, float] = {}
    began = time.perf_counter()

    def progress(stage, done, total):
        stages.setdefault(stage, time.perf_counter())

    run = services.migrate(services.start(org, folder, report_dir=folder / "rapport"),
                           progress=progress, at=AT)  # fmt: skip
    seconds = time.perf_counter() - began
    if run.status != "done":
        sys.exit(f"run {run.pk}: {run.status} {run.message}")
    marks = sorted(stages.items(), key=lambda s: s[1]) + [("end", began + seconds)]
    per_stage = {name: marks[i + 1][1] - at for i, (name, at) in enumerate(marks[:-1])}
    counts = {
        "copies": Item.objects.count(), "members": Patron.objects.count(),
        "loans": Loan.objects.count(), "holds": Hold.objects.count(),
        "fee lines": LedgerLine.objects.count(),
    }  # fmt: skip
    say("  migrate-library: " + ", ".join(f"{n:,} {k}" for k, n in counts.items())
        + f" in {seconds:.1f} s")  # fmt: skip
    say("    per stage: " + ", ".join(f"{k} {v:.1f} s" for k, v in per_stage.items()))
    start = time.perf_counter()
    again = services.migrate(services.start(org, folder, report_dir=folder / "rapport-2"), at=AT)
    rerun = time.perf_counter() - start
    created = sum(c.get("aangemaakt", 0) for c in again.counts.values())
    say(f"    second run: {rerun:.1f} s, {created} created (must be 0)")
    start = time.perf_counter()
    undone = services.undo(run)
    undo = time.perf_counter() - start
    left = Item.objects.count() + Patron.objects.count()
    say(f"    undo: {undo:.1f} s, {undone.get_status_display()}, {left} copies and members left")
    for line in undone.undo_report.splitlines()[:5]:
        say(f"      kept: {line}")
    return {"seconds": seconds, "rate": counts["copies"] / seconds, "stages": per_stage,
            "rerun": rerun, "rerun_created": created, "undo": undo, **counts}  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000",
                        help="copies per package, smallest first")  # fmt: skip
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: python scripts/pg.py -- .venv/bin/python bench/migration.py")
    began = time.perf_counter()
    say("load average at the start: " + " ".join(f"{n:.1f}" for n in os.getloadavg()))
    call_command("migrate", verbosity=0)
    sizes = [int(s) for s in args.sizes.split(",")]
    found = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            folder = Path(tmp) / f"pakket-{size}"
            say(f"{size:,} copies: generating the package ...")
            make(folder, size, ["bench-hb01", "bench-hb02"], "Utrecht", TODAY)
            found[size] = (limit(folder, size), migration(folder, size))
    say("")
    say("copies    import-marc alone   migrate-library     ratio    whole run")
    for size, (lim, mig) in found.items():
        say(f"{size:>9,}  {lim['rate']:9.0f} copies/s  {mig['rate']:9.0f} copies/s  "
            f"{mig['rate'] / lim['rate']:6.2f}   {mig['seconds']:7.0f} s")  # fmt: skip
    say("(ratio: migrate-library / import-marc copies/s on the same records)")
    for size, (lim, mig) in found.items():
        say(f"titles stage at {size:,}: {mig['stages'].get('titels', 0):.0f} s against import-marc "
            f"alone {lim['seconds']:.0f} s (ratio {lim['seconds'] / mig['stages']['titels']:.2f})")  # fmt: skip
    small, large = found[sizes[0]][1], found[sizes[-1]][1]
    if len(sizes) > 1:
        say(f"rate at {sizes[-1]:,} / rate at {sizes[0]:,}: {large['rate'] / small['rate']:.2f} "
            "(flat: aim >= 0.8)")  # fmt: skip
    hour = MILLION / large["rate"]
    say(f"one million copies with their members, loans and holds, at the rate of "
        f"{sizes[-1]:,}: {hour / 60:.0f} min = {hour / 3600:.2f} of the hour it may take "
        "(aim <= 1)")  # fmt: skip
    say(f"total bench time: {(time.perf_counter() - began) / 60:.1f} min; load average at the end: "
        + " ".join(f"{n:.1f}" for n in os.getloadavg()))  # fmt: skip


if __name__ == "__main__":
    main()
