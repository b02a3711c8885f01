"""Per-address request limits for the protocol endpoints. Counted in the database so every
server process counts the same requests: a fixed window per protocol and address, one
UPDATE (or INSERT) per request."""

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from clb import clock

from .models import RequestCount

# Requests per window per client address; a harvester pages through resumption tokens one
# request after another, so the OAI limit is the highest.
DEFAULT_LIMITS = {"sru": 600, "oai": 1200, "ncip": 600}
WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window ends


def limit_for(protocol: str) -> int:
    limits = getattr(settings, "CLB_EXCHANGE_RATE_LIMITS", {})
    return int(limits.get(protocol, DEFAULT_LIMITS[protocol]))


def client_address(request) -> str:
    # REMOTE_ADDR only: a forwarded-for header is whatever the client wants it to be.
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"


def check(protocol: str, address: str, *, at=None) -> Verdict:
    now = clock.now(at).timestamp()
    window = int(now // WINDOW_SECONDS)
    key = f"{protocol}:{address}"[:120]
    with transaction.atomic():
        updated = RequestCount.objects.filter(key=key, window=window).update(count=F("count") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    RequestCount.objects.create(key=key, window=window, count=1)
            except IntegrityError:  # another process created it first
                RequestCount.objects.filter(key=key, window=window).update(count=F("count") + 1)
            RequestCount.objects.filter(window__lt=window - 1).delete()
        count = RequestCount.objects.filter(key=key, window=window).values_list("count", flat=True)[
            0
        ]
    retry = int((window + 1) * WINDOW_SECONDS - now) + 1
    return Verdict(count <= limit_for(protocol), retry)
