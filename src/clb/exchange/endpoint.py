"""What every protocol endpoint does before and after its protocol: the per-address rate limit,
a cap on the request's size, one log line, and a last line of defence so that even an
unforeseen error is answered in the protocol's own form (and logged with its traceback)."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.http import HttpResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt

from clb.inputs import answers_bad_input, field_with_nul

from . import ratelimit, requestlog

logger = logging.getLogger("clb.exchange")
MAX_BODY = 256 * 1024  # bytes; an NCIP message or an SRU/OAI form is a few kilobytes
MAX_QUERY_STRING = 8 * 1024


@dataclass(frozen=True)
class Refusal:
    kind: str  # "rate" | "size" | "method" | "input" | "internal"
    message: str
    status: int
    retry_after: int | None = None


def read_body(request) -> bytes | None:
    """The request body, or None when it is larger than MAX_BODY (read no further than that)."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > MAX_BODY:
        return None
    body = request.read(MAX_BODY + 1)
    return None if len(body) > MAX_BODY else body


def protocol_endpoint(protocol: str, refuse: Callable[[Refusal], HttpResponse]):
    """Wraps a view `view(request, entry)` (entry: the log line's fields)."""

    def decorate(view):
        @answers_bad_input
        @csrf_exempt
        @wraps(view)
        def endpoint(request, *args, **kwargs):
            with requestlog.logged(protocol, request) as entry:
                verdict = ratelimit.check(protocol, ratelimit.client_address(request))
                if not verdict.allowed:
                    entry["outcome"] = "rate_limited"
                    return refuse(
                        Refusal(
                            "rate",
                            "Te veel verzoeken; probeer het later opnieuw.",
                            429,
                            verdict.retry_after,
                        )
                    )
                if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
                    entry["outcome"] = "too_large"
                    return refuse(Refusal("size", "Het verzoek is te groot.", 413))
                try:
                    return view(request, entry, *args, **kwargs)
                except Exception:
                    logger.exception("%s: onverwachte fout", protocol)
                    entry["outcome"] = "internal_error"
                    return refuse(
                        Refusal("internal", "Interne fout; de beheerder is gewaarschuwd.", 500)
                    )

        return endpoint

    return decorate


def retry_header(response: HttpResponse, refusal: Refusal) -> HttpResponse:
    if refusal.retry_after is not None:
        response["Retry-After"] = str(refusal.retry_after)
    return response


def form_arguments(request, refuse: Callable[[Refusal], HttpResponse]):
    """The request's arguments as name → values (GET query, or a POSTed form as SRU 2.0 and
    OAI-PMH allow), or the refusal to answer instead."""
    if request.method == "POST":
        body = read_body(request)
        if body is None:
            return refuse(Refusal("size", "Het verzoek is te groot.", 413))
        pairs = QueryDict(body, encoding="utf-8")
    elif request.method == "GET":
        pairs = request.GET
    else:
        response = refuse(Refusal("method", "Alleen GET en POST.", 405))
        response["Allow"] = "GET, POST"
        return response
    arguments = {k: pairs.getlist(k) for k in pairs}
    if (name := field_with_nul([arguments])) is not None:
        # No text holds a NUL: refused in the protocol, as any unusable argument value is.
        return refuse(Refusal("input", f"{name}: bevat een NUL-teken", 200))
    return arguments
