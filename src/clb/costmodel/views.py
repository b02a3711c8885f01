"""Cost-model pages: build a scenario (levels or a budget), see cost and yield with charts,
save it, compare saved scenarios side by side, and read the model with its sources. The views
translate form fields to costmodel.services and back; nothing is calculated here."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clb import exports
from clb.inputs import whole_number

from . import access, benchmarks, export, loader, presentation, services
from .models import ModelVersion, Scenario


def _require_use(user):
    if not access.may_use(user):
        raise PermissionDenied(_("U heeft geen toegang tot het kostenmodel."))


@dataclass
class Inputs:
    """The builder form, as submitted."""

    codes: list[str] = field(default_factory=list)
    organisation: str = ""
    start: str = services.START_CURRENT
    levels: dict = field(default_factory=dict)
    overrides: dict = field(default_factory=dict)
    budget: str = ""
    current_subsidy: str = ""
    action: str = "niveaus"

    def query(self) -> str:
        pairs = [("gemeente", c) for c in self.codes]
        if self.organisation:
            pairs.append(("organisatie", self.organisation))
        pairs += [("start", self.start), ("actie", self.action)]
        pairs += [(f"niveau_{k}", v) for k, v in self.levels.items()]
        pairs += [(f"param_{k}", v) for k, v in self.overrides.items()]
        if self.budget:
            pairs.append(("budget", self.budget))
        if self.current_subsidy:
            pairs.append(("huidige_subsidie", self.current_subsidy))
        return urlencode(pairs)


def _same_number(raw: str, default: Decimal) -> bool:
    try:
        return Decimal(raw.strip().replace(",", ".")) == default
    except InvalidOperation:
        return False


def _inputs(data, model) -> Inputs:
    codes = [c.strip().upper() for c in data.getlist("gemeente") if c.strip()]
    organisation = data.get("organisatie", "").strip()
    if data.get("gebied") == "organisatie":
        codes = []
    elif data.get("gebied") == "gemeenten":
        organisation = ""
    levels = {
        b.code: data[f"niveau_{b.code}"] for b in model.blocks if data.get(f"niveau_{b.code}")
    }
    overrides = {}
    for code, p in model.parameters.items():
        raw = data.get(f"param_{code}", "").strip()
        if raw and not _same_number(raw, p.value):
            overrides[code] = raw
    return Inputs(
        codes,
        organisation,
        data.get("start") or services.START_CURRENT,
        levels,
        overrides,
        data.get("budget", "").strip(),
        data.get("huidige_subsidie", "").strip(),
        "budget" if data.get("actie") == "budget" else "niveaus",
    )


def _area(user, inputs: Inputs):
    """The area the form asks for, if the user may work on it (None: nothing chosen yet)."""
    allowed = access.allowed_codes(user)
    if not inputs.codes and not inputs.organisation:
        if user.organisation_id and user.role == user.Role.ORG_ADMIN:
            inputs.organisation = user.organisation.code
        elif len(allowed) == 1:
            inputs.codes = sorted(allowed)
        else:
            return None
    area = services.resolve_area(inputs.codes, inputs.organisation or None)
    if forbidden := [c for c in area.codes if c not in allowed]:
        raise PermissionDenied(_("Geen toegang tot %(codes)s.") % {"codes": ", ".join(forbidden)})
    return area


def _load_scenario(request, model) -> tuple[Inputs, Scenario] | None:
    pk = whole_number(request.GET.get("scenario"))
    if pk is None:
        return None
    scenario = get_object_or_404(Scenario, pk=pk)
    if not access.may_see(request.user, scenario):
        raise PermissionDenied(_("Dit scenario ligt buiten uw gebied."))
    inputs = Inputs(
        codes=[] if scenario.organisation_id else list(scenario.municipality_codes),
        organisation=scenario.organisation.code if scenario.organisation_id else "",
        start=services.START_EMPTY,
        levels=dict(scenario.levels),
        overrides=dict(scenario.overrides),
        current_subsidy=str(scenario.current_subsidy or ""),
        budget=str(scenario.budget or ""),
    )
    return inputs, scenario


@login_required
def builder(request):
    _require_use(request.user)
    version = request.GET.get("versie") or None
    loaded = None
    try:
        model = loader.load(version)
    except loader.LoadError as exc:
        raise Http404(str(exc)) from exc
    found = _load_scenario(request, model)
    if found:
        inputs, loaded = found
        model = loader.load(loaded.model_version.version) if loaded.model_version_id else model
    else:
        inputs = _inputs(request.GET, model)
    context = {
        "model": model,
        "inputs": inputs,
        "loaded": loaded,
        "municipalities": access.allowed_municipalities(request.user).order_by("name"),
        "organisations": access.allowed_organisations(request.user),
        "error": None,
        "result": None,
    }
    try:
        area = _area(request.user, inputs)
        context["area"] = area
        if area is not None:
            s = services.session(area, version=model.version)
            if inputs.action == "budget" and inputs.budget:
                result = services.fit_budget(
                    area, inputs.budget, inputs.overrides,
                    current_subsidy=inputs.current_subsidy, s=s,
                )  # fmt: skip
            else:
                result = services.compute(
                    area, inputs.levels, inputs.overrides, start=inputs.start,
                    current_subsidy=inputs.current_subsidy, s=s,
                )  # fmt: skip
            context["result"] = result
    except services.CostModelError as exc:
        context["error"] = exc
    result = context["result"]
    download = request.GET.get("download")
    if result is not None and download in ("csv", "xlsx"):
        return _download(request, result, download)
    if result is not None:
        peers = benchmarks.peers(result)
        context.update(
            peers=peers,
            cockpit=benchmarks.cockpit(result),
            charts=presentation.charts(result, peers),
            live=presentation.live_rows(result),
            size_rows=presentation.size_rows(result),
            query=Inputs(
                inputs.codes, inputs.organisation, services.START_EMPTY, result.levels,
                inputs.overrides, "", inputs.current_subsidy,
            ).query(),
        )  # fmt: skip
    context["rows"] = presentation.block_rows(
        model,
        result.levels if result else inputs.levels,
        result,
        result.values if result else None,
    )
    context["parameter_groups"] = presentation.parameter_groups(model, inputs.overrides)
    context["error_field"] = getattr(context["error"], "field", "") or ""
    status = 400 if context["error"] else 200
    return render(request, "costmodel/builder.html", context, status=status)


def _download(request, result, fmt: str) -> HttpResponse:
    name = "kostenmodel-" + "-".join(result.area.codes)[:80]
    if fmt == "csv":
        body = export.to_csv(result, exports.requested_style(request))
    else:
        body = export.to_xlsx(result)
    return exports.download(body, f"{name}.{fmt}")


@login_required
@require_POST
def save(request):
    _require_use(request.user)
    model = loader.load()
    inputs = _inputs(request.POST, model)
    existing = None
    pk = whole_number(request.POST.get("scenario"))
    if pk is not None and not request.POST.get("als_nieuw"):
        existing = get_object_or_404(Scenario, pk=pk)
        if not access.may_change(request.user, existing):
            raise PermissionDenied(_("Alleen de maker mag dit scenario wijzigen."))
    try:
        area = _area(request.user, inputs)
        if area is None:
            raise services.CostModelError(_("Kies ten minste één gemeente."), field="municipality")
        scenario = services.save_scenario(
            name=request.POST.get("naam", ""),
            notes=request.POST.get("toelichting", ""),
            area=area,
            levels=inputs.levels,
            overrides=inputs.overrides,
            budget=inputs.budget or None,
            current_subsidy=inputs.current_subsidy or None,
            user=request.user,
            scenario=existing,
        )
    except services.CostModelError as exc:
        messages.error(request, f"{exc}")
        return redirect(f"{reverse('costmodel:builder')}?{inputs.query()}")
    messages.success(request, _("Scenario '%(name)s' is opgeslagen.") % {"name": scenario.name})
    return redirect(f"{reverse('costmodel:compare')}?id={scenario.pk}")


@login_required
def compare(request):
    _require_use(request.user)
    codes = access.allowed_codes(request.user)
    visible = [
        s
        for s in Scenario.objects.select_related("organisation", "model_version", "created_by")
        if access.may_see(request.user, s, codes)
    ]
    wanted = [n for n in map(whole_number, request.GET.getlist("id")) if n is not None]
    chosen = [s for s in visible if s.pk in wanted]
    items, problems = [], []
    for s in chosen:
        try:
            items.append((s, services.scenario_result(s)))
        except services.CostModelError as exc:
            problems.append((s, exc))
    block_rows, totals, yields = presentation.compare_rows(items)
    return render(
        request,
        "costmodel/compare.html",
        {
            "scenarios": [(s, access.may_change(request.user, s)) for s in visible],
            "wanted": wanted,
            "items": items,
            "problems": problems,
            "block_rows": block_rows,
            "totals": totals,
            "yields": yields,
            "charts": presentation.compare_charts(items),
            # how complete the branch register is, once per area compared
            "registers": list(
                {r.register.code: r.register for _s, r in items if r.register}.values()
            ),
        },
    )


@login_required
def scenario_download(request, pk: int, fmt: str):
    _require_use(request.user)
    scenario = get_object_or_404(Scenario, pk=pk)
    if not access.may_see(request.user, scenario):
        raise PermissionDenied
    try:
        result = services.scenario_result(scenario)
    except services.CostModelError as exc:
        raise Http404(str(exc)) from exc
    return _download(request, result, fmt)


@login_required
@require_POST
def delete(request, pk: int):
    _require_use(request.user)
    scenario = get_object_or_404(Scenario, pk=pk)
    if not access.may_change(request.user, scenario):
        raise PermissionDenied(_("Alleen de maker mag dit scenario verwijderen."))
    name = scenario.name
    services.delete_scenario(scenario)
    messages.success(request, _("Scenario '%(name)s' is verwijderd.") % {"name": name})
    return redirect("costmodel:compare")


@login_required
def model_page(request):
    _require_use(request.user)
    version = request.GET.get("versie") or None
    try:
        model = loader.load(version)
    except loader.LoadError as exc:
        raise Http404(str(exc)) from exc
    return render(
        request,
        "costmodel/model.html",
        {
            "model": model,
            "versions": ModelVersion.objects.all(),
            "parameter_groups": presentation.parameter_groups(model, {}),
            "variables": list(model.variables.values()),
        },
    )
