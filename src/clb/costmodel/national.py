"""What an area has today according to the national figures.

Every "huidig" (as now) variable of the model may carry an `estimate`: a formula over the area's
size and parameters that hold national aggregates with their source (757 branches in 2020, a
collection of 24.5 million in 2021, 306,000 activities in 2022 …), e.g. "one branch per
municipality plus the remaining branches in proportion to inhabitants". The formulas are in the
model file and on the model page; this module only evaluates them. They are linear in the area's
size, so a group of municipalities gets the sum of its members' estimates.

A variable without an estimate (IDO contacts, courses: no national count) stays unknown, and a
preset falls back to its next level for that block."""

from decimal import Decimal

from . import definitions as d


def estimates(
    model: d.Model, area: dict[str, Decimal], params: dict[str, Decimal]
) -> dict[str, Decimal | None]:
    """Every "huidig" variable estimated for an area (None where the model has no estimate).
    Estimates are evaluated in the model's order and may use the ones before them."""
    env: dict[str, Decimal | None] = {**params, **area, **dict.fromkeys(d.LIVE_VARIABLES)}
    out: dict[str, Decimal | None] = {}
    for v in model.variables_of("huidig"):
        value = None
        if v.estimate is not None:
            try:
                value = d.evaluate(v.estimate, env)
            except (d.UnknownValue, d.ZeroDivisor):
                value = None
        out[v.code] = env[v.code] = value
    return out


def has_estimates(model: d.Model) -> bool:
    return any(v.estimate is not None for v in model.variables_of("huidig"))
