"""One log line per protocol request: who asked what and how it ended. Secrets never reach
the log: parameter values named like a PIN, password or secret are replaced."""

import logging
import re
import time
from contextlib import contextmanager

from clb.proxies import client_ip

logger = logging.getLogger("clb.exchange")
SECRET_NAMES = re.compile(r"pin|password|secret|authentication|pincode", re.IGNORECASE)
MAX_VALUE = 200


def scrub(params: dict) -> dict:
    return {k: "***" if SECRET_NAMES.search(k) else str(v)[:MAX_VALUE] for k, v in params.items()}


@contextmanager
def logged(protocol: str, request):
    """Yields a dict the handler fills (operation, outcome, …); logs it when the request ends."""
    entry: dict = {"operation": "", "outcome": "ok"}
    started = time.perf_counter()
    try:
        yield entry
    finally:
        params = scrub(entry.pop("params", {}))
        logger.info(
            "%s %s %s %s outcome=%s ms=%d %s",
            protocol,
            client_ip(request),  # the same address the rate limit counts
            request.method,
            entry.pop("operation") or "-",
            entry.pop("outcome"),
            (time.perf_counter() - started) * 1000,
            " ".join(f"{k}={v!r}" for k, v in sorted({**params, **entry}.items())),
        )
