"""Django's DATABASES entry from the environment (read by clb.settings).

CLB_DATABASE_URL takes the URLs Django users write elsewhere, parsed by dj-database-url:
sqlite:///relative/path or sqlite:////absolute/path, postgres:// or postgresql://user:pass@host:port/name
with libpq options as query parameters (?sslmode=require&connect_timeout=5, a socket folder as ?host=/run/
postgresql). Unset, CLB runs on SQLite in the data folder. CLB_CONN_MAX_AGE is Django's CONN_MAX_AGE.
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
    # A connection kept open may have died in between; check it before reusing it.
    return {**db, "CONN_MAX_AGE": max_age, "CONN_HEALTH_CHECKS": max_age != 0}


def from_url(url: str) -> dict:
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in SCHEMES:
        # Only the scheme is repeated: the rest of the URL may hold a password.
        raise ImproperlyConfigured(
            f"CLB_DATABASE_URL: {scheme or 'geen schema'!r} wordt niet ondersteund; gebruik {FORMS}"
        )
    try:
        db = dj_database_url.parse(url)
    except ValueError:
        raise ImproperlyConfigured(
            f"CLB_DATABASE_URL is geen geldige {scheme}-URL (controleer poort en %-codering "
            f"van bijzondere tekens in wachtwoord of pad); gebruik {FORMS}"
        ) from None
    if db["ENGINE"] == SQLITE:
        if db["NAME"] == ":memory:":
            raise ImproperlyConfigured(
                "CLB_DATABASE_URL: een SQLite-database in het geheugen verdwijnt met het proces; "
                "geef een bestand op, zoals sqlite:////var/lib/clb/clb.sqlite3"
            )
        return sqlite(Path(db["NAME"]).resolve())
    if not db["NAME"] and "service" not in db.get("OPTIONS", {}):
        raise ImproperlyConfigured(
            "CLB_DATABASE_URL: de naam van de database ontbreekt (…/naam aan het eind)"
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
