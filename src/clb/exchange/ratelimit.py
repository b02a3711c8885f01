"""Per-address request limits for the protocol endpoints. Counted in the database so every
server process counts the same requests: a fixed window per protocol and address, one upsert
per request."""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from clb import clock
from clb.proxies import client_ip

from .models import RequestCount

# Requests per window per client address; a harvester pages through resumption tokens one
# request after another, so the OAI limit is the highest. The REST API counts per address
# ("api": a library's public wifi puts many members' phones behind one), per token
# ("api_token") and, for card + PIN logins, per address again ("api_login").
DEFAULT_LIMITS = {
    "sru": 600,
    "oai": 1200,
    "ncip": 600,
    "api": 1200,
    "api_token": 600,
    "api_login": 30,
}
WINDOW_SECONDS = 60


def window_seconds() -> int:
    return int(getattr(settings, "CLB_EXCHANGE_RATE_WINDOW", WINDOW_SECONDS))


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window ends


def limit_for(protocol: str) -> int:
    limits = getattr(settings, "CLB_EXCHANGE_RATE_LIMITS", {})
    return int(limits.get(protocol, DEFAULT_LIMITS[protocol]))


def client_address(request) -> str:
    # The client behind a named reverse proxy; anyone else's forwarded-for header is not read.
    return client_ip(request)


def check(protocol: str, address: str, *, at=None) -> Verdict:
    return check_all([(protocol, address)], at=at)[0]


def check_all(counted: list[tuple[str, str]], *, at=None) -> list[Verdict]:
    """Count one request against several limits (protocol, client) at once — one statement,
    atomic on its own, so concurrent requests each get their own count. Verdicts in order."""
    now = clock.now(at).timestamp()
    length = window_seconds()
    window = int(now // length)
    keys = [f"{protocol}:{client}"[:120] for protocol, client in counted]
    unique = list(dict.fromkeys(keys))  # one row may be updated once per statement
    table = RequestCount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {table} (key, "window", count) VALUES '
            + ", ".join(["(%s, %s, 1)"] * len(unique))
            + f' ON CONFLICT (key, "window") DO UPDATE SET count = {table}.count + 1 '
            "RETURNING key, count",
            [value for key in unique for value in (key, window)],
        )
        counts = dict(cursor.fetchall())
        if 1 in counts.values():  # the first request of a window clears the windows before
            cursor.execute(f'DELETE FROM {table} WHERE "window" < %s', [window - 1])
    retry = int((window + 1) * length - now) + 1
    return [
        Verdict(counts[key] <= limit_for(protocol), retry)
        for key, (protocol, _client) in zip(keys, counted, strict=True)
    ]
