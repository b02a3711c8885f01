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
# request after another, so the OAI limit is the highest.
DEFAULT_LIMITS = {"sru": 600, "oai": 1200, "ncip": 600}
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
    now = clock.now(at).timestamp()
    length = window_seconds()
    window = int(now // length)
    key = f"{protocol}:{address}"[:120]
    table = RequestCount._meta.db_table
    with connection.cursor() as cursor:
        # One statement, atomic on its own: concurrent requests each get their own count.
        cursor.execute(
            f'INSERT INTO {table} (key, "window", count) VALUES (%s, %s, 1) '
            f'ON CONFLICT (key, "window") DO UPDATE SET count = {table}.count + 1 RETURNING count',
            [key, window],
        )
        count = cursor.fetchone()[0]
        if count == 1:  # the first request of a window clears the windows before the last
            cursor.execute(f'DELETE FROM {table} WHERE "window" < %s', [window - 1])
    retry = int((window + 1) * length - now) + 1
    return Verdict(count <= limit_for(protocol), retry)
