"""Computing a scenario: a level per building block → cost lines, yields and totals; and the
reverse, a budget → the levels that fit.

The order of evaluation is fixed and follows the model:
  1. size variables of the area (sizes.py) and what CLB knows today (live.py);
  2. parameters: the model's defaults with the scenario's overrides;
  3. derived variables (their formulas are in the model file);
  4. per building block, in priority order: is it active (its `active_if` variable is not zero),
     then the scenario variables its chosen level sets;
  5. consequences (new branches, branches open longer) for the one-off state contributions;
  6. per active block the cost lines (quantity × price, each rounded to the cent) and yields;
     blocks that read `uren_direct` (management and support) come last, after the staff hours
     of all the other blocks are known.
Money is Decimal throughout; totals are sums of the rounded lines, so they add up on paper.

What an area has today ("huidig") comes from CLB's own register when that register is complete
for the area (completeness.py), and otherwise from the national figures (national.py); the result
says which. Every line also says which estimates it rests on: estimated parameters, and today's
figures when those were estimated."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from clb import clock
from clb.cockpit.regions import Geography
from clb.cockpit.register import Completeness, RegisterCheck
from clb.network.models import Municipality, Organisation, Province

from . import completeness, live, national, sizes
from . import definitions as d

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


class NoCost(Exception):
    """An inhabited area came out at no cost at all: the choices or parameters are impossible."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


NOW_LIVE, NOW_NATIONAL = "clb", "landelijk"


@dataclass
class NowSource:
    """Where the "huidig" figures of an area come from, and why."""

    source: str  # NOW_LIVE or NOW_NATIONAL
    check: completeness.Completeness | None  # None: not compared (the source was asked for)
    registered: dict[str, Decimal | None]  # what CLB's register holds
    estimated_values: dict[str, Decimal | None]  # what the national figures say

    @property
    def estimated(self) -> bool:
        return self.source == NOW_NATIONAL

    @property
    def values(self) -> dict[str, Decimal | None]:
        return self.estimated_values if self.estimated else self.registered


@dataclass
class Area:
    municipalities: list[Municipality]
    organisation: Organisation | None = None
    province: Province | None = None

    @property
    def codes(self) -> list[str]:
        return [m.code for m in self.municipalities]

    @property
    def name(self) -> str:
        if self.organisation is not None:
            return _("werkgebied %(org)s") % {"org": self.organisation.name}
        if self.province is not None:
            return _("provincie %(name)s") % {"name": self.province.name}
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

    def __init__(
        self, municipalities: list[Municipality], model: d.Model, *, at=None, now: str | None = None
    ):
        """now: NOW_LIVE or NOW_NATIONAL to force where today's figures come from; None to take
        CLB's register where it is complete and the national estimate elsewhere."""
        self.municipalities = municipalities
        self.model = model
        self.now_wanted = now
        self.geometries = sizes.geometries(municipalities)
        self.sites = sizes.reach_sites(at)
        if now == NOW_NATIONAL:  # the register is not read at all
            self.live_each = {m.pk: dict.fromkeys(d.LIVE_VARIABLES) for m in municipalities}
            live_notes = []
        else:
            self.live_each, live_notes = live.figures(
                municipalities, days=int(model.rule("live_dagen")), at=at
            )
        self.notes = [n for g in self.geometries.values() for n in g.notes] + live_notes
        # What an incomplete register leaves unknown: for results that read the register, and
        # (the reach only) for results whose today's figures are national estimates.
        self.unknown_notes: list[str] = []
        self.reach_notes: list[str] = []
        self._registers: dict[tuple[str, ...], Completeness] = {}
        self.register = None
        if now != NOW_NATIONAL:
            self._check = RegisterCheck(Geography(), clock.today(at))
            self.register = self.register_of(municipalities)
            self._forget_what_an_incomplete_register_cannot_know()
        self._cache: dict[tuple, dict[int, dict]] = {}

    def register_of(self, municipalities: list[Municipality]) -> Completeness:
        codes = tuple(sorted(m.code for m in municipalities))
        if codes not in self._registers:
            name = ", ".join(m.name for m in municipalities)
            self._registers[codes] = self._check.of_codes(set(codes), ",".join(codes), name)
        return self._registers[codes]

    def _forget_what_an_incomplete_register_cannot_know(self) -> None:
        """Today's branches and staffed hours come from the branch register. Where that is
        incomplete for a municipality, they are unknown (None), not the count of what happens
        to be registered: a "zoals nu" level built on them is then refused, and today's levels
        start at the floor instead (services.current_levels) — unless the national estimate
        stands in for the register (now())."""
        unknown = [m for m in self.municipalities if not self.register_of([m]).complete]
        for m in unknown:
            self.live_each[m.pk].update(dict.fromkeys(live.REGISTER_VARIABLES))
        if not unknown:
            return
        names = ", ".join(m.name for m in unknown)
        self.unknown_notes.append(
            _(
                "Vestigingen, bemande uren en servicepunten 'zoals nu' zijn onbekend voor "
                "%(names)s: het vestigingenregister is daar onvolledig. Ook de kernen "
                "buiten bereik rusten op dat register en zijn daar te hoog."
            )
            % {"names": names}
        )
        self.reach_notes.append(
            _(
                "De kernen buiten bereik van een bibliotheek rusten op het vestigingenregister "
                "en zijn voor %(names)s te hoog: het register is daar onvolledig."
            )
            % {"names": names}
        )

    def _sizes_each(self, params: dict[str, Decimal]) -> dict[int, dict]:
        key = tuple(params[p] for p in self.GEOMETRY_PARAMETERS)
        if key not in self._cache:
            self._cache[key] = {
                pk: sizes.municipality_sizes(g, self.sites, params)
                for pk, g in self.geometries.items()
            }
        return self._cache[key]

    def _area(self, params, only) -> tuple[dict, dict]:
        each = self._sizes_each(params)
        members = [only] if only is not None else self.municipalities
        return (
            sizes.combine([each[m.pk] for m in members]),
            live.combine([self.live_each[m.pk] for m in members]),
        )

    def now(self, params: dict[str, Decimal], only: Municipality | None = None) -> NowSource:
        area, registered = self._area(params, only)
        estimated = national.estimates(self.model, area, params)
        if self.now_wanted in (NOW_NATIONAL, NOW_LIVE):
            return NowSource(self.now_wanted, None, registered, estimated)
        register = self.register_of([only]) if only is not None else self.register
        check = completeness.register_completeness(
            register, registered, estimated, self.model.rule("volledig_vanaf")
        )
        source = NOW_NATIONAL if check.complete is False else NOW_LIVE
        return NowSource(source, check, registered, estimated)

    def base(self, params: dict[str, Decimal], only: Municipality | None = None) -> dict:
        return self.base_and_now(params, only)[0]

    def base_and_now(
        self, params: dict[str, Decimal], only: Municipality | None = None
    ) -> tuple[dict, NowSource]:
        """The area's variables for the engine, and where today's figures in them come from."""
        area, _registered = self._area(params, only)
        now = self.now(params, only)
        return {**area, **now.values}, now


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
    estimates: tuple[str, ...] = ()  # the estimated parameters and figures it rests on

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
    now: NowSource | None = None
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
    def estimated_cost(self) -> Decimal:
        """The part of the total cost whose lines rest on at least one estimate."""
        return sum(
            (ln.amount for b in self.blocks for ln in b.lines if ln.estimates and not ln.is_income),
            Decimal(0),
        )

    @property
    def estimated_share(self) -> Decimal:
        return self.estimated_cost / self.total_cost if self.total_cost else Decimal(0)

    @property
    def estimates_used(self) -> list[str]:
        """Every estimate the figures rest on, in the model's order."""
        used = {e for b in self.blocks for ln in b.lines for e in ln.estimates}
        order = [*self.model.parameters, *self.model.variables]
        return [code for code in order if code in used]

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


def _estimates_of(
    model: d.Model, params: dict[str, Decimal], estimated_now: bool
) -> dict[str, frozenset[str]]:
    """The estimates each name rests on, before the levels: estimated parameters rest on
    themselves, today's figures on themselves when they were estimated from national figures."""
    out = {code: frozenset({code}) for code, p in model.parameters.items() if p.estimate}
    if estimated_now:
        out.update({code: frozenset({code}) for code in d.LIVE_VARIABLES})
    return out


def _rests_on(expr: d.Expression, taint: dict[str, frozenset[str]]) -> frozenset[str]:
    found = [taint[n] for n in d.expression_names(expr) if n in taint]
    return frozenset().union(*found) if found else frozenset()


def _uses_lines(block: d.Block, level: d.Level) -> bool:
    rules = (*block.drivers_of(level), *block.yields_of(level))
    return any(set(d.LINE_CONSEQUENCES) & d.expression_names(r.quantity) for r in rules)


def calculate(
    model: d.Model,
    base: dict[str, Decimal | None],
    params: dict[str, Decimal],
    levels: dict[str, str],
    *,
    estimated_now: bool = False,
) -> tuple[dict, list[BlockResult]]:
    """Steps 3–6 for levels that are known to exist; returns every variable and the blocks.
    estimated_now: today's figures in `base` are national estimates (lines say they rest on them)."""
    env: dict[str, Decimal | None] = {**params, **base}
    taint = _estimates_of(model, params, estimated_now)
    for v in model.variables_of("afgeleid"):
        try:
            env[v.code] = d.evaluate(v.expression, env)
        except (d.UnknownValue, d.ZeroDivisor):
            env[v.code] = None  # used only by levels that will then say so
        taint[v.code] = _rests_on(v.expression, taint)
    for v in model.variables_of("scenario"):
        env[v.code] = _value(v.default, env, "", model)
        taint[v.code] = _rests_on(v.default, taint)

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
                taint[name] = _rests_on(expr, taint)
            if own_switch and env[block.active_if] == 0:
                is_on = False
        active[block.code] = is_on

    _consequences(env, params)

    def block_result(block: d.Block) -> BlockResult:
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
        if not active[block.code]:
            return out
        for drv in block.drivers_of(level):
            quantity = _value(drv.quantity, env, block.code, model)
            price = _value((drv.price,), env, block.code, model)
            rests_on = _rests_on(drv.quantity, taint) | _rests_on((drv.price,), taint)
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
                    tuple(sorted(rests_on)),
                )
            )
        for rule in block.yields_of(level):
            ind = model.indicators[rule.indicator]
            value = _value(rule.quantity, env, block.code, model)
            out.yields.append(YieldValue(ind.code, ind.name, ind.unit, value))
        return out

    # Blocks sized on the others' staff hours (management and support) come after them.
    later = [b for b in model.blocks if _uses_lines(b, b.level(levels[b.code]))]
    results = {b.code: block_result(b) for b in model.blocks if b not in later}
    staff = [ln for r in results.values() for ln in r.lines if ln.kind == "personeel"]
    env["uren_direct"] = sum((ln.quantity for ln in staff), Decimal(0))
    taint["uren_direct"] = frozenset().union(*(ln.estimates for ln in staff))
    results.update({b.code: block_result(b) for b in later})
    return env, [results[b.code] for b in model.blocks]


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
    base, now = data.base_and_now(params)
    env, blocks = calculate(model, base, params, levels, estimated_now=now.estimated)
    inhabitants = base["inwoners"]
    cost = sum((b.cost for b in blocks), Decimal(0))
    if inhabitants > 0 and cost <= 0:
        raise NoCost(
            _(
                "Met deze keuzes kost de bibliotheekvoorziening voor %(n)s inwoners niets; dat "
                "kan niet. Kies voor ten minste één bouwsteen een niveau met kosten, of zet "
                "parameters die op 0 staan terug."
            )
            % {"n": f"{int(inhabitants):,}".replace(",", ".")}
        )
    given = current_subsidy is not None
    subsidy = current_subsidy if given else money(params["subsidie_per_inwoner"] * inhabitants)
    notes = [*(data.reach_notes if now.estimated else data.unknown_notes), *data.notes]
    if now.estimated and now.check is not None:
        notes.append(now_note(now))
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
        now=now,
        register=data.register,
    )


def now_note(now: NowSource) -> str:
    """Why today's figures were estimated: what CLB holds against what is expected."""
    parts = [
        _("%(loaded)s van de ongeveer %(expected)s %(what)s")
        % {
            "loaded": f"{round(f.loaded):,}".replace(",", "."),
            "expected": f"{round(f.expected):,}".replace(",", "."),
            "what": f.label,
        }
        for f in now.check.figures
        if f.expected
    ]
    return _(
        "Het register van CLB is voor dit gebied nog niet volledig (CLB kent %(parts)s die bij "
        "deze omvang horen), dus „zoals nu” is geschat uit landelijke cijfers."
    ) % {"parts": _(" en ").join(parts)}


EMPTY, CURRENT = "leeg", "huidig"  # start from every block's floor; from today's levels


def live_names(level: d.Level) -> set[str]:
    """The live variables a level is computed from."""
    names = set()
    for _name, expr in level.sets:
        names |= d.expression_names(expr)
    for rule in (*level.drivers, *level.yields):
        names |= d.expression_names(rule.quantity)
    return names & set(d.LIVE_VARIABLES)


def choices(model: d.Model, start: str, block: d.Block) -> tuple[str, ...]:
    """The levels a start point offers a block, in order of preference: the model's preset of
    that name; without one, "huidig" is today's level where the block has one, else its floor."""
    preset = model.presets.get(start)
    if preset is not None and preset.choices(block.code):
        return preset.choices(block.code)
    if start == CURRENT and block.current_level is not None:
        return (block.current_level.code, block.floor.code)
    return (block.floor.code,)


def preset_levels(
    model: d.Model, base: dict, params: dict[str, Decimal], start: str, *, estimated_now=False
) -> dict[str, str]:
    """The levels of a start point for an area. A "huidig" level is taken only when what it
    reads is known and not all zero (an area whose library is not on CLB has no collection in
    CLB, which says nothing about its library) and it can be computed; otherwise the next
    choice."""
    levels = {b.code: b.floor.code for b in model.blocks}
    for block in model.blocks:
        for choice in choices(model, start, block):
            level = block.level(choice)
            if level.current:
                seen = [base[name] for name in live_names(level)]
                if any(v is None for v in seen) or not any(seen):
                    continue
                try:
                    calculate(
                        model, base, params, {**levels, block.code: choice},
                        estimated_now=estimated_now,
                    )  # fmt: skip
                except (LevelUnavailable, ParameterProblem):
                    continue
            levels[block.code] = choice
            break
    return levels


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
