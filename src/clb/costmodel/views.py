"""Cost-model pages: build a scenario, see cost and yield, save, compare side by side. The views
translate form fields to costmodel.services and back; nothing is calculated here."""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import definitions, export, services
from .access import allowed_municipalities
from .models import Scenario


def _municipality_codes(request, allowed) -> list[str]:
    codes = [
        c.strip().upper()
        for c in request.GET.getlist("gemeente") + request.POST.getlist("gemeente")
        if c.strip()
    ]
    if not codes and allowed.count() == 1:
        codes = [allowed.first().code]
    forbidden = [c for c in codes if not allowed.filter(code=c).exists()]
    if forbidden:
        raise PermissionDenied(f"Geen toegang tot {', '.join(forbidden)}.")
    return codes


def _form_input(data) -> tuple[dict, dict]:
    model = definitions.model()
    levels = {
        b.code: data[f"niveau_{b.code}"] for b in model.blocks if data.get(f"niveau_{b.code}")
    }
    overrides = {
        code: data[f"param_{code}"]
        for code in model.parameters
        if data.get(f"param_{code}", "").strip()
        and data[f"param_{code}"].strip() != str(model.parameters[code].value)
    }
    return levels, overrides


@login_required
def builder(request):
    allowed = allowed_municipalities(request.user)
    if not allowed.exists():
        raise PermissionDenied("U heeft geen toegang tot het kostenmodel.")
    codes = _municipality_codes(request, allowed)
    levels, overrides = _form_input(request.GET)
    context = {
        "model": definitions.model(),
        "municipalities": allowed.order_by("name"),
        "codes": codes,
        "levels": levels,
        "overrides": overrides,
        "budget": request.GET.get("budget", ""),
    }
    if codes:
        try:
            if not levels and request.GET.get("start") != "leeg":
                levels = services.current_levels(services.resolve_municipalities(codes))
            if context["budget"]:
                result, context["left_out"] = services.fit_budget(
                    codes, context["budget"], overrides
                )
            else:
                result = services.compute(codes, levels, overrides)
            context.update(
                result=result,
                levels=result.levels,
                current=services.current_figures(result.municipalities),
                peer=services.comparable_cost_per_inhabitant(result),
                chart=json.dumps(
                    {
                        "x": [b.name for b in result.blocks],
                        "y": [float(b.cost) for b in result.blocks],
                    }
                ),
            )
        except services.CostModelError as exc:
            context["error"] = exc
    fmt = request.GET.get("download")
    if fmt in ("csv", "xlsx") and "result" in context:
        return _download(context["result"], fmt)
    return render(request, "costmodel/builder.html", context)


def _download(result, fmt):
    name = "kostenmodel-" + "-".join(m.code for m in result.municipalities)
    if fmt == "csv":
        response = HttpResponse(export.to_csv(result), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            export.to_xlsx(result),
            content_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
@require_POST
def save(request):
    allowed = allowed_municipalities(request.user)
    codes = _municipality_codes(request, allowed)
    levels, overrides = _form_input(request.POST)
    try:
        scenario = services.save_scenario(
            name=request.POST.get("naam", ""),
            municipality_codes=codes,
            levels=levels,
            overrides=overrides,
            user=request.user,
        )
    except services.CostModelError as exc:
        return render(
            request,
            "costmodel/builder.html",
            {
                "model": definitions.model(),
                "municipalities": allowed.order_by("name"),
                "codes": codes,
                "levels": levels,
                "overrides": overrides,
                "error": exc,
            },
            status=400,
        )
    return redirect(f"{reverse('costmodel:compare')}?id={scenario.pk}")


def _visible_scenarios(user):
    codes = set(allowed_municipalities(user).values_list("code", flat=True))
    return [s for s in Scenario.objects.all() if set(s.municipality_codes) <= codes]


@login_required
def compare(request):
    visible = _visible_scenarios(request.user)
    wanted = {int(i) for i in request.GET.getlist("id") if i.isdigit()}
    chosen = [s for s in visible if s.pk in wanted]
    results = [(s, services.scenario_result(s)) for s in chosen]
    model = definitions.model()
    rows = [
        (b, [next(x for x in r.blocks if x.code == b.code) for _s, r in results])
        for b in model.blocks
    ]
    chart = json.dumps(
        [
            {
                "name": s.name,
                "x": [b.name for b in r.blocks],
                "y": [float(b.cost) for b in r.blocks],
            }
            for s, r in results
        ]
    )
    return render(
        request,
        "costmodel/compare.html",
        {"scenarios": visible, "results": results, "rows": rows, "chart": chart, "wanted": wanted},
    )


@login_required
@require_POST
def delete(request, pk: int):
    scenario = get_object_or_404(Scenario, pk=pk)
    if scenario not in _visible_scenarios(request.user):
        raise PermissionDenied
    scenario.delete()
    return redirect("costmodel:compare")
