"""Scenarios: choose a level per building block for an area, get what it costs and yields; or the
reverse, give a budget and get the levels that fit. Plain functions; errors name the field."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone

from clb import clock
from clb.errors import DomainError
from clb.network.models import Branch, BranchKind, Municipality

from . import definitions, sizes
from .models import Scenario

CENT = Decimal("0.01")


class CostModelError(DomainError):
    code = "costmodel"


@dataclass(frozen=True)
class Line:
    block: str
    level: str
    label: str
    quantity: Decimal
    unit: str
    parameter: str
    unit_cost: Decimal
    cost: Decimal


@dataclass
class BlockResult:
    code: str
    name: str
    level: str
    level_name: str
    cost: Decimal
    yield_label: str
    yield_value: Decimal
    lines: list[Line] = field(default_factory=list)


@dataclass
class Result:
    municipalities: list[Municipality]
    sizes: dict[str, Decimal]
    size_class: str
    blocks: list[BlockResult]
    total: Decimal
    per_inhabitant: Decimal
    reference_subsidy: Decimal  # the national average subsidy per inhabitant × inhabitants
    difference: Decimal  # total minus reference subsidy: what more (or less) it asks
    parameters: dict[str, Decimal]
    one_off: dict[str, Decimal]  # SPUK-style one-off state contributions this scenario could claim

    @property
    def levels(self) -> dict[str, str]:
        return {b.code: b.level for b in self.blocks}


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def resolve_municipalities(codes: list[str]) -> list[Municipality]:
    if not codes:
        raise CostModelError("Kies ten minste één gemeente.", field="municipality")
    found = {m.code: m for m in Municipality.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise CostModelError(f"Onbekende gemeente: {', '.join(missing)}", field="municipality")
    return [found[c] for c in codes]


def parameters_with(overrides: dict | None) -> dict[str, Decimal]:
    model = definitions.model()
    values = {code: p.value for code, p in model.parameters.items()}
    for code, raw in (overrides or {}).items():
        where = f"parameters.{code}"
        if code not in values:
            raise CostModelError(f"Onbekende parameter '{code}'.", field=where)
        try:
            value = Decimal(str(raw).replace(",", "."))
        except InvalidOperation as exc:
            raise CostModelError(f"'{raw}' is geen getal.", field=where) from exc
        if not value.is_finite() or value < 0:
            raise CostModelError(f"{code} mag niet negatief zijn ({raw}).", field=where)
        values[code] = value
    return values


def _check_levels(levels: dict | None) -> dict[str, str]:
    model = definitions.model()
    chosen = {}
    for code, level in (levels or {}).items():
        block = model.block(code)
        if block is None:
            raise CostModelError(f"Onbekende bouwsteen '{code}'.", field=f"levels.{code}")
        if block.level(level) is None:
            raise CostModelError(
                f"Bouwsteen '{code}' kent geen niveau '{level}' (wel: {', '.join(block.level_codes)}).",
                field=f"levels.{code}",
            )
        chosen[code] = level
    # Blocks left out start at their first level (for most blocks "geen").
    return {b.code: chosen.get(b.code, b.levels[0].code) for b in model.blocks}


def compute(
    municipality_codes: list[str],
    levels: dict | None = None,
    overrides: dict | None = None,
    *,
    area_sizes: dict | None = None,
) -> Result:
    municipalities = resolve_municipalities(municipality_codes)
    params = parameters_with(overrides)
    chosen = _check_levels(levels)
    size = area_sizes or sizes.sizes_for(municipalities)
    return _calculate(municipalities, size, chosen, params)


def _calculate(municipalities, size, chosen, params) -> Result:
    model = definitions.model()
    # Branches are needed for distance (everyone within reach) and for numbers (a city needs more
    # than its few square kilometres suggest): the larger of the two.
    by_population = (size["inwoners"] / params["inwoners_per_vestiging"]).to_integral_value(
        rounding=ROUND_CEILING
    )
    size = dict(size, vestigingen_nodig=max(size["vestigingen_bereik"], by_population, Decimal(1)))
    results = []
    for block in model.blocks:
        level = block.level(chosen[block.code])
        lines = []
        for d in level.drivers:
            quantity = definitions.evaluate(d.quantity, size)
            lines.append(
                Line(
                    block.code,
                    level.code,
                    d.label,
                    quantity.quantize(CENT),
                    d.unit,
                    d.parameter,
                    params[d.parameter],
                    _money(quantity * params[d.parameter]),
                )
            )
        yield_value = definitions.evaluate(block.yields.get(level.code, {}), size).quantize(
            Decimal(1)
        )
        results.append(
            BlockResult(
                block.code,
                block.name,
                level.code,
                level.name,
                sum((ln.cost for ln in lines), Decimal(0)),
                block.yield_label,
                yield_value,
                lines,
            )
        )
    total = sum((b.cost for b in results), Decimal(0))
    inhabitants = size["inwoners"]
    reference = _money(params["subsidie_per_inwoner"] * inhabitants)
    current = current_branches(municipalities)
    new_branches = Decimal(0)
    if chosen["vestigingen"] != "geen":
        new_branches = max(Decimal(0), size["vestigingen_nodig"] - current["vestigingen"])
    return Result(
        municipalities=municipalities,
        sizes=size,
        size_class=sizes.size_class(int(inhabitants)),
        blocks=results,
        total=total,
        per_inhabitant=_money(total / inhabitants) if inhabitants else Decimal(0),
        reference_subsidy=reference,
        difference=total - reference,
        parameters=params,
        one_off={
            "nieuwe_vestigingen": new_branches,
            "max_rijksbijdrage": _money(new_branches * params["spuk_nieuwe_vestiging"]),
        },
    )


def fit_budget(
    municipality_codes: list[str],
    budget,
    overrides: dict | None = None,
    *,
    area_sizes: dict | None = None,
) -> tuple[Result, list[str]]:
    """The reverse question. Start every block at its first level; then, in the blocks' priority
    order (covenant and legal basics first), raise each block one level at a time for as long as
    the total stays within the budget. Returns the result and what did not fit."""
    try:
        budget = Decimal(str(budget).replace(",", "."))
    except InvalidOperation as exc:
        raise CostModelError(f"'{budget}' is geen bedrag.", field="budget") from exc
    if budget < 0:
        raise CostModelError("Het budget mag niet negatief zijn.", field="budget")
    municipalities = resolve_municipalities(municipality_codes)
    params = parameters_with(overrides)
    size = area_sizes or sizes.sizes_for(municipalities)
    model = definitions.model()
    chosen = {b.code: b.levels[0].code for b in model.blocks}
    left_out = []
    for block in model.blocks:
        for level in block.level_codes[1:]:
            trial = dict(chosen, **{block.code: level})
            if _calculate(municipalities, size, trial, params).total <= budget:
                chosen = trial
            else:
                left_out.append(f"{block.name}: {block.level(level).name}")
                break
    return _calculate(municipalities, size, chosen, params), left_out


# --- what CLB knows now -----------------------------------------------------------------------


def current_branches(municipalities) -> dict[str, Decimal]:
    today = clock.today()
    open_branches = [
        b for b in Branch.objects.filter(municipality__in=municipalities) if b.is_open_on(today)
    ]
    vestigingen = [b for b in open_branches if b.kind == BranchKind.VESTIGING]
    return {
        "vestigingen": Decimal(len(vestigingen)),
        "locaties": Decimal(len(open_branches)),
        "bemande_uren": sum((b.staffed_hours_week for b in open_branches), Decimal(0)),
    }


def current_figures(municipalities) -> dict[str, object]:
    """Use and reach from CLB's live, anonymous data for the last twelve months (None: unknown)."""
    from clb.cockpit.models import CirculationEvent

    since = clock.today() - timedelta(days=365)
    branches = Branch.objects.filter(municipality__in=municipalities)
    figures: dict[str, object] = dict(current_branches(municipalities))
    figures["uitleningen_12m"] = CirculationEvent.objects.filter(
        action="checkout", branch__in=branches, occurred_on__gte=since
    ).count()
    figures["nieuwe_leden_12m"] = CirculationEvent.objects.filter(
        action="member_registered", branch__in=branches, occurred_on__gte=since
    ).count()
    try:
        from clb.services.models import Activity, IdoContact
    except ImportError:
        figures["ido_contacten_12m"] = figures["cursussen_12m"] = None
    else:
        figures["ido_contacten_12m"] = IdoContact.objects.filter(
            branch__in=branches, occurred_on__gte=since
        ).count()
        figures["cursussen_12m"] = Activity.objects.filter(
            branch__in=branches, is_course=True, starts_on__gte=since
        ).count()
    return figures


def current_levels(municipalities) -> dict[str, str]:
    """Levels that describe today's network (what CLB can see); blocks it cannot see stay at
    their first level."""
    now = current_figures(municipalities)
    levels = {}
    if now["vestigingen"]:
        levels["vestigingen"] = "basis"
        per_branch = now["bemande_uren"] / now["vestigingen"]
        levels["openingsuren"] = (
            "minimaal"
            if per_branch < Decimal("22.5")
            else "basis"
            if per_branch < Decimal("37.5")
            else "ruim"
        )
    if now.get("ido_contacten_12m"):
        levels["ido"] = "basis"
    if now.get("cursussen_12m"):
        levels["digitale_vaardigheden"] = "basis"
    return levels


# --- saved scenarios --------------------------------------------------------------------------


def save_scenario(
    *, name: str, municipality_codes: list[str], levels: dict, overrides: dict, user=None
) -> Scenario:
    if not (name or "").strip():
        raise CostModelError("Geef het scenario een naam.", field="name")
    result = compute(municipality_codes, levels, overrides)  # validates everything first
    return Scenario.objects.create(
        name=name.strip(),
        municipality_codes=municipality_codes,
        levels=result.levels,
        overrides={k: str(v) for k, v in (overrides or {}).items()},
        created_by=user,
        created_at=timezone.now(),
    )


def scenario_result(scenario: Scenario) -> Result:
    return compute(scenario.municipality_codes, scenario.levels, scenario.overrides)


def comparable_cost_per_inhabitant(result: Result) -> Decimal | None:
    """The same levels applied to every municipality of the same size class: their median cost
    per inhabitant, to see whether this area is cheap or dear for what it gets."""
    low, high = next((lo, hi) for lo, hi, label in sizes.SIZE_CLASSES if label == result.size_class)
    peers = list(Municipality.objects.filter(inhabitants__gte=low, inhabitants__lt=high))
    values = [
        _calculate([m], size, result.levels, result.parameters).per_inhabitant
        for m, size in sizes.sizes_each(peers).items()
    ]
    if not values:
        return None
    values.sort()
    return values[len(values) // 2]
