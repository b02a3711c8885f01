"""Django's DATABASES entry from the environment (read by clb.settings).

CLB_DATABASE_URL takes the URLs Django users write elsewhere, parsed by dj-database-url:
sqlite:///relative/path or sqlite:////absolute/path, postgres:// or postgresql://user:pass@host:port/name
with libpq options as query parameters (?sslmode=require&connect_timeout=5, a socket folder as ?host=/run/
postgresql). Unset, CLB runs on SQLite in the data folder. CLB_CONN_MAX_AGE is Django's CONN_MAX_AGE.

CLB_DATABASE_REPLICA_URLS names streaming replicas of that PostgreSQL primary (comma-separated
postgresql:// URLs); they become the aliases replica1, replica2, … which clb.replicas reads from.

CLB_TRANSACTION_POOLING=1 says CLB reaches PostgreSQL through a pooler in transaction mode
(PgBouncer's pool_mode = transaction), where consecutive transactions of one Django connection may
run on different server connections: Django then uses no server-side cursors (an .iterator()
outside a transaction would lose its cursor). CLB keeps no other session state: prepared statements
are off (Django's default with psycopg 3), the one advisory lock is pg_advisory_xact_lock, and the
one setting is SET LOCAL inside a transaction (catalogue.search).
"""

from collections.abc import Mapping
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

SCHEMES = ("sqlite", "postgres", "postgresql")
SQLITE = "django.db.backends.sqlite3"
FORMS = "sqlite:////pad/naar/clb.sqlite3, postgres://… of postgresql://gebruiker@host:poort/naam"


def database_settings(environ: Mapping[str, str], data_dir: Path) -> dict:
    max_age = conn_max_age(environ.get("CLB_CONN_MAX_AGE", ""))
    url = environ.get("CLB_DATABASE_URL", "").strip()
    db = from_url(url) if url else sqlite(data_dir / "clb.sqlite3")
    if environ.get("CLB_TRANSACTION_POOLING", "").strip() == "1":
        db["DISABLE_SERVER_SIDE_CURSORS"] = True
    # A connection kept open may have died in between; check it before reusing it.
    return {**db, "CONN_MAX_AGE": max_age, "CONN_HEALTH_CHECKS": max_age != 0}


def replica_settings(environ: Mapping[str, str], primary: dict) -> dict[str, dict]:
    """The replicas as extra DATABASES entries; each reused and checked as the primary is."""
    text = environ.get("CLB_DATABASE_REPLICA_URLS", "").strip()
    urls = [url.strip() for url in text.split(",") if url.strip()]
    if urls and primary["ENGINE"] == SQLITE:
        raise ImproperlyConfigured(
            "CLB_DATABASE_REPLICA_URLS: leesreplica's vragen een PostgreSQL-primary in "
            "CLB_DATABASE_URL"
        )
    replicas = {}
    for n, url in enumerate(urls, start=1):
        db = from_url(url, setting=f"CLB_DATABASE_REPLICA_URLS (replica {n})")
        if db["ENGINE"] == SQLITE:
            raise ImproperlyConfigured(
                f"CLB_DATABASE_REPLICA_URLS (replica {n}): een replica is een PostgreSQL-URL"
            )
        options = {"connect_timeout": 2, **db.get("OPTIONS", {})}  # a replica that is down
        if primary.get("DISABLE_SERVER_SIDE_CURSORS"):
            db["DISABLE_SERVER_SIDE_CURSORS"] = True
        replicas[f"replica{n}"] = {
            **db,
            "OPTIONS": options,
            "CONN_MAX_AGE": primary["CONN_MAX_AGE"],
            "CONN_HEALTH_CHECKS": primary["CONN_HEALTH_CHECKS"],
            # Tests run against the test database of the primary, never a copy of their own.
            "TEST": {"MIRROR": "default"},
        }
    return replicas


def from_url(url: str, setting: str = "CLB_DATABASE_URL") -> dict:
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in SCHEMES:
        # Only the scheme is repeated: the rest of the URL may hold a password.
        raise ImproperlyConfigured(
            f"{setting}: {scheme or 'geen schema'!r} wordt niet ondersteund; gebruik {FORMS}"
        )
    try:
        db = dj_database_url.parse(url)
    except ValueError:
        raise ImproperlyConfigured(
            f"{setting} is geen geldige {scheme}-URL (controleer poort en %-codering "
            f"van bijzondere tekens in wachtwoord of pad); gebruik {FORMS}"
        ) from None
    if db["ENGINE"] == SQLITE:
        if db["NAME"] == ":memory:":
            raise ImproperlyConfigured(
                f"{setting}: een SQLite-database in het geheugen verdwijnt met het proces; "
                "geef een bestand op, zoals sqlite:////var/lib/clb/clb.sqlite3"
            )
        return sqlite(Path(db["NAME"]).resolve())
    if not db["NAME"] and "service" not in db.get("OPTIONS", {}):
        raise ImproperlyConfigured(
            f"{setting}: de naam van de database ontbreekt (…/naam aan het eind)"
        )
    return db


def sqlite(path: Path) -> dict:
    return {
        "ENGINE": SQLITE,
        "NAME": path,
        "OPTIONS": {
            # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock
            # at BEGIN so two writers queue instead of failing on lock upgrade.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        },
        "TEST": {"NAME": path.with_name(f"test-{path.name}")},
    }


def conn_max_age(value: str) -> int:
    """Seconds a connection is reused; 0 (the default) opens one per request."""
    value = value.strip() or "0"
    if not value.isdigit():
        raise ImproperlyConfigured(
            f"CLB_CONN_MAX_AGE: verwacht een aantal seconden (0 of meer), niet {value!r}"
        )
    return int(value)
