"""The cost model as data: building blocks (bouwstenen), their levels and cost drivers, the
parameters with source and year, and the variables they are computed from.

A model document (data/model.json, see data/README.md) is checked by schema.py and becomes a
`Model`.
Quantities are *expressions*: a sum of terms, each a product of names (parameters or variables),
optionally divided by names. In the file a term is a list of tokens: ``"name"`` multiplies,
``"/name"`` divides, a leading ``"-name"`` negates the term and ``"1"`` is the number one. No other
number may appear in an expression, so every number the model uses is a parameter with a source.

Nothing here touches the database; loader.py stores a checked model in tables and reads it back.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

# Variables the code computes (sizes.py, live.py, engine.py). The model file must declare exactly
# these, with a name and a source, so every number shown has a label and an origin.
AREA_VARIABLES = (
    "inwoners",
    "inwoners_0_17",
    "oppervlakte_km2",
    "gemeenten",
    "spreiding_km",
    "vestigingen_bereik",
    "vestigingen_nodig",
    "kernen_servicepunt",
    "kernen_bushalte",
    "inwoners_buiten_bereik",
)
LIVE_VARIABLES = (
    "vestigingen_nu",
    "bemande_uren_vestigingen_nu",
    "servicepunten_nu",
    "bemande_uren_servicepunten_nu",
    "collectie_nu",
    "leden_nu",
    "uitleningen_12m",
    "ido_contacten_12m",
    "cursussen_12m",
    "cursisten_12m",
    "activiteiten_12m",
)
CONSEQUENCE_VARIABLES = ("vestigingen_nieuw", "vestigingen_verruimd", "uren_direct")
# Consequences of the other blocks' cost lines: the staff hours a year of every block that does
# not use them itself (management and support are sized on the direct hours, see engine.py).
LINE_CONSEQUENCES = ("uren_direct",)
# Scenario variables the engine reads to work out those consequences.
ENGINE_SCENARIO_VARIABLES = ("vestigingen", "uren_per_week")
CODE_KINDS = {"gebied": AREA_VARIABLES, "huidig": LIVE_VARIABLES, "gevolg": CONSEQUENCE_VARIABLES}
VARIABLE_KINDS = ("gebied", "huidig", "afgeleid", "scenario", "gevolg")

# Parameters the engine reads by name (for the geometry, the comparisons and the one-off
# contributions); the model file must provide them.
ENGINE_PARAMETERS = (
    "bereik_km",
    "inwoners_per_vestiging",
    "drempel_inwoners_servicepunt",
    "drempel_inwoners_bushalte",
    "subsidie_per_inwoner",
    "lasten_per_inwoner",
    "spuk_min_extra_uren",
    "spuk_dekking",
)
ENGINE_RULES = ("onderdrukken_onder", "live_dagen", "volledig_vanaf")
# The national comparison (national.py): real totals the model's "as now" run is held against.
CALIBRATION_RULES = ("landelijke_lasten", "landelijke_subsidie", "ijkmarge")
DRIVER_KINDS = ("personeel", "ruimte", "collectie", "vast", "inkomsten")
FORMAT = 1
VERSION = re.compile(r"\d{4}\.\d+")  # year.sequence, so versions sort as numbers


def version_key(version: str) -> tuple[int, int]:
    year, sequence = version.split(".")
    return int(year), int(sequence)


class ModelFileError(ValueError):
    """A model document that cannot be used; `problems` lists every "path: message"."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


# --- expressions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    negative: bool
    factors: tuple[str, ...]
    divisors: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return self.factors + self.divisors

    def tokens(self) -> list[str]:
        out = list(self.factors) or ["1"]
        if self.negative:
            out[0] = "-" + out[0]
        return out + ["/" + d for d in self.divisors]

    def text(self) -> str:
        body = " × ".join(self.factors) or "1"
        if self.divisors:
            body += " / " + " / ".join(self.divisors)
        return body


Expression = tuple[Term, ...]


def parse_term(tokens, where: str) -> Term:
    if not isinstance(tokens, list) or not all(isinstance(t, str) and t for t in tokens):
        raise ModelFileError(
            [f"{where}: een term is een lijst van namen, bijvoorbeeld ['inwoners', 'x']"]
        )
    negative = False
    factors, divisors = [], []
    for i, token in enumerate(tokens):
        if token.startswith("-"):
            if i:
                raise ModelFileError([f"{where}: '-' mag alleen voor de eerste naam van een term"])
            negative, token = True, token[1:]
        if token.startswith("/"):
            divisors.append(token[1:])
        elif token != "1":
            factors.append(token)
    bad = [n for n in factors + divisors if not n.isidentifier()]
    if bad:
        raise ModelFileError(
            [f"{where}: geen geldige naam: {', '.join(bad)} (getallen horen in parameters)"]
        )
    return Term(negative, tuple(factors), tuple(divisors))


def parse_expression(raw, where: str) -> Expression:
    if not isinstance(raw, list):
        raise ModelFileError([f"{where}: een uitdrukking is een lijst van termen"])
    return tuple(parse_term(t, f"{where}[{i}]") for i, t in enumerate(raw))


def expression_tokens(expr: Expression) -> list[list[str]]:
    return [t.tokens() for t in expr]


def expression_text(expr: Expression) -> str:
    if not expr:
        return "0"
    out = ""
    for i, term in enumerate(expr):
        sign = "− " if term.negative else ("+ " if i else "")
        out += (" " if i else "") + sign + term.text()
    return out


def expression_names(expr: Expression) -> frozenset[str]:
    return _names(tuple(expr))


@lru_cache(maxsize=4096)
def _names(expr: Expression) -> frozenset[str]:
    # Expressions are immutable tuples; the engine asks for the same ones many times a page.
    return frozenset(n for term in expr for n in term.names)


class UnknownValue(Exception):
    """A variable has no value (CLB does not know it)."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class ZeroDivisor(Exception):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def evaluate(expr: Expression, env: dict[str, Decimal | None]) -> Decimal:
    total = Decimal(0)
    for term in expr:
        value = Decimal(1)
        for name in term.factors:
            x = env[name]
            if x is None:
                raise UnknownValue(name)
            value *= x
        for name in term.divisors:
            x = env[name]
            if x is None:
                raise UnknownValue(name)
            if x == 0:
                raise ZeroDivisor(name)
            value /= x
        total += -value if term.negative else value
    return total


# --- the model --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    code: str
    name: str
    group: str
    value: Decimal
    unit: str
    year: int
    source: str
    estimate: bool
    minimum: Decimal | None = None
    maximum: Decimal | None = None


@dataclass(frozen=True)
class Variable:
    code: str
    kind: str
    name: str
    unit: str
    source: str = ""
    expression: Expression | None = None  # afgeleid
    default: Expression | None = None  # scenario
    people: bool = False  # counts people or what they did: small numbers are not shown
    # huidig: what the area has today estimated from national figures, for when CLB's own
    # register of the area is not complete (None: no national figure for it)
    estimate: Expression | None = None
    estimate_note: str = ""


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str
    cockpit_formula: str = ""
    cockpit_scale: str = ""
    cockpit_note: str = ""
    people: bool = False


@dataclass(frozen=True)
class Driver:
    label: str
    kind: str
    unit: str
    quantity: Expression
    price: Term


@dataclass(frozen=True)
class YieldRule:
    indicator: str
    quantity: Expression


@dataclass(frozen=True)
class Level:
    code: str
    name: str
    description: str = ""
    tier: int | None = None
    current: bool = False
    off: bool = False
    extends: str = ""
    sets: tuple[tuple[str, Expression], ...] = ()
    drivers: tuple[Driver, ...] = ()
    yields: tuple[YieldRule, ...] = ()


@dataclass(frozen=True)
class Block:
    code: str
    name: str
    function: str
    priority: int
    description: str = ""
    active_if: str = ""
    drivers: tuple[Driver, ...] = ()
    yields: tuple[YieldRule, ...] = ()
    levels: tuple[Level, ...] = ()

    def level(self, code: str) -> Level | None:
        return next((lv for lv in self.levels if lv.code == code), None)

    @property
    def ladder(self) -> list[Level]:
        """The levels budget fitting climbs, lowest tier first ("huidig" is not on it)."""
        return sorted((lv for lv in self.levels if not lv.current), key=lambda lv: lv.tier)

    @property
    def floor(self) -> Level:
        return self.ladder[0]

    @property
    def current_level(self) -> Level | None:
        return next((lv for lv in self.levels if lv.current), None)

    def _chain(self, level: Level) -> list[Level]:
        chain = [level]
        while chain[-1].extends:
            chain.append(self.level(chain[-1].extends))
        return list(reversed(chain))

    def drivers_of(self, level: Level) -> list[Driver]:
        if level.off:
            return []
        return list(self.drivers) + [d for lv in self._chain(level) for d in lv.drivers]

    def yields_of(self, level: Level) -> list[YieldRule]:
        """Block-wide yields, replaced per indicator by those of the level (and what it extends)."""
        if level.off:
            return []
        rules = {y.indicator: y for y in self.yields}
        for lv in self._chain(level):
            rules.update({y.indicator: y for y in lv.yields})
        return list(rules.values())

    def sets_of(self, level: Level) -> dict[str, Expression]:
        out: dict[str, Expression] = {}
        for lv in self._chain(level):
            out.update(dict(lv.sets))
        return out


@dataclass(frozen=True)
class OneOff:
    label: str
    unit: str
    quantity: Expression
    price: Term


@dataclass(frozen=True)
class SizeClass:
    low: int
    high: int | None
    name: str

    def holds(self, inhabitants: int) -> bool:
        return self.low <= inhabitants and (self.high is None or inhabitants < self.high)


@dataclass(frozen=True)
class Preset:
    """A named scenario of the model ("basis", "ambitie", "huidig"): per block the levels in order
    of preference; the first one that can be computed with the data at hand is taken (a "huidig"
    level needs what it reads to be known)."""

    code: str
    name: str
    description: str
    levels: tuple[tuple[str, tuple[str, ...]], ...]

    def choices(self, block: str) -> tuple[str, ...]:
        return dict(self.levels).get(block, ())


@dataclass(frozen=True)
class Rule:
    code: str
    value: Decimal
    unit: str
    year: int
    source: str


@dataclass(frozen=True)
class Model:
    version: str
    title: str
    note: str
    checksum: str
    parameters: dict[str, Parameter]
    variables: dict[str, Variable]
    indicators: dict[str, Indicator]
    blocks: tuple[Block, ...]
    one_off: tuple[OneOff, ...]
    size_classes: tuple[SizeClass, ...]
    size_class_source: str
    rules: dict[str, Rule] = field(default_factory=dict)
    presets: dict[str, Preset] = field(default_factory=dict)

    def block(self, code: str) -> Block | None:
        return next((b for b in self.blocks if b.code == code), None)

    def size_class(self, inhabitants: int) -> SizeClass:
        return next(c for c in self.size_classes if c.holds(int(inhabitants)))

    def rule(self, code: str) -> Decimal:
        return self.rules[code].value

    def variables_of(self, kind: str) -> list[Variable]:
        return [v for v in self.variables.values() if v.kind == kind]


def plain(value: Decimal | None) -> Decimal | None:
    """Without trailing zeros and never in exponent notation (2E+2 becomes 200)."""
    if value is None:
        return None
    value = Decimal(value).normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value
