"""The library network as open data: organisations and their branches with ISIL, address,
coordinates, kind and opening hours. No token needed."""

from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext as _
from ninja import Query, Router

from clb import clock
from clb.network import hours
from clb.network.models import Branch, BranchKind, OpeningHours, Organisation

from .auth import BearerToken
from .common import CURSOR, LIMIT, answers, branch_ref, organisation_ref
from .paging import page
from .problems import ApiProblem
from .schemas import BranchOut, BranchPage, OrganisationOut, OrganisationPage

router = Router(tags=["netwerk"], auth=BearerToken(optional=True))
KINDS = dict(BranchKind.choices)


def _organisations(day):
    open_now = Q(branches__opened_on__isnull=True) | Q(branches__opened_on__lte=day)
    open_now &= Q(branches__closed_on__isnull=True) | Q(branches__closed_on__gt=day)
    return (
        Organisation.objects.public()
        .annotate(open_branches=Count("branches", filter=open_now, distinct=True))
        .prefetch_related("municipalities")
        .order_by("name", "pk")
    )


def _organisation(org) -> dict:
    return {
        **organisation_ref(org),
        "municipalities": sorted(m.code for m in org.municipalities.all()),
        "branches": org.open_branches,
    }


def _by_isil_or_code(queryset, value: str):
    found = queryset.filter(Q(isil__iexact=value) | Q(code=value)).first()
    if found is None:
        raise ApiProblem("not_found", _("%(v)s bestaat niet.") % {"v": value})
    return found


@router.get(
    "/organisations",
    response=answers({200: OrganisationPage}, 400),
    operation_id="listOrganisations",
    summary="Bibliotheekorganisaties",
)
def organisations(request, limit: int = LIMIT, cursor: str | None = CURSOR):
    rows, next_cursor = page(request, _organisations(clock.today()), limit=limit, cursor=cursor)
    return {"items": [_organisation(o) for o in rows], "next_cursor": next_cursor}


@router.get(
    "/organisations/{ref}",
    response=answers({200: OrganisationOut}, 404),
    operation_id="getOrganisation",
    summary="Eén organisatie (ISIL of code)",
)
def organisation(request, ref: str):
    return _organisation(_by_isil_or_code(_organisations(clock.today()), ref))


def _branches():
    return (
        Branch.objects.public()
        .select_related("organisation", "municipality")
        .prefetch_related(Prefetch("opening_hours", queryset=OpeningHours.objects.order_by()))
        .order_by("organisation__name", "name", "pk")
    )


def _branch(branch) -> dict:
    has_point = branch.lat is not None and branch.lon is not None
    return {
        **branch_ref(branch),
        "organisation": organisation_ref(branch.organisation),
        "kind": branch.kind,
        "kind_label": str(KINDS.get(branch.kind, branch.kind)),
        "staffed_hours_week": float(branch.staffed_hours_week),
        "address": {
            "street": branch.street,
            "postcode": branch.postcode,
            "place": branch.place,
            "municipality": branch.municipality.code if branch.municipality_id else None,
        },
        "location": {"lat": branch.lat, "lon": branch.lon} if has_point else None,
        "pickup_point": branch.serves_pickup,
        "opened_on": branch.opened_on,
        "closed_on": branch.closed_on,
        "opening_hours": [
            {"weekday": o.weekday, "opens": o.opens, "closes": o.closes, "staffed": o.staffed}
            for o in hours.of(branch)
        ],
    }


@router.get(
    "/branches",
    response=answers({200: BranchPage}, 400, 404),
    operation_id="listBranches",
    summary="Vestigingen en servicepunten",
)
def branches(
    request,
    organisation: str | None = Query(None, max_length=60, description="ISIL of code"),
    municipality: str | None = Query(None, pattern=r"^GM\d{4}$", description="CBS-code"),
    kind: BranchKind | None = None,
    include_closed: bool = Query(False, description="ook gesloten vestigingen (geschiedenis)"),
    limit: int = LIMIT,
    cursor: str | None = CURSOR,
):
    rows = _branches()
    if organisation:
        rows = rows.filter(
            organisation=_by_isil_or_code(Organisation.objects.public(), organisation)
        )
    if municipality:
        rows = rows.filter(municipality__code=municipality)
    if kind:
        rows = rows.filter(kind=kind)
    if not include_closed:
        rows = rows.open_on(clock.today())
    found, next_cursor = page(request, rows, limit=limit, cursor=cursor)
    return {"items": [_branch(b) for b in found], "next_cursor": next_cursor}


@router.get(
    "/branches/{ref}",
    response=answers({200: BranchOut}, 404),
    operation_id="getBranch",
    summary="Eén vestiging (ISIL of code)",
)
def branch(request, ref: str):
    return _branch(_by_isil_or_code(_branches(), ref))
