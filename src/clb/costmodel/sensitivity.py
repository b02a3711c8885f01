"""Which parameters move an area's figures most: each parameter in turn a set share lower and
higher (the model's rule `gevoeligheid_marge`, within the parameter's bounds), the scenario's
levels unchanged, and the subsidy needed and the total cost computed again. Ranked by how far
the subsidy needed swings, this is the data of a tornado chart: a council sees which of its
choices and which assumptions matter."""

from dataclasses import dataclass
from decimal import Decimal

from . import definitions as d
from . import engine
from .engine import Result


@dataclass(frozen=True)
class Swing:
    parameter: d.Parameter
    value: Decimal  # as used in the scenario
    low: Decimal
    high: Decimal
    net_low: Decimal  # subsidy needed with the low value
    net_high: Decimal
    cost_low: Decimal  # total cost with the low value
    cost_high: Decimal

    @property
    def width(self) -> Decimal:
        return abs(self.net_high - self.net_low)

    @property
    def answer_low(self) -> Decimal | None:
        """The subsidy needed with the low value, None where it is no answer (zero or less)."""
        return self.net_low if self.net_low > 0 else None

    @property
    def answer_high(self) -> Decimal | None:
        return self.net_high if self.net_high > 0 else None


def _bounded(p: d.Parameter, value: Decimal) -> Decimal:
    if p.minimum is not None:
        value = max(value, p.minimum)
    if p.maximum is not None:
        value = min(value, p.maximum)
    return value


def _totals(data: engine.AreaData, model, params, levels) -> tuple[Decimal, Decimal] | None:
    base, now = data.base_and_now(params)
    try:
        _env, blocks = engine.calculate(model, base, params, levels, estimated_now=now.estimated)
    except (engine.LevelUnavailable, engine.ParameterProblem):
        return None  # this value makes the scenario impossible to compute: no bar
    cost = sum((b.cost for b in blocks), Decimal(0))
    return cost - sum((b.income for b in blocks), Decimal(0)), cost


def swings(result: Result, data: engine.AreaData) -> list[Swing]:
    """Every parameter that moves the subsidy needed, largest swing first; none when the
    scenario's own subsidy is no answer (Result.net_is_answer)."""
    if not result.net_is_answer:
        return []
    model = result.model
    share = model.rule("gevoeligheid_marge")
    out = []
    for code, p in model.parameters.items():
        value = result.parameters[code]
        low = _bounded(p, d.plain(value * (1 - share)))
        high = _bounded(p, d.plain(value * (1 + share)))
        if low == high:
            continue
        lower = _totals(data, model, {**result.parameters, code: low}, result.levels)
        upper = _totals(data, model, {**result.parameters, code: high}, result.levels)
        if lower is None or upper is None or lower[0] == upper[0]:
            continue
        out.append(Swing(p, value, low, high, lower[0], upper[0], lower[1], upper[1]))
    return sorted(out, key=lambda s: (-s.width, s.parameter.code))
