"""Reads that may be a moment stale go to a streaming replica; everything else to the primary.

The project names the pages whose reads may be stale (settings.CLB_REPLICA_PAGES: catalogue
search and record pages with their availability, the cockpit, open data). ReplicaMiddleware marks
such a request and ReplicaRouter sends its reads to a replica that answers, is at most
CLB_REPLICA_MAX_LAG bytes of WAL behind the primary, and has replayed this browser's last write.

Read-your-writes: a request that wrote on the primary leaves the primary's WAL position in a
cookie; a replica serves that browser again only once its pg_last_wal_replay_lsn() has passed
that position. No fixed delay: on a replica that keeps up that is the very next page.

Everything else reads the primary: other pages, SIP2 and commands (no request is marked), reads
inside a transaction or after a write in the same request, and logins and sessions. A replica that
fails in the middle of a page is left for the rest of that request and the page is made again on
the primary (the marked pages only read)."""

import contextlib
import contextvars
import random
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError, connections

PRIMARY = "default"
COOKIE = "clb_wal"
LSN = re.compile(r"[0-9A-F]{1,8}/[0-9A-F]{1,8}")
# Always from the primary: who is logged in must never be a moment old.
PRIMARY_ONLY = frozenset({"sessions", "auth", "accounts", "contenttypes", "admin"})
WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "TRUNCATE", "CREATE", "ALTER", "DROP")
# The insert position, not pg_current_wal_lsn(): with synchronous_commit=off a commit returns
# before its WAL is written, and the write position can then still lie before the commit.
PRIMARY_POSITION = "SELECT pg_current_wal_insert_lsn()::text"
REPLAY_POSITION = "SELECT pg_last_wal_replay_lsn()::text"


def lsn(text: str | None) -> int | None:
    """A WAL position ('16/B374D848') as a number; None for anything else."""
    if not text or not LSN.fullmatch(text):
        return None
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias != PRIMARY]


@dataclass
class Replica:
    alias: str
    replayed: int | None  # None: down, or not a replica at all
    behind: int | None  # bytes of WAL the primary is ahead

    @property
    def state(self) -> str:
        if self.replayed is None:
            return "down"
        return "behind" if self.behind > settings.CLB_REPLICA_MAX_LAG else "up"


def _position(alias: str, query: str) -> int | None:
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute(query)
            return lsn(cursor.fetchone()[0])
    except DatabaseError:
        _forget(alias)
        return None


def _forget(alias: str) -> None:
    """Drops a connection that failed, so the next request connects afresh."""
    with contextlib.suppress(DatabaseError):
        connections[alias].close()


def survey() -> list[Replica]:
    """Where each replica stands against the primary, asked now."""
    primary = _position(PRIMARY, PRIMARY_POSITION) or 0
    replicas = []
    for alias in replica_aliases():
        replayed = _position(alias, REPLAY_POSITION)
        behind = None if replayed is None else max(0, primary - replayed)
        replicas.append(Replica(alias, replayed, behind))
    return replicas


def health() -> dict:
    """For /health: each replica's state, and where the stale reads go now."""
    replicas = survey()
    serving = [r.alias for r in replicas if r.state == "up"]
    return {
        "replicas": [
            {"name": r.alias, "state": r.state, "behind_bytes": r.behind} for r in replicas
        ],
        "stale_reads": "replica" if serving else "primary",
    }


@dataclass
class Reading:
    """What one request may read, and from where."""

    stale_ok: bool = False
    seen: int = 0  # the browser's last write, as a WAL position
    wrote: bool = False
    chosen: str | None = None  # the replica for this request, once asked
    used: bool = False  # a read went to it

    def watch(self, execute, sql, params, many, context):
        if sql.lstrip()[:8].upper().startswith(WRITES) and not any(
            table in sql for table in settings.CLB_REPLICA_UNWATCHED_TABLES
        ):
            self.wrote = True
        return execute(sql, params, many, context)

    def replica(self) -> str:
        if self.chosen is None:
            fit = [r.alias for r in survey() if r.state == "up" and r.replayed >= self.seen]
            self.chosen = random.choice(fit) if fit else PRIMARY
        return self.chosen


_reading: contextvars.ContextVar[Reading | None] = contextvars.ContextVar("reading", default=None)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        reading = _reading.get()
        if (
            reading is None
            or not reading.stale_ok
            or reading.wrote
            or model._meta.app_label in PRIMARY_ONLY
            or connections[PRIMARY].in_atomic_block
        ):
            return PRIMARY
        alias = reading.replica()
        reading.used = reading.used or alias != PRIMARY
        return alias

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # a replica holds the primary's rows

    def allow_migrate(self, db, app_label, **hints):
        return db == PRIMARY


class ReplicaMiddleware:
    def __init__(self, get_response):
        if not replica_aliases():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        reading = Reading(seen=lsn(request.COOKIES.get(COOKIE)) or 0)
        token = _reading.set(reading)
        try:
            with connections[PRIMARY].execute_wrapper(reading.watch):
                response = self.get_response(request)
            if reading.wrote:
                position = _position(PRIMARY, PRIMARY_POSITION)
                if position is not None:
                    response.set_cookie(
                        COOKIE, f"{position >> 32:X}/{position & 0xFFFFFFFF:X}", httponly=True,
                        samesite="Lax", secure=request.is_secure(),
                    )  # fmt: skip
            # Where this page's reads came from, for the load balancer's log and the tests.
            response.headers["X-CLB-Reads"] = reading.chosen if reading.used else "primary"
        finally:
            _reading.reset(token)
        return response

    def process_view(self, request, view, args, kwargs):
        reading = _reading.get()
        if reading is not None:
            reading.stale_ok = request.resolver_match.view_name in settings.CLB_REPLICA_PAGES

    def process_exception(self, request, exception):
        reading = _reading.get()
        if reading is None or not isinstance(exception, DatabaseError):
            return None
        if not reading.used:
            return None
        # The replica went away under this page: make the page again on the primary.
        _forget(reading.chosen)
        reading.chosen, reading.used = PRIMARY, False
        match = request.resolver_match
        return match.func(request, *match.args, **match.kwargs)
