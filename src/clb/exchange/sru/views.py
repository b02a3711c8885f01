"""/sru: the SRU endpoint (GET; POST with a form, as SRU 2.0 allows)."""

from django.http import HttpResponse

from ..endpoint import Refusal, form_arguments, protocol_endpoint, retry_header
from . import diagnostics as d
from . import protocol

CONTENT_TYPE = "application/xml; charset=utf-8"
STATUS_DIAGNOSTIC = {
    "rate": d.TEMPORARY,
    "size": d.UNSUPPORTED_VALUE,
    "input": d.UNSUPPORTED_VALUE,
    "internal": d.GENERAL,
    "method": d.UNSUPPORTED_OPERATION,
}


def _refuse(refusal: Refusal) -> HttpResponse:
    diagnostic = d.Diagnostic(STATUS_DIAGNOSTIC[refusal.kind], refusal.message)
    req = protocol.Request("1.2", "searchRetrieve", {})
    document = '<?xml version="1.0" encoding="UTF-8"?>\n' + protocol.wrap(
        "searchRetrieveResponse",
        protocol.el("version", "1.2")
        + protocol.el("numberOfRecords", 0)
        + protocol.diagnostics_xml(req, [diagnostic]),
        xmlns=req.ns["sru"],
    )
    return retry_header(
        HttpResponse(document, content_type=CONTENT_TYPE, status=refusal.status), refusal
    )


@protocol_endpoint("sru", _refuse)
def sru(request, entry):
    arguments = form_arguments(request, _refuse)
    if isinstance(arguments, HttpResponse):
        return arguments
    entry["params"] = {k: v[0] for k, v in arguments.items()}
    document, operation, found = protocol.respond(
        arguments, request.build_absolute_uri(request.path)
    )
    entry["operation"] = operation
    entry["outcome"] = f"diagnostic {found[0].number}" if found else "ok"
    return HttpResponse(document, content_type=CONTENT_TYPE)
