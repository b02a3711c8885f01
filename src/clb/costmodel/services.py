"""The cost model's services: compute a scenario, fit a budget, start from today's levels, save,
update and delete scenarios. Pages, the CLI and tests use only these functions. Bad input raises
CostModelError naming the field ("levels.ido", "parameters.uurkosten_personeel", "budget")."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from clb import clock
from clb.errors import DomainError
from clb.network.models import Municipality, Organisation

from . import definitions as d
from . import engine, loader
from .engine import Area, Result
from .models import ModelVersion, Scenario

START_CURRENT, START_EMPTY = "huidig", "leeg"


class CostModelError(DomainError):
    code = "costmodel"


# --- input ------------------------------------------------------------------------------------


def resolve_area(municipality_codes=(), organisation_code: str | None = None) -> Area:
    """An area is a list of municipalities, or the working area of one organisation."""
    if organisation_code:
        org = Organisation.objects.filter(code=organisation_code).first()
        if org is None:
            raise CostModelError(
                _("Onbekende organisatie '%(code)s'.") % {"code": organisation_code},
                field="organisation",
            )
        municipalities = list(org.municipalities.order_by("name"))
        if not municipalities:
            raise CostModelError(
                _("%(org)s heeft geen gemeenten in het werkgebied.") % {"org": org.name},
                field="organisation",
            )
        return Area(municipalities, org)
    codes = []
    for code in municipality_codes:
        for part in str(code).split(","):
            if (part := part.strip().upper()) and part not in codes:
                codes.append(part)
    if not codes:
        raise CostModelError(_("Kies ten minste één gemeente."), field="municipality")
    found = {m.code: m for m in Municipality.objects.filter(code__in=codes)}
    if missing := [c for c in codes if c not in found]:
        raise CostModelError(
            _("Onbekende gemeente: %(codes)s.") % {"codes": ", ".join(missing)},
            field="municipality",
        )
    return Area([found[c] for c in codes])


def as_decimal(raw, field_name: str) -> Decimal:
    if isinstance(raw, bool) or raw is None:
        raise CostModelError(_("'%(raw)s' is geen getal.") % {"raw": raw}, field=field_name)
    try:
        value = Decimal(str(raw).strip().replace(" ", "").replace(",", "."))
    except InvalidOperation as exc:
        raise CostModelError(
            _("'%(raw)s' is geen getal.") % {"raw": raw}, field=field_name
        ) from exc
    if not value.is_finite():
        raise CostModelError(_("'%(raw)s' is geen getal.") % {"raw": raw}, field=field_name)
    return d.plain(value)


def parameters_with(model: d.Model, overrides: dict | None) -> tuple[dict, dict]:
    """The model's parameter values with the scenario's overrides, each checked against the
    parameter's bounds. Returns (all values, the overrides as Decimals)."""
    if overrides is not None and not isinstance(overrides, dict):
        raise CostModelError(
            _("Parameters horen een lijst code: waarde te zijn."), field="parameters"
        )
    values = {code: p.value for code, p in model.parameters.items()}
    clean = {}
    for code, raw in (overrides or {}).items():
        where = f"parameters.{code}"
        p = model.parameters.get(code)
        if p is None:
            raise CostModelError(_("Onbekende parameter '%(code)s'.") % {"code": code}, field=where)
        value = as_decimal(raw, where)
        if p.minimum is not None and value < p.minimum:
            message = (
                _("%(name)s mag niet negatief zijn (%(value)s).")
                if p.minimum == 0 and value < 0
                else _("%(name)s moet ten minste %(min)s zijn (%(value)s).")
            )
            raise CostModelError(
                message % {"name": p.name, "min": p.minimum, "value": value}, field=where
            )
        if p.maximum is not None and value > p.maximum:
            raise CostModelError(
                _("%(name)s mag hoogstens %(max)s zijn (%(value)s).")
                % {"name": p.name, "max": p.maximum, "value": value},
                field=where,
            )
        values[code] = value
        clean[code] = value
    return values, clean


def check_levels(model: d.Model, levels: dict | None) -> dict[str, str]:
    if levels is not None and not isinstance(levels, dict):
        raise CostModelError(
            _("Niveaus horen een lijst bouwsteen: niveau te zijn."), field="levels"
        )
    chosen = {}
    for code, level in (levels or {}).items():
        block = model.block(code)
        if block is None:
            raise CostModelError(
                _("Onbekende bouwsteen '%(code)s'.") % {"code": code}, field=f"levels.{code}"
            )
        if not isinstance(level, str) or block.level(level) is None:
            raise CostModelError(
                _("Bouwsteen '%(block)s' kent geen niveau '%(level)s' (wel: %(known)s).")
                % {
                    "block": code,
                    "level": level,
                    "known": ", ".join(lv.code for lv in block.levels),
                },
                field=f"levels.{code}",
            )
        chosen[code] = level
    return chosen


def _money_field(raw, field_name: str) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    value = as_decimal(raw, field_name)
    if value < 0:
        raise CostModelError(_("Een bedrag mag niet negatief zijn."), field=field_name)
    return engine.money(value)


# --- computing --------------------------------------------------------------------------------


@dataclass
class Session:
    """One model and one area's data, for several computations in a row (pages, fitting)."""

    model: d.Model
    area: Area
    data: engine.AreaData


def session(area: Area, *, version: str | None = None, at=None) -> Session:
    try:
        model = loader.load(version)
    except loader.LoadError as exc:
        raise CostModelError(str(exc), field="model_version") from exc
    return Session(model, area, engine.AreaData(area.municipalities, model, at=at))


def _run(s: Session, levels: dict[str, str], params, overrides, current_subsidy) -> Result:
    try:
        return engine.result(s.model, s.area, s.data, params, overrides, levels, current_subsidy)
    except engine.LevelUnavailable as exc:
        block = s.model.block(exc.block)
        raise CostModelError(
            f"{block.name if block else exc.block}: {exc.message}", field=f"levels.{exc.block}"
        ) from exc
    except engine.ParameterProblem as exc:
        raise CostModelError(exc.message, field=f"parameters.{exc.code}") from exc


def live_names(level: d.Level) -> set[str]:
    """The live variables a level is computed from."""
    names = set()
    for _name, expr in level.sets:
        names |= d.expression_names(expr)
    for rule in (*level.drivers, *level.yields):
        names |= d.expression_names(rule.quantity)
    return names & set(d.LIVE_VARIABLES)


def current_levels(s: Session, params: dict | None = None) -> dict[str, str]:
    """Today's levels as far as CLB can see them: a block's "huidig" level where CLB has live
    data for it (known, and not all zero: an area not yet on CLB has no collection in it, which
    says nothing about its library), otherwise the block's floor."""
    params = params or {code: p.value for code, p in s.model.parameters.items()}
    levels = {b.code: b.floor.code for b in s.model.blocks}
    base = s.data.base(params)
    for block in s.model.blocks:
        current = block.current_level
        if current is None:
            continue
        seen = [base[name] for name in live_names(current)]
        if any(v is None for v in seen) or not any(seen):
            continue
        trial = {**levels, block.code: current.code}
        try:
            engine.calculate(s.model, base, params, trial)
        except (engine.LevelUnavailable, engine.ParameterProblem):
            continue
        levels = trial
    return levels


def compute(
    area: Area,
    levels: dict | None = None,
    overrides: dict | None = None,
    *,
    start: str = START_CURRENT,
    current_subsidy=None,
    version: str | None = None,
    at=None,
    s: Session | None = None,
) -> Result:
    """Cost and yield of a scenario. Blocks not in `levels` start at today's level
    (start="huidig") or at their floor (start="leeg")."""
    s = s or session(area, version=version, at=at)
    params, clean = parameters_with(s.model, overrides)
    chosen = check_levels(s.model, levels)
    if start not in (START_CURRENT, START_EMPTY):
        raise CostModelError(_("Begin bij 'huidig' of 'leeg'."), field="start")
    if start == START_CURRENT:
        base_levels = current_levels(s, params)
    else:
        base_levels = {b.code: b.floor.code for b in s.model.blocks}
    subsidy = _money_field(current_subsidy, "current_subsidy")
    return _run(s, {**base_levels, **chosen}, params, clean, subsidy)


def fit_budget(
    area: Area,
    budget,
    overrides: dict | None = None,
    *,
    current_subsidy=None,
    version: str | None = None,
    at=None,
    s: Session | None = None,
) -> Result:
    """The levels that fit a yearly budget (see engine.fit for the rule); the result carries
    what was raised and what did not fit."""
    amount = _money_field(budget, "budget")
    if amount is None:
        raise CostModelError(_("Geef een budget op."), field="budget")
    s = s or session(area, version=version, at=at)
    params, clean = parameters_with(s.model, overrides)
    subsidy = _money_field(current_subsidy, "current_subsidy")
    try:
        levels, info = engine.fit(s.model, s.data.base(params), params, amount)
    except engine.ParameterProblem as exc:
        raise CostModelError(exc.message, field=f"parameters.{exc.code}") from exc
    out = _run(s, levels, params, clean, subsidy)
    out.fit = info
    return out


# --- scenario files (CLI) ---------------------------------------------------------------------

SPEC_KEYS = ("name", "levels", "parameters", "budget", "current_subsidy", "start", "notes")


@dataclass
class Spec:
    name: str = ""
    levels: dict = field(default_factory=dict)
    parameters: dict = field(default_factory=dict)
    budget: object = None
    current_subsidy: object = None
    start: str = START_CURRENT
    notes: str = ""


def read_spec(raw) -> Spec:
    if not isinstance(raw, dict):
        raise CostModelError(_("Een scenariobestand is een JSON-object."), field="scenario")
    if unknown := sorted(set(raw) - set(SPEC_KEYS)):
        raise CostModelError(
            _("Onbekend veld %(key)s (wel: %(known)s).")
            % {"key": unknown[0], "known": ", ".join(SPEC_KEYS)},
            field=f"scenario.{unknown[0]}",
        )
    return Spec(**raw)


def compute_spec(area: Area, spec: Spec, *, version=None, at=None) -> Result:
    if spec.budget is not None:
        if spec.levels:
            raise CostModelError(
                _("Geef niveaus óf een budget, niet allebei."), field="scenario.levels"
            )
        return fit_budget(
            area,
            spec.budget,
            spec.parameters,
            current_subsidy=spec.current_subsidy,
            version=version,
            at=at,
        )
    return compute(
        area,
        spec.levels,
        spec.parameters,
        start=spec.start,
        current_subsidy=spec.current_subsidy,
        version=version,
        at=at,
    )


# --- saved scenarios --------------------------------------------------------------------------


@transaction.atomic
def save_scenario(
    *,
    name: str,
    area: Area,
    levels: dict,
    overrides: dict | None = None,
    budget=None,
    current_subsidy=None,
    notes: str = "",
    user=None,
    scenario: Scenario | None = None,
    version: str | None = None,
    at=None,
) -> Scenario:
    """Save (or, given `scenario`, update) a scenario after computing it, so nothing invalid is
    stored. Levels are stored for every block, as computed. A new scenario uses the model in use
    (or `version`); an updated one keeps its model version."""
    if not (name or "").strip():
        raise CostModelError(_("Geef het scenario een naam."), field="name")
    if scenario is not None and scenario.model_version_id:
        version = scenario.model_version.version
    result = compute(
        area, levels, overrides, start=START_EMPTY, current_subsidy=current_subsidy,
        version=version, at=at,
    )  # fmt: skip
    budget_value = _money_field(budget, "budget")
    row = scenario or Scenario(created_by=user, created_at=clock.now(at))
    row.name = name.strip()[:200]
    row.notes = notes or ""
    row.municipality_codes = area.codes
    row.organisation = area.organisation
    row.levels = result.levels
    row.overrides = {k: str(v) for k, v in result.overrides.items()}
    row.budget = budget_value
    row.current_subsidy = result.current_subsidy if result.current_subsidy_given else None
    row.model_version = ModelVersion.objects.get(version=result.model.version)
    if scenario is not None:
        row.updated_at = clock.now(at)
    row.save()
    return row


def area_of(scenario: Scenario) -> Area:
    if scenario.organisation_id and set(scenario.municipality_codes) == set(
        scenario.organisation.municipalities.values_list("code", flat=True)
    ):
        return resolve_area(organisation_code=scenario.organisation.code)
    return resolve_area(scenario.municipality_codes)


def scenario_result(scenario: Scenario, *, at=None) -> Result:
    """A saved scenario, computed again with the model version it was saved with (today's live
    data where it uses a "huidig" level)."""
    version = scenario.model_version.version if scenario.model_version_id else None
    return compute(
        area_of(scenario),
        scenario.levels,
        scenario.overrides,
        start=START_EMPTY,
        current_subsidy=scenario.current_subsidy,
        version=version,
        at=at,
    )


def delete_scenario(scenario: Scenario) -> None:
    scenario.delete()
