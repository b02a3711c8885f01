"""/oai: the OAI-PMH endpoint (GET, or POST with a form as the spec allows)."""

from django.http import HttpResponse

from ..endpoint import Refusal, form_arguments, protocol_endpoint, retry_header
from ..xmltext import el
from . import protocol

CONTENT_TYPE = "text/xml; charset=utf-8"


def _refuse(refusal: Refusal) -> HttpResponse:
    # OAI-PMH's flow control is HTTP 503 with Retry-After (spec 3.1.2.2); the body is an OAI
    # document so a harvester that reads it still understands.
    status = 503 if refusal.kind == "rate" else refusal.status
    code = "badArgument" if refusal.kind in ("size", "input") else "badVerb"
    document = (
        protocol.HEAD
        + el("responseDate", protocol.stamp(protocol.clock.now()))
        + el("request", "")
        + el("error", refusal.message, code=code)
        + "</OAI-PMH>\n"
    )
    return retry_header(HttpResponse(document, content_type=CONTENT_TYPE, status=status), refusal)


@protocol_endpoint("oai", _refuse)
def oai(request, entry):
    arguments = form_arguments(request, _refuse)
    if isinstance(arguments, HttpResponse):
        return arguments
    entry["params"] = {k: v[0] for k, v in arguments.items()}
    document, verb, error = protocol.respond(arguments, request.build_absolute_uri(request.path))
    entry["operation"] = verb
    entry["outcome"] = error or "ok"
    return HttpResponse(document, content_type=CONTENT_TYPE)
