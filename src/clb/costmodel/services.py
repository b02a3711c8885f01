"""The cost model's services: compute a scenario, fit a budget, start from today's levels, save,
update and delete scenarios. Pages, the CLI and tests use only these functions. Bad input raises
CostModelError naming the field ("levels.ido", "parameters.uurkosten_personeel", "budget")."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from clb import clock
from clb.errors import DomainError
from clb.network.models import Municipality, Organisation, Province

from . import definitions as d
from . import engine, loader
from .engine import Area, Result
from .models import ModelVersion, Scenario

START_CURRENT, START_EMPTY, START_BASIC = engine.CURRENT, engine.EMPTY, "basis"
live_names = engine.live_names


class CostModelError(DomainError):
    code = "costmodel"


# --- input ------------------------------------------------------------------------------------


def resolve_area(
    municipality_codes=(), organisation_code: str | None = None, province_code: str | None = None
) -> Area:
    """An area is a list of municipalities, the working area of one organisation, or a
    province."""
    if province_code:
        province = Province.objects.filter(code=str(province_code).strip().upper()).first()
        if province is None:
            raise CostModelError(
                _("Onbekende provincie '%(code)s'.") % {"code": province_code}, field="province"
            )
        municipalities = list(province.municipalities.order_by("name"))
        if not municipalities:
            raise CostModelError(
                _("%(name)s heeft geen gemeenten.") % {"name": province.name}, field="province"
            )
        return Area(municipalities, province=province)
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


NOW_SOURCES = (engine.NOW_LIVE, engine.NOW_NATIONAL)


def session(area: Area, *, version: str | None = None, at=None, now: str | None = None) -> Session:
    """now: where today's figures come from — None: CLB's register where it is complete for the
    area, else the national estimate; "clb" or "landelijk" to choose."""
    if now not in (None, *NOW_SOURCES):
        raise CostModelError(_("Kies 'clb' of 'landelijk' voor de huidige cijfers."), field="now")
    try:
        model = loader.load(version)
    except loader.LoadError as exc:
        raise CostModelError(str(exc), field="model_version") from exc
    return Session(model, area, engine.AreaData(area.municipalities, model, at=at, now=now))


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
    except engine.NoCost as exc:
        raise CostModelError(exc.message, field="levels") from exc


def default_start(model: d.Model) -> str:
    """The Wsob basic provision where the model has it (issue 21), else today's levels."""
    return START_BASIC if START_BASIC in model.presets else START_CURRENT


def starts(model: d.Model) -> list[str]:
    """Where a scenario can start: the model's presets (basis, ambitie, huidig …) and "leeg"."""
    return [*model.presets, *([START_CURRENT] if START_CURRENT not in model.presets else [])] + [
        START_EMPTY
    ]


def start_levels(s: Session, start: str, params: dict | None = None) -> dict[str, str]:
    """Every block's level at a start point for this area (see engine.preset_levels)."""
    if start not in starts(s.model):
        raise CostModelError(
            _("Begin bij een van: %(known)s.") % {"known": ", ".join(starts(s.model))},
            field="start",
        )
    params = params or {code: p.value for code, p in s.model.parameters.items()}
    base, now = s.data.base_and_now(params)
    return engine.preset_levels(s.model, base, params, start, estimated_now=now.estimated)


def current_levels(s: Session, params: dict | None = None) -> dict[str, str]:
    """Today's levels: from CLB's register where it is complete for the area, otherwise from
    the national figures (engine.AreaData.now); a block without either starts at its floor."""
    return start_levels(s, START_CURRENT, params)


def compute(
    area: Area,
    levels: dict | None = None,
    overrides: dict | None = None,
    *,
    start: str | None = None,
    current_subsidy=None,
    version: str | None = None,
    at=None,
    now: str | None = None,
    s: Session | None = None,
) -> Result:
    """Cost and yield of a scenario. Blocks not in `levels` take their level from the start
    point: a preset of the model ("basis", the default: the Wsob basic provision; "ambitie";
    "huidig": today's levels) or "leeg" (every block at its floor). `now`: see session()."""
    s = s or session(area, version=version, at=at, now=now)
    params, clean = parameters_with(s.model, overrides)
    chosen = check_levels(s.model, levels)
    base_levels = start_levels(s, start or default_start(s.model), params)
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


# --- side by side ------------------------------------------------------------------------------

OWN = "eigen"


@dataclass
class Column:
    """One scenario of the comparison: a preset of the model or the user's own choices."""

    code: str
    name: str
    description: str
    result: Result | None
    error: str = ""
    budget: Decimal | None = None

    @property
    def budget_room(self) -> Decimal | None:
        """Budget minus subsidy needed: negative is a shortfall; None without an answer."""
        if self.result is None or self.budget is None or not self.result.net_is_answer:
            return None
        return self.budget - self.result.net

    @property
    def fits(self) -> bool | None:
        room = self.budget_room
        return None if room is None else room >= 0


def compare_starts(s: Session, own: Result, *, budget=None) -> list[Column]:
    """The model's presets (Wsob basic provision, covenant ambitions, as now) next to the
    user's own scenario for the same area, parameters and current subsidy: each with its gap to
    today's subsidy (Result.difference) and, given a yearly budget, whether it fits."""
    amount = _money_field(budget, "budget")
    if amount is None and own.fit is not None:
        amount = own.fit.budget
    subsidy = own.current_subsidy if own.current_subsidy_given else None
    columns = []
    for code, preset in s.model.presets.items():
        try:
            levels = start_levels(s, code, own.parameters)
            result = _run(s, levels, own.parameters, own.overrides, subsidy)
        except CostModelError as exc:
            columns.append(Column(code, preset.name, preset.description, None, str(exc)))
            continue
        columns.append(Column(code, preset.name, preset.description, result, budget=amount))
    columns.append(
        Column(
            OWN,
            _("Eigen keuze"),
            _("De niveaus die hierboven gekozen zijn (of die binnen het budget passen)."),
            own,
            budget=amount,
        )
    )
    return columns


# --- scenario files (CLI) ---------------------------------------------------------------------

SPEC_KEYS = ("name", "levels", "parameters", "budget", "current_subsidy", "start", "notes")


@dataclass
class Spec:
    name: str = ""
    levels: dict = field(default_factory=dict)
    parameters: dict = field(default_factory=dict)
    budget: object = None
    current_subsidy: object = None
    start: str | None = None  # None: the model's default (the Wsob basic provision)
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


def compute_spec(area: Area, spec: Spec, *, version=None, at=None, s=None) -> Result:
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
            s=s,
        )
    return compute(
        area,
        spec.levels,
        spec.parameters,
        start=spec.start,
        current_subsidy=spec.current_subsidy,
        version=version,
        at=at,
        s=s,
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
    """The scenario's area: an organisation's working area or a whole province when its
    municipalities are exactly that, otherwise the municipalities."""
    codes = set(scenario.municipality_codes)
    if scenario.organisation_id and codes == set(
        scenario.organisation.municipalities.values_list("code", flat=True)
    ):
        return resolve_area(organisation_code=scenario.organisation.code)
    first = Municipality.objects.filter(code__in=codes).select_related("province").first()
    if (
        len(codes) > 1
        and first is not None
        and codes == set(first.province.municipalities.values_list("code", flat=True))
    ):
        return resolve_area(province_code=first.province.code)
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
