"""/ncip: one POST per NCIP message. The caller's InitiationHeader names it (FromAgencyId, its
ISIL), proves it (FromAgencyAuthentication, the partner secret) and names the CLB organisation
or branch it addresses (ToAgencyId). Every refusal is an NCIP Problem in the service's response
element; a message that cannot be read gets a Problem directly under NCIPMessage."""

from django.http import HttpResponse

from clb import clock
from clb.errors import DomainError

from .. import agency
from ..endpoint import Refusal, protocol_endpoint, read_body, retry_header
from . import handlers, problems
from .messages import Message, Problem, document, parse, response_header

CONTENT_TYPE = "application/xml; charset=utf-8"


def _answer(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(document(body), content_type=CONTENT_TYPE, status=status)


def _refuse(refusal: Refusal) -> HttpResponse:
    kind = {"rate": "Temporary Processing Failure", "size": "Invalid Message Syntax Error"}.get(
        refusal.kind, "Temporary Processing Failure"
    )
    return retry_header(_answer(Problem(kind, refusal.message).xml(), refusal.status), refusal)


def _authenticate(msg: Message, at) -> handlers.Context:
    caller = msg.text("InitiationHeader/FromAgencyId/AgencyId")
    secret = msg.text("InitiationHeader/FromAgencyAuthentication")
    if not caller:
        raise Problem(
            "Needed Data Missing", "InitiationHeader/FromAgencyId ontbreekt", "InitiationHeader"
        )
    partner = agency.partner(caller, secret, at=at)
    if partner is None:
        raise Problem(
            "Agency Authentication Failed",
            "onbekend partnersysteem of verkeerd geheim (FromAgencyAuthentication)",
            "FromAgencyAuthentication",
        )
    addressed = agency.find(msg.text("InitiationHeader/ToAgencyId/AgencyId"))
    if addressed is None or not addressed.organisation.isil:
        raise Problem(
            "Unknown Agency",
            "ToAgencyId is geen organisatie of vestiging in CLB",
            "ToAgencyId",
            msg.text("InitiationHeader/ToAgencyId/AgencyId"),
        )
    if not partner.may_address(addressed.organisation):
        raise Problem(
            "Agency Authentication Failed",
            f"{caller} mag geen berichten sturen aan {addressed.isil}",
            "ToAgencyId",
        )
    return handlers.Context(addressed.organisation, addressed.branch, partner.isil, at)


@protocol_endpoint("ncip", _refuse)
def ncip(request, entry):
    if request.method != "POST":
        response = _refuse(Refusal("method", "Stuur NCIP-berichten met POST.", 405))
        response["Allow"] = "POST"
        return response
    body = read_body(request)
    if body is None:
        entry["outcome"] = "too_large"
        return _refuse(Refusal("size", "Het bericht is te groot.", 413))
    try:
        msg = parse(body)
    except Problem as problem:
        entry["outcome"] = problem.problem_type
        return _answer(problem.xml())
    entry["operation"] = msg.service
    handler = handlers.SERVICES.get(msg.service)
    if handler is None:
        entry["outcome"] = "Unsupported Service"
        return _answer(
            Problem(
                "Unsupported Service", f"{msg.service} wordt niet ondersteund", msg.service
            ).xml()
        )
    at = clock.now()
    caller = msg.text("InitiationHeader/FromAgencyId/AgencyId")
    addressed = msg.text("InitiationHeader/ToAgencyId/AgencyId")
    entry["params"] = {"from": caller, "to": addressed}
    try:
        ctx = _authenticate(msg, at)
        inner = handler(msg, ctx)
    except DomainError as error:
        problem = problems.from_error(error)
        entry["outcome"] = problem.problem_type
        inner = problem.xml()
    except Problem as problem:
        entry["outcome"] = problem.problem_type
        inner = problem.xml()
    header = response_header(addressed, caller) if caller and addressed else ""
    return _answer(f"<{msg.service}Response>{header}{inner}</{msg.service}Response>")
