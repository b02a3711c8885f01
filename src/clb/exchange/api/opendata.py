"""The covenant's figures as open data: the cockpit's indicators for a region and period, as
JSON or CSV, computed and suppressed by the cockpit's own engine (figures under 10 hidden,
and a second figure hidden where the first could be recovered by subtraction). Final figures
(a closed period) are for everyone; provisional ones need a token with `stats:read`, for the
regions the cockpit would show the app's organisation (or its cockpit region)."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from ninja import Query, Router

from clb import clock, exports
from clb.cockpit import scoping
from clb.cockpit.caveats import Caveats
from clb.cockpit.engine import Cockpit
from clb.cockpit.regions import Geography
from clb.cockpit.tables import cell, display, figures_table
from clb.statistics import periods

from ..models import Scope
from .auth import BearerToken
from .common import CURSOR, LIMIT, answers
from .paging import page
from .problems import ApiProblem
from .schemas import FigurePage, PeriodPage

router = Router(tags=["open data"], auth=BearerToken(optional=True))
CSV = "text/csv"
JSON = "application/json"


@dataclass(frozen=True)
class CockpitViewer:
    """An app as the cockpit's scoping sees a user: its organisation, or the cockpit region the
    national administration gave it."""

    organisation_id: int
    region_code: str
    is_authenticated: bool = True
    is_superuser: bool = False
    is_national: bool = False
    role: str = ""


@router.get(
    "/periods",
    response=answers({200: PeriodPage}, 400),
    operation_id="listPeriods",
    summary="Perioden en of hun cijfers definitief zijn",
)
def list_periods(request, limit: int = LIMIT, cursor: str | None = CURSOR):
    rows = [
        {"code": p.code, "label": str(p.label), "final": periods.is_final(p)}
        for p in periods.recent(clock.today())
    ]
    found, next_cursor = page(request, rows, limit=limit, cursor=cursor)
    return {"items": found, "next_cursor": next_cursor}


def _may_see_provisional(bearer, region, geo) -> bool:
    if not bearer.has(Scope.STATS_READ):
        return False
    client = bearer.client
    viewer = CockpitViewer(client.organisation_id, client.region_code)
    return scoping.can_view(viewer, region, geo)


def _figure(f) -> dict:
    ind = f.indicator
    return {
        "indicator": ind.code,
        "name": str(ind.name),
        "section": str(ind.section),
        "unit": str(ind.unit),
        "breakdown": ind.breakdown if f.key else None,
        "key": f.key,
        "key_label": str(f.key_label),
        "value": f.shown,
        "display": display(cell(f)),
        "suppressed": f.suppressed,
        "final": f.final,
        "caveats": list(f.caveats),
    }


@router.get(
    "/indicators",
    response=answers({200: FigurePage}, 400, 401, 403, 404, 406),
    operation_id="listIndicators",
    summary="Cijfers van het convenant per regio en periode (JSON of CSV)",
    description=(
        "Regio: NL, een provincie (PVxx), een gemeente (GMxxxx) of een organisatie (ORG:code). "
        "Periode: 2025-H1 of 2025. Met `Accept: text/csv` (of `format=csv`) de tabel zoals de "
        "cockpit die als CSV geeft, alle regels in één bestand. Onderdrukte cijfers: `value` "
        "leeg, `display` '< 10'."
    ),
    openapi_extra={
        "responses": {200: {"content": {CSV: {"schema": {"type": "string"}}}}},
    },
)
def list_indicators(
    request,
    period: str = Query(..., max_length=7, description="bijv. 2025-H1 of 2025"),
    region: str = Query("NL", max_length=60),
    format: str | None = Query(None, pattern="^(json|csv)$", description="in plaats van Accept"),
    csv: str | None = Query(
        None,
        pattern="^(puntkomma|komma)$",
        description="CSV met ';' en decimale komma (puntkomma, standaard, voor Excel) of met ',' "
        "en decimale punt (komma)",
    ),
    limit: int = LIMIT,
    cursor: str | None = CURSOR,
):
    wanted = format and {"json": JSON, "csv": CSV}[format]
    wanted = wanted or request.get_preferred_type([JSON, CSV])
    if wanted is None:
        raise ApiProblem(
            "not_acceptable", _("Deze cijfers zijn er als application/json of text/csv.")
        )
    geo = Geography()
    chosen_period = periods.parse(period)
    chosen_region = geo.region(region)
    # Built as the dashboard builds it, so each figure carries the same caveats (an incomplete
    # register, simulated statistics) as on the cockpit's page and in its CSV.
    cockpit = Cockpit(
        [chosen_region], [chosen_period], geo=geo, focus=chosen_region, caveats=Caveats(geo)
    )
    figures = cockpit.figures(chosen_region, chosen_period)
    final = bool(figures) and all(f.final for f in figures)
    if not final and not _may_see_provisional(request.auth, chosen_region, geo):
        if not request.auth.has(Scope.STATS_READ):
            raise ApiProblem(
                "provisional_figures",
                _(
                    "De cijfers van %(period)s zijn nog voorlopig: die zijn er alleen met een "
                    "token met het recht stats:read. Definitieve cijfers zijn openbaar."
                )
                % {"period": chosen_period.code},
                field="period",
            )
        raise ApiProblem(
            "region_not_allowed",
            _("Voorlopige cijfers van %(region)s zijn niet voor deze toepassing.")
            % {"region": chosen_region.name},
            field="region",
        )
    if wanted == CSV:
        table = figures_table("cijfers", chosen_region.name, figures)
        name = f"clb-cijfers-{chosen_region.code.replace(':', '-')}-{chosen_period.code}.csv"
        return exports.download(table.csv(exports.csv_style(csv)), name)
    rows, next_cursor = page(request, figures, limit=limit, cursor=cursor)
    return {
        "region": chosen_region.code,
        "region_name": chosen_region.name,
        "period": chosen_period.code,
        "final": final,
        "items": [_figure(f) for f in rows],
        "next_cursor": next_cursor,
    }
