"""Computing a scenario: a level per building block → cost lines, yields and totals; and the
reverse, a budget → the levels that fit.

The order of evaluation is fixed and follows the model:
  1. size variables of the area (sizes.py) and what CLB knows today (live.py);
  2. parameters: the model's defaults with the scenario's overrides;
  3. derived variables (their formulas are in the model file);
  4. per building block, in priority order: is it active (its `active_if` variable is not zero),
     then the scenario variables its chosen level sets;
  5. consequences (new branches, branches open longer) for the one-off state contributions;
  6. per active block the cost lines (quantity × price, each rounded to the cent) and yields.
Money is Decimal throughout; totals are sums of the rounded lines, so they add up on paper."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from clb import clock
from clb.cockpit.regions import Geography
from clb.cockpit.register import Completeness, RegisterCheck
from clb.network.models import Municipality, Organisation

from . import definitions as d
from . import live, sizes

CENT = Decimal("0.01")
ONE = Decimal(1)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def euro(value: Decimal) -> str:
    """Whole euros in the active language's notation, for sentences: € 1.234.567."""
    return "€ " + number_format(value.quantize(ONE, ROUND_HALF_UP), 0, force_grouping=True)


class LevelUnavailable(Exception):
    """The chosen level cannot be computed here (what it needs is unknown or zero)."""

    def __init__(self, block: str, message: str):
        super().__init__(message)
        self.block = block
        self.message = message


class ParameterProblem(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Area:
    municipalities: list[Municipality]
    organisation: Organisation | None = None

    @property
    def codes(self) -> list[str]:
        return [m.code for m in self.municipalities]

    @property
    def name(self) -> str:
        if self.organisation is not None:
            return _("werkgebied %(org)s") % {"org": self.organisation.name}
        return ", ".join(m.name for m in self.municipalities)


class AreaData:
    """Reference and live data of an area, read once; the geometry is redone only when a
    parameter it depends on changes."""

    GEOMETRY_PARAMETERS = (
        "bereik_km",
        "inwoners_per_vestiging",
        "drempel_inwoners_servicepunt",
        "drempel_inwoners_bushalte",
    )

    def __init__(self, municipalities: list[Municipality], model: d.Model, *, at=None):
        self.municipalities = municipalities
        self.geometries = sizes.geometries(municipalities)
        self.sites = sizes.reach_sites(at)
        self.live_each, live_notes = live.figures(
            municipalities, days=int(model.rule("live_dagen")), at=at
        )
        self.notes = [n for g in self.geometries.values() for n in g.notes] + live_notes
        self._check = RegisterCheck(Geography(), clock.today(at))
        self.register = self.register_of(municipalities)
        self._forget_what_an_incomplete_register_cannot_know()
        self._cache: dict[tuple, dict[int, dict]] = {}

    def register_of(self, municipalities: list[Municipality]) -> Completeness:
        codes = {m.code for m in municipalities}
        name = ", ".join(m.name for m in municipalities)
        return self._check.of_codes(codes, ",".join(sorted(codes)), name)

    def _forget_what_an_incomplete_register_cannot_know(self) -> None:
        """Today's branches and staffed hours come from the branch register. Where that is
        incomplete for a municipality, they are unknown (None), not the count of what happens
        to be registered: a "zoals nu" level built on them is then refused, and today's levels
        start at the floor instead (services.current_levels)."""
        unknown = [m for m in self.municipalities if not self.register_of([m]).complete]
        for m in unknown:
            self.live_each[m.pk].update(dict.fromkeys(live.REGISTER_VARIABLES))
        if unknown:
            self.notes.insert(
                0,
                _(
                    "Vestigingen, bemande uren en servicepunten 'zoals nu' zijn onbekend voor "
                    "%(names)s: het vestigingenregister is daar onvolledig. Ook de kernen "
                    "buiten bereik rusten op dat register en zijn daar te hoog."
                )
                % {"names": ", ".join(m.name for m in unknown)},
            )

    def _sizes_each(self, params: dict[str, Decimal]) -> dict[int, dict]:
        key = tuple(params[p] for p in self.GEOMETRY_PARAMETERS)
        if key not in self._cache:
            self._cache[key] = {
                pk: sizes.municipality_sizes(g, self.sites, params)
                for pk, g in self.geometries.items()
            }
        return self._cache[key]

    def base(self, params: dict[str, Decimal], only: Municipality | None = None) -> dict:
        each = self._sizes_each(params)
        members = [only] if only is not None else self.municipalities
        return {
            **sizes.combine([each[m.pk] for m in members]),
            **live.combine([self.live_each[m.pk] for m in members]),
        }


@dataclass
class Line:
    label: str
    kind: str
    quantity: Decimal
    unit: str
    quantity_formula: str
    price: Decimal
    price_formula: str
    amount: Decimal  # always ≥ 0 for costs; income lines are kind "inkomsten"

    @property
    def is_income(self) -> bool:
        return self.kind == "inkomsten"


@dataclass
class YieldValue:
    indicator: str
    name: str
    unit: str
    value: Decimal


@dataclass
class BlockResult:
    code: str
    name: str
    function: str
    level: str
    level_name: str
    is_current_level: bool
    active: bool
    off: bool  # the level is "geen": nothing chosen, rather than inactive for want of branches
    inactive_because: str = ""  # the variable that is zero when the block is not active
    lines: list[Line] = field(default_factory=list)
    yields: list[YieldValue] = field(default_factory=list)

    @property
    def cost(self) -> Decimal:
        return sum((ln.amount for ln in self.lines if not ln.is_income), Decimal(0))

    @property
    def income(self) -> Decimal:
        return sum((ln.amount for ln in self.lines if ln.is_income), Decimal(0))

    @property
    def net(self) -> Decimal:
        return self.cost - self.income

    def cost_of_kind(self, kind: str) -> Decimal:
        return sum((ln.amount for ln in self.lines if ln.kind == kind), Decimal(0))


@dataclass
class OneOffLine:
    label: str
    quantity: Decimal
    unit: str
    price: Decimal
    amount: Decimal  # the most the state contributes
    cofinancing: Decimal  # what the municipality must add at least to get that amount


@dataclass
class FitStep:
    block: str
    block_name: str
    level: str
    level_name: str
    net_after: Decimal  # the scenario's net cost with this step (taken or not)


@dataclass
class Fit:
    budget: Decimal
    fits: bool  # False: even every block at its floor costs more than the budget
    taken: list[FitStep] = field(default_factory=list)
    left_out: list[FitStep] = field(default_factory=list)


@dataclass
class Result:
    model: d.Model
    area: Area
    levels: dict[str, str]
    parameters: dict[str, Decimal]
    overrides: dict[str, Decimal]
    values: dict[str, Decimal | None]  # every variable, as used
    blocks: list[BlockResult]
    size_class: d.SizeClass
    current_subsidy: Decimal
    current_subsidy_given: bool
    one_off: list[OneOffLine]
    notes: list[str]
    fit: Fit | None = None
    register: Completeness | None = None  # how complete the branch register is for the area

    @property
    def net_is_answer(self) -> bool:
        """A subsidy of zero or less for an inhabited area is no answer: the chosen levels leave
        out what costs money (a library, opening hours) while the model still counts the income
        that comes with them. Pages and exports print it as not determinable, never as a sum."""
        return self.net > 0 or not self.inhabitants

    @property
    def no_answer_reason(self) -> str:
        if self.net_is_answer:
            return ""
        return _(
            "Niet te bepalen: de gekozen niveaus kosten %(cost)s per jaar, niet meer dan de "
            "inkomsten van %(income)s die het model erbij rekent. Een gemeente met inwoners "
            "heeft geen negatieve of nul subsidie nodig; kies niveaus die een bibliotheek "
            "leveren (bijvoorbeeld een vestiging met openingsuren)."
        ) % {"cost": euro(self.total_cost), "income": euro(self.total_income)}

    @property
    def inhabitants(self) -> Decimal:
        return self.values["inwoners"]

    @property
    def total_cost(self) -> Decimal:
        return sum((b.cost for b in self.blocks), Decimal(0))

    @property
    def total_income(self) -> Decimal:
        return sum((b.income for b in self.blocks), Decimal(0))

    @property
    def net(self) -> Decimal:
        """What is left for the municipality (or municipalities) to pay: the subsidy needed."""
        return self.total_cost - self.total_income

    def _per_inhabitant(self, amount: Decimal) -> Decimal:
        return money(amount / self.inhabitants) if self.inhabitants else Decimal(0)

    @property
    def cost_per_inhabitant(self) -> Decimal:
        return self._per_inhabitant(self.total_cost)

    @property
    def net_per_inhabitant(self) -> Decimal:
        return self._per_inhabitant(self.net)

    @property
    def current_subsidy_per_inhabitant(self) -> Decimal:
        return self._per_inhabitant(self.current_subsidy)

    @property
    def difference(self) -> Decimal:
        """Subsidy needed minus current subsidy: positive means more money is needed."""
        return self.net - self.current_subsidy

    @property
    def national_cost(self) -> Decimal:
        """The national average cost per inhabitant applied to this area, for comparison."""
        return money(self.parameters["lasten_per_inwoner"] * self.inhabitants)

    @property
    def yields(self) -> dict[str, YieldValue]:
        return {y.indicator: y for b in self.blocks for y in b.yields}

    def block(self, code: str) -> BlockResult:
        return next(b for b in self.blocks if b.code == code)


# --- evaluation ---------------------------------------------------------------------------------


def _value(expr: d.Expression, env: dict, block: str, model: d.Model) -> Decimal:
    try:
        return d.evaluate(expr, env)
    except d.UnknownValue as exc:
        var = model.variables.get(exc.name)
        raise LevelUnavailable(
            block,
            _("%(what)s is onbekend in CLB, dus dit niveau is hier niet te berekenen.")
            % {"what": var.name if var else exc.name},
        ) from exc
    except d.ZeroDivisor as exc:
        if exc.name in model.parameters:
            raise ParameterProblem(exc.name, _("mag niet 0 zijn: het model deelt erdoor")) from exc
        var = model.variables.get(exc.name)
        raise LevelUnavailable(
            block,
            _("%(what)s is 0, dus dit niveau is hier niet te berekenen.")
            % {"what": var.name if var else exc.name},
        ) from exc


def calculate(
    model: d.Model,
    base: dict[str, Decimal | None],
    params: dict[str, Decimal],
    levels: dict[str, str],
) -> tuple[dict, list[BlockResult]]:
    """Steps 3–6 for levels that are known to exist; returns every variable and the blocks."""
    env: dict[str, Decimal | None] = {**params, **base}
    for v in model.variables_of("afgeleid"):
        try:
            env[v.code] = d.evaluate(v.expression, env)
        except (d.UnknownValue, d.ZeroDivisor):
            env[v.code] = None  # used only by levels that will then say so
    for v in model.variables_of("scenario"):
        env[v.code] = _value(v.default, env, "", model)

    active = {}
    for block in model.blocks:
        level = block.level(levels[block.code])
        sets = block.sets_of(level)
        # A block is active unless its level is "off" or its active_if variable is zero. When the
        # block sets that variable itself (vestigingen), it is judged after setting it; otherwise
        # before, so an inactive block never evaluates a level it does not need.
        own_switch = block.active_if in sets
        is_on = not level.off and (own_switch or not block.active_if or env[block.active_if] != 0)
        if is_on:
            for name, expr in sets.items():
                env[name] = _value(expr, env, block.code, model)
            if own_switch and env[block.active_if] == 0:
                is_on = False
        active[block.code] = is_on

    _consequences(env, params)

    results = []
    for block in model.blocks:
        level = block.level(levels[block.code])
        out = BlockResult(
            block.code,
            block.name,
            block.function,
            level.code,
            level.name,
            level.current,
            active[block.code],
            level.off,
            "" if active[block.code] or level.off else model.variables[block.active_if].name,
        )
        if active[block.code]:
            for drv in block.drivers_of(level):
                quantity = _value(drv.quantity, env, block.code, model)
                price = _value((drv.price,), env, block.code, model)
                out.lines.append(
                    Line(
                        drv.label,
                        drv.kind,
                        quantity,
                        drv.unit,
                        d.expression_text(drv.quantity),
                        price,
                        drv.price.text(),
                        money(quantity * price),
                    )
                )
            for rule in block.yields_of(level):
                ind = model.indicators[rule.indicator]
                value = _value(rule.quantity, env, block.code, model)
                out.yields.append(YieldValue(ind.code, ind.name, ind.unit, value))
        results.append(out)
    return env, results


def _consequences(env: dict, params: dict[str, Decimal]) -> None:
    """New branches and branches open longer than today, for the one-off contributions; unknown
    when today's branches are (an incomplete register)."""
    now, hours_now = env["vestigingen_nu"], env["bemande_uren_vestigingen_nu"]
    if now is None or hours_now is None:
        env["vestigingen_nieuw"] = env["vestigingen_verruimd"] = None
        return
    kept = min(env["vestigingen"], now)
    env["vestigingen_nieuw"] = max(Decimal(0), env["vestigingen"] - now)
    longer = kept > 0 and env["uren_per_week"] - hours_now / now >= params["spuk_min_extra_uren"]
    env["vestigingen_verruimd"] = kept if longer else Decimal(0)


def one_off(model: d.Model, env: dict, params: dict[str, Decimal]) -> list[OneOffLine]:
    """The state's one-off contributions; a rule whose quantity is unknown is left out (the
    result's notes say so)."""
    coverage = params["spuk_dekking"]
    out = []
    for rule in model.one_off:
        try:
            quantity = d.evaluate(rule.quantity, env)
        except d.UnknownValue:
            continue
        if quantity <= 0:
            continue
        price = d.evaluate((rule.price,), env)
        amount = money(quantity * price)
        cofinancing = money(amount * (ONE - coverage) / coverage) if coverage else Decimal(0)
        out.append(OneOffLine(rule.label, quantity, rule.unit, price, amount, cofinancing))
    return out


def result(
    model: d.Model,
    area: Area,
    data: AreaData,
    params: dict[str, Decimal],
    overrides: dict[str, Decimal],
    levels: dict[str, str],
    current_subsidy: Decimal | None,
) -> Result:
    base = data.base(params)
    env, blocks = calculate(model, base, params, levels)
    inhabitants = base["inwoners"]
    given = current_subsidy is not None
    subsidy = current_subsidy if given else money(params["subsidie_per_inwoner"] * inhabitants)
    notes = list(data.notes)
    if env["vestigingen_nieuw"] is None and model.one_off:
        notes.append(
            _(
                "Eenmalige rijksbijdragen: niet te bepalen, want hoeveel vestigingen er nu zijn "
                "is onbekend."
            )
        )
    return Result(
        model=model,
        area=area,
        levels=dict(levels),
        parameters=params,
        overrides=overrides,
        values={k: v for k, v in env.items() if k in model.variables},
        blocks=blocks,
        size_class=model.size_class(int(inhabitants)),
        current_subsidy=subsidy,
        current_subsidy_given=given,
        one_off=one_off(model, env, params),
        notes=notes,
        register=data.register,
    )


def net_cost(model, base, params, levels) -> Decimal:
    return _net_and_active(model, base, params, levels)[0]


def _net_and_active(model, base, params, levels) -> tuple[Decimal, dict[str, bool]]:
    _env, blocks = calculate(model, base, params, levels)
    return sum((b.net for b in blocks), Decimal(0)), {b.code: b.active for b in blocks}


def fit(model: d.Model, base: dict, params: dict[str, Decimal], budget: Decimal):
    """The reverse question: which levels fit a yearly budget (compared with the net cost, i.e.
    cost minus income, which is what the municipality pays).

    Every block starts at its floor, the lowest rung of its ladder. Then the steps up the ladders
    are taken in order of (tier, priority): first every block to its tier-1 level in priority
    order, then every block to tier 2, and so on. A step is taken when the scenario's net cost
    with it stays within the budget; when it does not, that block stays where it is for the rest
    of the fitting (it is reported as left out), and the next step is tried, so a cheaper block
    of lower priority can still fit. The priority order is the model's: legal basics and the
    covenant first. A step that leaves its block inactive (opening hours without a branch) is not
    taken: it would buy nothing."""
    levels = {b.code: b.floor.code for b in model.blocks}
    info = Fit(budget, fits=True)
    if net_cost(model, base, params, levels) > budget:
        info.fits = False
        return levels, info
    steps = sorted(
        ((lv.tier, b.priority, b, lv) for b in model.blocks for lv in b.ladder[1:]),
        key=lambda s: (s[0], s[1]),
    )
    stuck: set[str] = set()
    for _tier, _priority, block, level in steps:
        if block.code in stuck:
            continue
        trial = {**levels, block.code: level.code}
        try:
            cost, active = _net_and_active(model, base, params, trial)
        except LevelUnavailable:  # it needs what CLB does not know here
            continue
        if not active[block.code]:
            continue
        step = FitStep(block.code, block.name, level.code, level.name, cost)
        if cost <= budget:
            levels = trial
            info.taken.append(step)
        else:
            stuck.add(block.code)
            info.left_out.append(step)
    return levels, info
