"""Errors as RFC 9457 problem details: a stable `code` (the rooms' domain error codes, or the
API's own for tokens, scopes and paging), a Dutch `title` per code, the service's own message
as `detail` and the field at fault. One table from code to HTTP status and title."""

import json

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from clb.errors import DomainError

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:clb:problem:"


class ApiProblem(DomainError):
    """A refusal by the API itself (no token, a missing scope, a bad cursor …)."""

    def __init__(self, code: str, message, *, field: str | None = None, retry_after=None):
        super().__init__(message, code=code, field=field)
        self.retry_after = retry_after


_BAD = _("Ongeldig verzoek")
_TOKEN = _("Token ongeldig")
_FORBIDDEN = _("Geen toegang")
_NOT_FOUND = _("Niet gevonden")
_CONFLICT = _("Conflict met de huidige toestand")
_BLOCKED = _("Lenen niet mogelijk")
_RENEW = _("Verlengen niet mogelijk")
_HOLD = _("Reserveren niet mogelijk")

# code → (HTTP status, title). Codes not listed are domain refusals: 422 with the title of
# their status.
BY_CODE = {
    # the API's own
    "bad_input": (400, _BAD),
    "bad_cursor": (400, _("Ongeldige cursor")),
    "invalid_grant": (400, _("Inloggen mislukt")),
    "unsupported_grant_type": (400, _("Onbekende grant_type")),
    "validation": (422, _("Ongeldige invoer")),
    "unauthenticated": (401, _("Niet aangemeld")),
    "invalid_token": (401, _TOKEN),
    "token_expired": (401, _("Token verlopen")),
    "token_revoked": (401, _("Token ingetrokken")),
    "insufficient_scope": (403, _("Onvoldoende rechten")),
    "member_token_required": (403, _("Alleen met het token van een lid")),
    "client_token_required": (403, _("Alleen met het token van een toepassing")),
    "other_organisation": (403, _FORBIDDEN),
    "region_not_allowed": (403, _FORBIDDEN),
    "provisional_figures": (401, _("Voorlopige cijfers alleen met token")),
    "origin_not_allowed": (403, _("Herkomst niet toegestaan")),
    "not_found": (404, _NOT_FOUND),
    "method_not_allowed": (405, _("Methode niet toegestaan")),
    "not_acceptable": (406, _("Formaat niet beschikbaar")),
    "too_large": (413, _("Verzoek te groot")),
    "rate_limited": (429, _("Te veel verzoeken")),
    "internal": (500, _("Interne fout")),
    "history_not_kept": (409, _("Leesgeschiedenis wordt niet bewaard")),
    # members
    "unknown_patron": (404, _("Onbekende pas")),
    "no_membership": (404, _("Geen lidmaatschap")),
    "card_blocked": (422, _BLOCKED),
    "membership_expired": (422, _BLOCKED),
    "fees": (422, _BLOCKED),
    # circulation
    "not_on_loan": (409, _("Niet uitgeleend")),
    "not_your_loan": (404, _NOT_FOUND),
    "renewal_limit": (422, _RENEW),
    "hold_waiting": (422, _RENEW),
    "renewal_gains_nothing": (422, _RENEW),
    "unknown_hold": (404, _NOT_FOUND),
    "hold_closed": (409, _("Reservering al afgesloten")),
    "duplicate_hold": (409, _("Al gereserveerd")),
    "already_borrowed": (409, _("Al geleend")),
    "holds_not_allowed": (422, _HOLD),
    "not_holdable": (422, _HOLD),
    "no_copies": (422, _HOLD),
    "no_record": (404, _NOT_FOUND),
    "pickup_closed": (422, _("Afhaalpunt niet beschikbaar")),
    "not_pickup_point": (422, _("Afhaalpunt niet beschikbaar")),
    "unknown_item": (404, _NOT_FOUND),
    # catalogue and cockpit
    "search": (400, _BAD),
    "period": (400, _("Onbekende periode")),
    "region": (404, _("Onbekende regio")),
}
BY_STATUS = {
    400: _BAD,
    401: _("Niet aangemeld"),
    403: _FORBIDDEN,
    404: _NOT_FOUND,
    405: _("Methode niet toegestaan"),
    406: _("Formaat niet beschikbaar"),
    409: _CONFLICT,
    413: _("Verzoek te groot"),
    422: _("Niet uitgevoerd"),
    429: _("Te veel verzoeken"),
    500: _("Interne fout"),
}
# Every status a problem may have: the OpenAPI document lists them on each operation.
STATUSES = sorted(BY_STATUS)


def status_of(code: str) -> int:
    return BY_CODE.get(code, (422, None))[0]


def title_of(code: str, status: int) -> str:
    known = BY_CODE.get(code)
    return str(known[1] if known else BY_STATUS.get(status, BY_STATUS[422]))


def body(request, code: str, detail, *, field=None, status=None, errors=None) -> dict:
    status = status or status_of(code)
    problem = {
        "type": TYPE_PREFIX + code,
        "title": title_of(code, status),
        "status": status,
        "detail": str(detail),
        "code": code,
        "field": field,
        "instance": request.path if request is not None else None,
    }
    if errors:
        problem["errors"] = errors
    return problem


def response(request, code: str, detail, *, field=None, status=None, retry_after=None, errors=None):
    problem = body(request, code, detail, field=field, status=status, errors=errors)
    answer = HttpResponse(
        json.dumps(problem, ensure_ascii=False),
        status=problem["status"],
        content_type=MEDIA_TYPE,
    )
    if retry_after is not None:
        answer["Retry-After"] = str(retry_after)
    return answer


def code_of(error: DomainError) -> str:
    """The error's code as text, whether a room keeps its codes as strings or as an enum."""
    return str(getattr(error.code, "value", error.code))


def from_error(request, error: DomainError) -> HttpResponse:
    """A refusal of a service or of the API as its problem response."""
    return response(
        request,
        code_of(error),
        error,
        field=error.field,
        retry_after=getattr(error, "retry_after", None),
    )
