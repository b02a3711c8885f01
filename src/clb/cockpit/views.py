"""Cockpit pages: thin adapters over dashboard.py, report.py, wsob.py and closing.py."""

import io
from functools import lru_cache, wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from clb import clock, exports
from clb.errors import DomainError
from clb.network.models import Organisation
from clb.network.reference import DATA
from clb.scoping import sees_everything
from clb.services.views import registration_view
from clb.statistics import periods
from clb.statistics.models import ClosedPeriod

from . import closing, dashboard, scoping, wsob
from .regions import NATIONAL, Geography
from .report import build_report
from .report_files import FORMATS, write


def cockpit_view(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not scoping.has_cockpit(request.user):
            raise PermissionDenied(_("U heeft geen toegang tot de cockpit."))
        return view(request, *args, **kwargs)

    return wrapper


def _region_and_period(request, geo):
    user = request.user
    try:
        code = request.GET.get("regio")
        region = geo.region(code) if code else scoping.home_region(user, geo)
        period = periods.parse(request.GET.get("periode") or periods.half_year(clock.today()).code)
    except DomainError as exc:
        raise Http404(str(exc)) from exc
    scoping.require(user, region, geo)
    return region, period


def period_choices(today=None) -> list[tuple[str, str]]:
    today = today or clock.today()
    halves = periods.half_year(today).previous_half_years(8)[::-1]
    years = [periods.parse(str(today.year - i)) for i in range(4)]
    return [(p.code, p.label) for p in halves + years]


@cockpit_view
def dashboard_page(request):
    geo = Geography()
    region, period = _region_and_period(request, geo)
    board = dashboard.build(request.user, geo, region, period, map_code=request.GET.get("kaart"))
    charts = {name: spec for name, spec in board.charts.items() if spec}
    return render(
        request,
        "cockpit/dashboard.html",
        {
            "board": board,
            "charts": charts,
            "map_spec": board.map,
            "regions": dashboard.region_choices(request.user, geo),
            "periods": period_choices(),
            "map_indicators": dashboard.MAP_INDICATORS,
            "query": f"regio={region.code}&periode={period.code}",
            "may_close": may_close_periods(request.user),
            "may_see_accessibility": scoping.may_see_accessibility(request.user),
        },
    )


@cockpit_view
def table_csv(request, name):
    geo = Geography()
    region, period = _region_and_period(request, geo)
    board = dashboard.build(request.user, geo, region, period, map_code=request.GET.get("kaart"))
    table = board.tables.get(name)
    if table is None:
        raise Http404(_("Tabel %(name)s bestaat niet.") % {"name": name})
    filename = f"clb-{name}-{region.code.replace(':', '-')}-{period.code}.csv"
    return exports.download(table.csv(exports.requested_style(request)), filename)


@cockpit_view
def report_download(request):
    geo = Geography()
    region, period = _region_and_period(request, geo)
    fmt = request.GET.get("formaat", "pdf")
    if fmt not in FORMATS:
        raise Http404(_("Formaat %(fmt)s bestaat niet (csv, xlsx of pdf).") % {"fmt": fmt})
    report = build_report(geo, region, period)
    buffer = io.BytesIO()
    write(report, fmt, buffer, exports.requested_style(request))
    filename = f"clb-rapport-{region.code.replace(':', '-')}-{period.code}.{fmt}"
    return exports.download(buffer.getvalue(), filename)


@lru_cache(maxsize=1)
def _boundaries() -> bytes:
    return (DATA / "gemeenten-2025.geojson").read_bytes()


@cockpit_view
@cache_control(private=True, max_age=86400)
def boundaries(request):
    """Municipal boundaries (CBS/Kadaster, CC-BY 4.0) for the choropleth, from CLB itself."""
    return HttpResponse(_boundaries(), content_type="application/geo+json")


def may_close_periods(user) -> bool:
    return sees_everything(user) or (
        getattr(user, "role", "") == "cockpit" and (user.region_code or "").upper() == NATIONAL
    )


@cockpit_view
def period_list(request):
    if not may_close_periods(request.user):
        raise PermissionDenied(_("Alleen de KB en landelijk beheer sluiten perioden af."))
    today = clock.today()
    closed = {c.code: c for c in ClosedPeriod.objects.select_related("closed_by")}
    rows = [
        (code, label, closed.get(code), periods.parse(code).end < today)
        for code, label in period_choices(today)
    ]
    return render(request, "cockpit/periods.html", {"rows": rows, "may_close": True})


@require_POST
@cockpit_view
def period_close(request):
    if not may_close_periods(request.user):
        raise PermissionDenied(_("Alleen de KB en landelijk beheer sluiten perioden af."))
    try:
        codes = closing.close_period(request.POST.get("periode", ""), user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Afgesloten: %(codes)s. Deze cijfers zijn nu definitief.")
            % {"codes": ", ".join(codes)},
        )
    return redirect("cockpit:periods")


@cockpit_view
def wsob_csv(request):
    geo = Geography()
    try:
        organisation = Organisation.objects.get(code=request.GET.get("organisatie", ""))
        year = int(request.GET.get("jaar", ""))
    except (Organisation.DoesNotExist, ValueError) as exc:
        raise BadRequest(_("Kies een organisatie en een jaar.")) from exc
    scoping.require(request.user, geo.organisation_region(organisation.pk), geo)
    return wsob_response(request, organisation, year)


@registration_view
def own_wsob_csv(request, organisation):
    """The Wsob delivery of the user's own organisation, from the registration pages
    (/registratie/wsob/, routed in clb/urls.py: the registration room cannot import the cockpit)."""
    try:
        year = int(request.GET.get("jaar") or clock.today().year - 1)
    except ValueError:
        year = clock.today().year - 1
    return wsob_response(request, organisation, year)


def wsob_response(request, organisation, year: int) -> HttpResponse:
    table = wsob.delivery(organisation, year)
    body = table.csv(exports.requested_style(request))
    return exports.download(body, f"wsob-{organisation.code}-{year}.csv")
