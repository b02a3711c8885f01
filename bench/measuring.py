"""Pieces the benchmarks share: recording the SQL clb sends (to replay it raw), percentiles,
the demo data, starting a server process and threads that work until a deadline."""

import os
import socket
import sys
import threading
import time


class Recorder:
    """A connection.execute_wrapper that keeps every statement with its parameters."""

    def __init__(self):
        self.statements: list = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, params))
        return execute(sql, params, many, context)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def ensure_demo(members_per_org: int, days: int) -> None:
    """Reference data and the demo in an empty database (Django set up by the caller)."""
    from django.core.management import call_command

    from clb import demo

    if not demo.is_empty():
        print("database has data: using it as it is")
        return
    print(f"loading reference data and demo ({members_per_org} members/org, {days} days) ...")
    start = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command("load_reference", verbosity=0, stdout=quiet)
    demo.load_demo(members_per_org=members_per_org, days=days, progress=lambda _m: None)
    print(f"  loaded in {time.perf_counter() - start:.0f} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, server, name: str, seconds: float = 60) -> None:
    """Until the server process listens on the port; stops the benchmark if it never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"{name} stopped before it listened")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"{name} did not start")


def in_threads(work, count: int) -> float:
    """work(n) in `count` threads at once; returns the seconds until the last one ended."""
    start = time.perf_counter()
    pool = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.perf_counter() - start
