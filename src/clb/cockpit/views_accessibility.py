"""The accessibility page: a thin adapter over accessibility.py. Aggregates per municipality only;
the figures come from public population and network data, never from patrons."""

import io
from functools import wraps

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clb import exports
from clb.errors import DomainError
from clb.network.models import BranchKind

from . import accessibility, register, scoping
from .dashboard import region_choices
from .regions import Geography
from .scoping import may_see_accessibility
from .views import may_close_periods

MEASURES = [
    ("vestiging", gettext_lazy("van een vestiging")),
    ("locatie", gettext_lazy("van elke bibliotheeklocatie")),
]


def accessibility_view(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not may_see_accessibility(request.user):
            raise PermissionDenied(_("Alleen cockpitgebruikers zien de bereikbaarheid."))
        return view(request, *args, **kwargs)

    return wrapper


class AccessibilityForm(forms.Form):
    regio = forms.CharField(label=gettext_lazy("Regio"), required=False)
    max_km = forms.FloatField(
        label=gettext_lazy("Maximale afstand (km)"),
        min_value=0.1,
        max_value=accessibility.MAX_KM_LIMIT,
        initial=accessibility.DEFAULT_MAX_KM,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.5"}),
    )
    peildatum = forms.DateField(
        label=gettext_lazy("Peildatum"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    kaart = forms.ChoiceField(label=gettext_lazy("Kaart"), choices=MEASURES, required=False)
    punt = forms.CharField(
        label=gettext_lazy("Wat als hier een vestiging opent"),
        required=False,
        help_text=gettext_lazy("Breedte- en lengtegraad (52.09, 5.12) of RD (136000 455000)."),
    )
    soort = forms.ChoiceField(
        label=gettext_lazy("Soort"), choices=BranchKind.choices, required=False
    )
    sluiten = forms.CharField(
        label=gettext_lazy("Wat als deze vestigingen sluiten"),
        required=False,
        help_text=gettext_lazy("Codes van vestigingen, gescheiden door komma's."),
    )

    def clean_max_km(self):
        value = self.cleaned_data.get("max_km")
        return accessibility.DEFAULT_MAX_KM if value is None else value

    def clean_punt(self):
        text = self.cleaned_data.get("punt", "").strip()
        if not text:
            return None
        kind = self.data.get("soort") or BranchKind.VESTIGING
        try:
            return accessibility.parse_point(text, kind=kind, name=_("nieuwe locatie"))
        except DomainError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_sluiten(self):
        return accessibility.split_codes(self.cleaned_data.get("sluiten", ""))


def _region(request, geo: Geography):
    code = request.GET.get("regio")
    try:
        region = geo.region(code) if code else scoping.home_region(request.user, geo)
    except DomainError as exc:
        raise Http404(str(exc)) from exc
    scoping.require(request.user, region, geo)
    return region


@accessibility_view
def accessibility_page(request):
    geo = Geography()
    region = _region(request, geo)
    codes = geo.municipalities_of(region)
    form = AccessibilityForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    max_km = data.get("max_km") or accessibility.DEFAULT_MAX_KM
    day = data.get("peildatum")  # None: today
    opened = [data["punt"]] if data.get("punt") else []
    closed = data.get("sluiten") or []
    comparison = None
    try:
        if opened or closed:
            comparison = accessibility.what_if(max_km, day, opened, closed)
            analysis = comparison.after
        else:
            analysis = accessibility.analyse(max_km, day)
    except DomainError as exc:
        form.add_error("sluiten" if exc.field == "closed_branch_codes" else None, str(exc))
        analysis = accessibility.analyse(max_km, day)
        comparison = None

    def mine(items):
        return [r for r in items if codes is None or r.code in codes]

    rows = mine(analysis.rows)
    changes = mine(comparison.changes) if comparison else None
    if request.GET.get("formaat") == "csv" and not form.errors:
        return _csv(request, rows, changes, region)
    # How complete the register is: judged on the network as it is, not on a what-if.
    today = comparison.before if comparison else analysis
    check = register.RegisterCheck(geo, analysis.day, today)
    completeness = check.of(region)
    measure = data.get("kaart") or "vestiging"
    sites = [s for s in analysis.branches.sites if codes is None or s.municipality in codes]
    kind_labels = dict(BranchKind.choices)
    return render(
        request,
        "cockpit/accessibility.html",
        {
            "form": form,
            "region": region,
            "regions": region_choices(request.user, geo),
            "analysis": analysis,
            "total": analysis.total(codes, code=region.code, name=region.name),
            "before": comparison.before.total(codes, code=region.code, name=region.name)
            if comparison
            else None,
            "rows": rows,
            "over": accessibility.over_threshold(rows),
            "completeness": completeness,
            "missing": [
                (r, check.municipalities[r.code].loaded)
                for r in mine(today.rows)
                if r.locations_missing
            ],
            "changes": changes,
            "sites": sites,
            "site_rows": [(s, kind_labels.get(s.kind, s.kind)) for s in sites],
            # Lists, not Counters: a template's lookup of .items on a Counter finds a count of 0.
            "real_sources": sorted(analysis.branches.real_by_source.items()),
            "other_kinds": [
                (kind_labels.get(kind, kind), n)
                for kind, n in sorted(analysis.branches.by_kind.items())
                if kind != BranchKind.VESTIGING
            ],
            "fallbacks": mine(analysis.population.fallbacks),
            "measure": measure,
            "measures": MEASURES,
            "map_spec": _map(rows, changes, sites, analysis, measure),
            "csv_query": _csv_query(request),
            "may_close": may_close_periods(request.user),
        },
    )


def _csv_query(request) -> str:
    query = request.GET.copy()
    query["formaat"] = "csv"
    return query.urlencode()


def _csv(request, rows, changes, region) -> HttpResponse:
    out = io.StringIO()
    accessibility.write_csv(out, rows, changes, exports.requested_style(request))
    name = region.code.replace(":", "-")
    return exports.download(out.getvalue(), f"bereikbaarheid-{name}.csv")


def _map(rows, changes, sites, analysis, measure: str) -> dict:
    """A choropleth of the share beyond max_km (or its change in a what-if), with the library
    locations on top; the browser adds the boundaries served by CLB before drawing."""
    share = "share_beyond_vestiging_pct" if measure == "vestiging" else "share_beyond_location_pct"
    what = dict(MEASURES)[measure]
    if changes is not None:
        change = "share_vestiging_change" if measure == "vestiging" else "share_location_change"
        by_code = {c.code: getattr(c, change) or 0 for c in changes}
        z = [by_code.get(r.code, 0) for r in rows]
        title = _("Verandering in procentpunt, inwoners verder dan %(km)s km %(what)s") % {
            "km": f"{analysis.max_km:g}",
            "what": what,
        }
        colour = {"colorscale": "RdBu", "zmid": 0}  # plotly: blue low (fewer far away)
        unit = _("procentpunt")
    else:
        z = [getattr(r, share) for r in rows]
        title = _("Inwoners verder dan %(km)s km %(what)s (hemelsbreed)") % {
            "km": f"{analysis.max_km:g}",
            "what": what,
        }
        colour = {"colorscale": "YlOrRd", "reversescale": True, "zmin": 0, "zmax": 100}
        unit = "%"
    located = [(r, v) for r, v in zip(rows, z, strict=True) if v is not None]
    data = [
        {
            "type": "choropleth",
            "featureidkey": "properties.code",
            "locations": [r.code for r, _v in located],
            "z": [v for _r, v in located],
            "text": [f"{r.name}: {v:.1f}".replace(".", ",") for r, v in located],
            "hovertemplate": "%{text} " + unit + "<extra></extra>",
            "marker": {"line": {"width": 0.3, "color": "#fff"}},
            "colorbar": {"title": {"text": unit}},
            **colour,
        }
    ]
    for label, group, symbol in (
        (_("vestiging"), [s for s in sites if s.is_vestiging], "circle"),
        (_("andere locatie"), [s for s in sites if not s.is_vestiging], "diamond"),
    ):
        if group:
            data.append(_points(label, group, symbol))
    for new in analysis.branches.added:
        lat, lon = accessibility.to_wgs84(new.x, new.y)
        data.append(
            {
                "type": "scattergeo",
                "name": _("wat-als: nieuwe locatie"),
                "lat": [lat],
                "lon": [lon],
                "mode": "markers",
                "marker": {
                    "size": 16,
                    "symbol": "star",
                    "color": "#ffbf00",
                    "line": {"width": 1, "color": "#000"},
                },
                "hovertemplate": _("nieuwe locatie") + "<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": {
            "title": {"text": title, "font": {"size": 15}},
            "geo": {"fitbounds": "locations", "visible": False, "projection": {"type": "mercator"}},
            "margin": {"l": 0, "r": 0, "t": 40, "b": 0},
            "height": 600,
            "legend": {"orientation": "h"},
        },
    }


def _points(label: str, sites, symbol: str) -> dict:
    return {
        "type": "scattergeo",
        "name": label,
        "lat": [s.lat for s in sites],
        "lon": [s.lon for s in sites],
        "text": [f"{s.name} ({_('demo') if s.is_demo else _('echt')})" for s in sites],
        "hovertemplate": "%{text}<extra></extra>",
        "mode": "markers",
        "marker": {
            "size": 6,
            "symbol": symbol,
            "color": ["#888888" if s.is_demo else "#111111" for s in sites],
        },
    }
