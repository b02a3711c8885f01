"""Two versions of the search on one catalogue, timed in the same conditions: the SQL statements
each sent for the same queries (bench/catalogue.py --statements), replayed through psycopg
alternately, query by query, so load from elsewhere falls on both alike.

    python bench/statements_ab.py BEFORE.json AFTER.json [--rounds 5]   (CLB_DATABASE_URL set)

Prints per kind of query p50 / p95 of each query's median time, before and after, the load
average beside them."""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measuring import percentile  # noqa: E402


def run(cursor, statements) -> float:
    start = time.perf_counter()
    for sql, params in statements:
        cursor.execute(sql, params)
        if cursor.description:
            cursor.fetchall()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    before, after = (json.loads(p.read_text()) for p in (args.before, args.after))
    assert [q["query"] for q in before] == [q["query"] for q in after], "not the same queries"
    conn = psycopg.connect(os.environ["CLB_DATABASE_URL"], autocommit=True,
                           cursor_factory=psycopg.ClientCursor)  # fmt: skip
    cursor = conn.cursor()
    times = {"before": [], "after": []}
    load = os.getloadavg()
    for b, a in zip(before, after, strict=True):
        run(cursor, b["statements"]), run(cursor, a["statements"])  # warm
        mine = {"before": [], "after": []}
        for _ in range(args.rounds):
            mine["before"].append(run(cursor, b["statements"]))
            mine["after"].append(run(cursor, a["statements"]))
        for version in times:
            times[version].append(statistics.median(mine[version]) * 1000)
    print(f"{len(before)} queries, median of {args.rounds} alternating rounds each; load average "
          f"before {load[0]:.1f}, after {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"{'kind':<11} {'before p50 / p95 ms':>22} {'after p50 / p95 ms':>22}")
    for kind in [*dict.fromkeys(q["kind"] for q in before), "all"]:
        mine = [i for i, q in enumerate(before) if kind in ("all", q["kind"])]
        row = [
            f"{percentile([times[v][i] for i in mine], 0.5):8.1f} / "
            f"{percentile([times[v][i] for i in mine], 0.95):7.1f}"
            for v in times
        ]
        print(f"{kind:<11} {row[0]:>22} {row[1]:>22}")


if __name__ == "__main__":
    main()
