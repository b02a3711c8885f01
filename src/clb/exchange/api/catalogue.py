"""The national catalogue: search with the OPAC's query language and facets
(catalogue.search), a record as JSON or MARCXML (the same MARCXML with 852 holdings that SRU and
OAI-PMH serve), and where its copies are (circulation.availability)."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Path, Query, Router

from clb.catalogue import feed
from clb.catalogue.models import Audience, BibRecord, MaterialType
from clb.catalogue.search import search
from clb.circulation import services as circulation

from ..models import Scope
from ..records import with_holdings
from .auth import BearerToken
from .common import CURSOR, LIMIT, MAX_ID, answers, branch_ref, find_agency, organisation_ref
from .paging import cursor_for, offset_of, page
from .problems import ApiProblem
from .schemas import AvailabilityPage, RecordOut, SearchPage

router = Router(tags=["catalogus"])
MARCXML = "application/marcxml+xml"
JSON = "application/json"
RECORD_ID = Path(..., ge=1, le=MAX_ID, description="id van de titel")


def _summary(record: BibRecord) -> dict:
    return {
        "id": record.pk,
        "title": record.title,
        "subtitle": record.subtitle,
        "authors": list(record.authors or []),
        "year": record.year,
        "isbn": record.isbn,
        "language": record.language,
        "material_type": record.material_type,
        "audience": record.audience,
    }


@router.get(
    "/search",
    auth=BearerToken(Scope.CATALOGUE_READ),
    response=answers({200: SearchPage}, 400, 401, 403, 404),
    operation_id="searchCatalogue",
    summary="Zoeken in de catalogus",
    description=(
        "Dezelfde zoektaal als de publiekscatalogus: woorden (met stamvormen), "
        '"zinnen", -uitsluiten, ISBN met of zonder streepjes; één tikfout wordt vergeven '
        "(`corrected`). Facetten: materiaalsoort, doelgroep, taal, decennium."
    ),
)
def search_catalogue(
    request,
    q: str = Query("", max_length=500, description="zoekvraag"),
    material_type: MaterialType | None = None,
    audience: Audience | None = None,
    language: str | None = Query(None, pattern=r"^[a-z]{3}$", description="ISO 639-2, bijv. dut"),
    year_from: int | None = Query(None, ge=0, le=9999),
    year_to: int | None = Query(None, ge=0, le=9999),
    available_at: str | None = Query(
        None, max_length=16, description="ISIL: alleen titels die daar nu beschikbaar zijn"
    ),
    limit: int = LIMIT,
    cursor: str | None = CURSOR,
):
    filters = {
        "material_type": material_type,
        "audience": audience,
        "language": language,
        "year_from": year_from,
        "year_to": year_to,
    }
    where = {}
    if available_at:
        place = find_agency(available_at, "available_at")
        if place.branch is not None:
            filters["available_at_branch"] = place.branch.pk
            where["branch"] = place.branch
        else:
            filters["available_at_organisation"] = place.organisation.pk
            where["organisation"] = place.organisation
    offset = offset_of(request, cursor)
    result = search(q, filters=filters, page=offset // limit + 1, per_page=limit, **where)
    more = offset + limit < result.total
    return {
        "total": result.total,
        "corrected": result.corrected,
        "facets": {
            name: [{"value": str(value), "count": count} for value, count in values]
            for name, values in result.facets.items()
        },
        "items": [
            {**_summary(hit.record), "copies": hit.copies, "available": hit.available}
            for hit in result.hits
        ],
        "next_cursor": cursor_for(request, offset + limit) if more else None,
    }


@router.get(
    "/records/{record_id}",
    auth=BearerToken(Scope.CATALOGUE_READ),
    response=answers({200: RecordOut}, 401, 403, 404, 406),
    operation_id="getRecord",
    summary="Eén titel (JSON of MARCXML)",
    description=(
        "Met `Accept: application/marcxml+xml` de MARC 21-beschrijving met per organisatie een "
        "852 (ISIL, vestigingen, 'n van m beschikbaar'), zoals SRU en OAI-PMH die leveren."
    ),
    openapi_extra={
        "responses": {
            200: {"content": {MARCXML: {"schema": {"type": "string", "contentMediaType": MARCXML}}}}
        }
    },
)
def get_record(request, record_id: int = RECORD_ID):
    record = get_object_or_404(BibRecord, pk=record_id)
    wanted = request.get_preferred_type([JSON, MARCXML])
    if wanted is None:
        raise ApiProblem(
            "not_acceptable",
            _("Deze titel is er als %(types)s.") % {"types": f"{JSON} of {MARCXML}"},
            field="Accept",
        )
    holdings = feed.holdings([record.pk])[record.pk]
    if wanted == MARCXML:
        xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + with_holdings(record, holdings)
        return HttpResponse(xml, content_type=f"{MARCXML}; charset=utf-8")
    return {
        **_summary(record),
        "publisher": record.publisher,
        "subjects": list(record.subjects or []),
        "series": list(record.series or []),
        "holdings": [
            {
                "organisation": h.organisation,
                "branches": list(h.branches),
                "copies": h.copies,
                "available": h.available,
            }
            for h in holdings
        ],
    }


@router.get(
    "/records/{record_id}/availability",
    auth=BearerToken(Scope.AVAILABILITY_READ),
    response=answers({200: AvailabilityPage}, 400, 401, 403, 404),
    operation_id="getAvailability",
    summary="Beschikbaarheid per vestiging",
    description="Waar de exemplaren nu staan en of ze er zijn; `isil` beperkt tot één "
    "organisatie of vestiging.",
)
def get_availability(
    request,
    record_id: int = RECORD_ID,
    isil: str | None = Query(None, max_length=16, description="ISIL van organisatie of vestiging"),
    limit: int = LIMIT,
    cursor: str | None = CURSOR,
):
    where = {}
    if isil:
        place = find_agency(isil, "isil")
        where = {"branch": place.branch} if place.branch else {"organisation": place.organisation}
    found = circulation.availability(record_id, **where)
    if not found.branches and not BibRecord.objects.filter(pk=record_id).exists():
        raise Http404  # only asked when there is nothing to show: the common case reads less
    rows, next_cursor = page(request, found.branches, limit=limit, cursor=cursor)
    return {
        "record_id": record_id,
        "holds_waiting": found.holds_waiting,
        "items": [
            {
                "branch": branch_ref(row.branch),
                "organisation": organisation_ref(row.branch.organisation),
                "copies": row.copies,
                "available": row.available,
                "on_loan": row.on_loan,
                "on_hold_shelf": row.on_hold_shelf,
                "in_transit": row.in_transit,
                "other": row.other,
                "next_due": row.next_due,
            }
            for row in rows
        ],
        "next_cursor": next_cursor,
    }
