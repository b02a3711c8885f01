"""A member's own library, for apps: profile, loans (renew one or all), holds (place with a
pickup branch, cancel), fees, reading history when kept, and the AVG data export — the same
services Mijn Bibliotheek calls. Only with a member's token; every call is in the audit log."""

from django.utils.translation import gettext as _
from ninja import Path, Router
from ninja.responses import Status

from clb import clock
from clb.catalogue.models import BibRecord
from clb.circulation import services as circulation
from clb.circulation.models import ACTIVE_HOLD
from clb.errors import DomainError
from clb.members import services as members

from ..models import Scope
from . import audit
from .auth import BearerToken
from .common import CURSOR, LIMIT, MAX_ID, answers, branch_ref, find_agency, money, organisation_ref
from .paging import page
from .problems import ApiProblem, code_of
from .schemas import (
    Cancelled,
    DataExport,
    FeePage,
    HistoryPage,
    HoldIn,
    HoldPage,
    HoldPlaced,
    LoanOut,
    LoanPage,
    Profile,
    RenewAll,
)

router = Router(tags=["lid"], auth=BearerToken(Scope.PATRON_SELF, member=True))
MEMBER = (401, 403)


def _member(request):
    """The member whose token this is; the call goes in the audit log."""
    patron = request.auth.patron
    audit.record(request, request.auth, patron)
    return patron


def _overview(patron):
    return circulation.patron_overview(patron, members.home_organisation(patron))


def _loan(loan) -> dict:
    renewal = loan.renewal
    return {
        "id": loan.pk,
        "record_id": loan.item.record_id,
        "title": loan.item.record.title,
        "author": loan.item.record.main_author,
        "barcode": loan.item.barcode,
        "branch": branch_ref(loan.branch),
        "checked_out_at": loan.checked_out_at,
        "due_at": loan.due_at,
        "renewals": loan.renewals,
        "overdue": loan.due_at < clock.now(),
        "renewal": {
            "allowed": renewal.allowed,
            "code": code_of(renewal) if renewal.code else "",
            "message": str(renewal.message),
        },
    }


def _hold(hold, position: int) -> dict:
    return {
        "id": hold.pk,
        "record_id": hold.record_id,
        "title": hold.record.title,
        "status": hold.status,
        "placed_at": hold.placed_at,
        "position": position,
        "pickup_branch": branch_ref(hold.pickup_branch),
        "expires_at": hold.expires_at,
    }


@router.get(
    "/me", response=answers({200: Profile}, *MEMBER), operation_id="getProfile", summary="Profiel"
)
def profile(request):
    patron = _member(request)
    today = clock.today()
    return {
        **{
            name: getattr(patron, name)
            for name in ("card_number", "first_name", "last_name", "birth_date", "email")
        },
        **{name: getattr(patron, name) for name in ("phone", "street", "postcode", "place")},
        "keep_history": patron.keep_history,
        "balance": money(members.balance(patron)),
        "blocks": [
            {"code": b.code, "message": str(b.message)}
            for b in members.borrowing_blocks(patron, members.home_organisation(patron), today)
        ],
        "memberships": [
            {
                "organisation": organisation_ref(m.organisation),
                "subscription": m.subscription_type.name,
                "started_on": m.started_on,
                "expires_on": m.expires_on,
            }
            for m in patron.memberships.select_related("organisation", "subscription_type")
        ],
    }


@router.get(
    "/me/loans",
    response=answers({200: LoanPage}, 400, *MEMBER),
    operation_id="listLoans",
    summary="Uitleningen (met of ze te verlengen zijn)",
)
def loans(request, limit: int = LIMIT, cursor: str | None = CURSOR):
    rows, next_cursor = page(request, _overview(_member(request)).loans, limit=limit, cursor=cursor)
    return {"items": [_loan(loan) for loan in rows], "next_cursor": next_cursor}


@router.post(
    "/me/loans/{loan_id}/renew",
    response=answers({200: LoanOut}, *MEMBER, 404, 409, 422),
    operation_id="renewLoan",
    summary="Eén uitlening verlengen",
)
def renew_loan(request, loan_id: int = Path(..., ge=1, le=MAX_ID)):
    patron = _member(request)
    loan = patron.loans.filter(pk=loan_id, returned_at__isnull=True).select_related("item").first()
    if loan is None:
        raise ApiProblem("not_found", _("Deze uitlening bestaat niet of is al ingeleverd."))
    circulation.renew(item_barcode=loan.item.barcode, card_number=patron.card_number)
    return _loan(next(x for x in _overview(patron).loans if x.pk == loan.pk))


@router.post(
    "/me/loans/renew",
    response=answers({200: RenewAll}, *MEMBER),
    operation_id="renewAllLoans",
    summary="Alles verlengen wat kan",
)
def renew_all(request):
    patron = _member(request)
    open_loans = dict(
        patron.loans.filter(returned_at__isnull=True).values_list("item__barcode", "pk")
    )
    outcome = circulation.renew_all(card_number=patron.card_number)
    refused = [
        {"loan_id": open_loans[barcode], "code": code_of(result), "detail": str(result)}
        for barcode, result in outcome
        if isinstance(result, DomainError)
    ]
    renewed = {result.loan.pk for _b, result in outcome if not isinstance(result, DomainError)}
    return {
        "renewed": [_loan(loan) for loan in _overview(patron).loans if loan.pk in renewed],
        "refused": refused,
    }


@router.get(
    "/me/holds",
    response=answers({200: HoldPage}, 400, *MEMBER),
    operation_id="listHolds",
    summary="Reserveringen",
)
def holds(request, limit: int = LIMIT, cursor: str | None = CURSOR):
    rows, next_cursor = page(request, _overview(_member(request)).holds, limit=limit, cursor=cursor)
    return {"items": [_hold(h, p) for h, p in rows], "next_cursor": next_cursor}


@router.post(
    "/me/holds",
    response=answers({201: HoldPlaced}, *MEMBER, 404, 409, 422),
    operation_id="placeHold",
    summary="Reserveren, met een afhaalpunt",
    openapi_extra={
        "responses": {
            201: {
                "links": {
                    "cancelHold": {
                        "operationId": "cancelHold",
                        "parameters": {"hold_id": "$response.body#/id"},
                    }
                }
            }
        }
    },
)
def place_hold(request, data: HoldIn):
    patron = _member(request)
    record = BibRecord.objects.filter(pk=data.record_id).first()
    if record is None:
        raise ApiProblem("not_found", _("Deze titel bestaat niet."), field="record_id")
    place = find_agency(data.pickup_branch, "pickup_branch")
    if place.branch is None:
        raise ApiProblem(
            "not_pickup_point",
            _("%(isil)s is een organisatie; kies een vestiging als afhaalpunt.")
            % {"isil": data.pickup_branch},
            field="pickup_branch",
        )
    result = circulation.place_hold(
        card_number=patron.card_number, pickup_branch=place.branch, record=record
    )
    return Status(201, {**_hold(result.hold, result.position), "fee": money(result.fee)})


@router.delete(
    "/me/holds/{hold_id}",
    response=answers({200: Cancelled}, *MEMBER, 404, 409),
    operation_id="cancelHold",
    summary="Reservering annuleren",
)
def cancel_hold(request, hold_id: int = Path(..., ge=1, le=MAX_ID)):
    patron = _member(request)
    if not patron.holds.filter(pk=hold_id, status__in=ACTIVE_HOLD).exists():
        raise ApiProblem("not_found", _("Deze reservering bestaat niet of is al afgesloten."))
    result = circulation.cancel_hold(hold_id, card_number=patron.card_number)
    return {"refund": money(result.refund)}


@router.get(
    "/me/fees",
    response=answers({200: FeePage}, 400, *MEMBER),
    operation_id="listFees",
    summary="Kosten en betalingen",
)
def fees(request, limit: int = LIMIT, cursor: str | None = CURSOR):
    patron = _member(request)
    lines = patron.ledger_lines.select_related("organisation").order_by("-created_at", "-id")
    rows, next_cursor = page(request, lines, limit=limit, cursor=cursor)
    return {
        "balance": money(members.balance(patron)),
        "items": [
            {
                "id": line.pk,
                "date": line.created_at,
                "organisation": organisation_ref(line.organisation),
                "kind": line.kind,
                "amount": money(line.amount),
                "description": line.description,
            }
            for line in rows
        ],
        "next_cursor": next_cursor,
    }


@router.get(
    "/me/history",
    response=answers({200: HistoryPage}, 400, *MEMBER, 409),
    operation_id="listHistory",
    summary="Leesgeschiedenis (als het lid die laat bewaren)",
)
def history(request, limit: int = LIMIT, cursor: str | None = CURSOR):
    patron = _member(request)
    if not patron.keep_history:
        raise ApiProblem(
            "history_not_kept",
            _("Dit lid laat de leesgeschiedenis niet bewaren (aan te zetten in Mijn Bibliotheek)."),
        )
    rows, next_cursor = page(
        request, circulation.reading_history(patron), limit=limit, cursor=cursor
    )
    return {
        "items": [
            {
                "record_id": loan.item.record_id,
                "title": loan.item.record.title,
                "author": loan.item.record.main_author,
                "checked_out_at": loan.checked_out_at,
                "returned_at": loan.returned_at,
            }
            for loan in rows
        ],
        "next_cursor": next_cursor,
    }


@router.get(
    "/me/export",
    response=answers({200: DataExport}, *MEMBER),
    operation_id="exportData",
    summary="Alle gegevens van het lid (AVG)",
)
def export(request):
    return members.export_data(_member(request))
