"""Shaping results for the pages: rows for tables and data for the charts. No computing here
beyond arranging what the services returned (and hiding small counts of people)."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from . import definitions as d
from .engine import Result
from .services import live_names

KIND_LABELS = {
    "personeel": _("personeel"),
    "ruimte": _("huisvesting"),
    "collectie": _("collectie"),
    "vast": _("overige kosten"),
    "inkomsten": _("opbrengsten"),
}
COST_KINDS = ("personeel", "ruimte", "collectie", "vast")


def small(value, threshold: Decimal) -> bool:
    return value is not None and 0 < value < threshold


def shown(value, threshold: Decimal, people: bool) -> str | Decimal | None:
    """A count as it may be shown: counts of people below the threshold become "< 10"."""
    if people and small(value, threshold):
        return f"< {threshold}"
    return value


@dataclass
class LevelOption:
    code: str
    name: str
    selected: bool
    available: bool
    current: bool


@dataclass
class BlockRow:
    block: d.Block
    options: list[LevelOption]
    result: object  # engine.BlockResult or None
    yields: list[tuple[str, object, str]]  # (name, value shown, unit)


def block_rows(model: d.Model, levels: dict, result: Result | None, values: dict | None):
    threshold = model.rule("onderdrukken_onder")
    rows = []
    for block in model.blocks:
        options = []
        for level in block.levels:
            needed = live_names(level)
            available = values is None or all(values.get(n) is not None for n in needed)
            options.append(
                LevelOption(
                    level.code,
                    level.name,
                    levels.get(block.code) == level.code,
                    available,
                    level.current,
                )
            )
        res = result.block(block.code) if result else None
        yields = []
        if res is not None:
            for y in res.yields:
                people = model.indicators[y.indicator].people and res.is_current_level
                value = y.value.quantize(Decimal(1))
                yields.append((y.name, shown(value, threshold, people), y.unit))
        rows.append(BlockRow(block, options, res, yields))
    return rows


@dataclass
class ParameterRow:
    parameter: d.Parameter
    value: str  # what the form shows: the override, or empty (the default is the placeholder)
    overridden: bool


def parameter_groups(model: d.Model, overrides: dict) -> list[tuple[str, list[ParameterRow]]]:
    groups: dict[str, list[ParameterRow]] = {}
    for p in model.parameters.values():
        raw = overrides.get(p.code)
        groups.setdefault(p.group, []).append(
            ParameterRow(p, "" if raw is None else str(raw), raw is not None)
        )
    return list(groups.items())


def live_rows(result: Result) -> list[tuple[str, object, str, str]]:
    """What CLB knows today: (name, value shown or None for unknown, unit, source)."""
    threshold = result.model.rule("onderdrukken_onder")
    out = []
    for v in result.model.variables_of("huidig"):
        value = result.values.get(v.code)
        out.append((v.name, shown(value, threshold, v.people), v.unit, v.source))
    return out


def size_rows(result: Result) -> list[tuple[str, Decimal | None, str, str]]:
    rows = []
    for kind in ("gebied", "afgeleid", "scenario", "gevolg"):
        for v in result.model.variables_of(kind):
            value = result.values.get(v.code)
            if value is not None:
                value = value.quantize(Decimal("0.01")).normalize()
                value = value.quantize(Decimal(1)) if value == value.to_integral() else value
            rows.append((v.name, value, v.unit, v.source or d.expression_text(v.expression or ())))
    return rows


def _f(value) -> float:
    return float(value) if value is not None else 0.0


def charts(result: Result, peers=None) -> dict:
    names = [b.name for b in result.blocks]
    by_kind = [
        {
            "name": str(KIND_LABELS[kind]),
            "x": [_f(b.cost_of_kind(kind)) for b in result.blocks],
            "y": names,
        }
        for kind in COST_KINDS
    ]
    by_kind.append(
        {
            "name": str(KIND_LABELS["inkomsten"]),
            "x": [-_f(b.income) for b in result.blocks],
            "y": names,
        }
    )
    out = {
        "blocks": {"traces": by_kind, "title": _("Kosten per bouwsteen per jaar (€)")},
        "subsidy": {
            "x": [
                _("subsidie nodig"),
                _("huidige subsidie"),
                _("landelijk gemiddelde lasten"),
            ],
            "y": [
                _f(result.net) if result.net_is_answer else None,
                _f(result.current_subsidy),
                _f(result.national_cost),
            ],
            "title": _("Per jaar (€)"),
        },
    }
    if peers is not None and peers.values:
        out["peers"] = {
            "names": [n for n, _v in peers.values],
            "values": [_f(v) for _n, v in peers.values],
            "here": _f(result.net_per_inhabitant) if result.net_is_answer else None,
            "here_name": result.area.name,
            "title": _("Subsidie nodig per inwoner (€), gemeenten %(size)s")
            % {"size": peers.size_class},
        }
    return out


def compare_charts(items: list[tuple[object, Result]]) -> dict:
    if not items:
        return {}
    model = items[0][1].model
    names = [b.name for b in model.blocks]
    return {
        "blocks": {
            "traces": [
                {
                    "name": s.name,
                    "x": names,
                    "y": [
                        _f(r.block(b.code).net) if _has(r, b.code) else 0.0 for b in model.blocks
                    ],
                }
                for s, r in items
            ],
            "title": _("Netto kosten per bouwsteen per jaar (€)"),
        },
        "per_inhabitant": {
            "x": [s.name for s, _r in items],
            "needed": [_f(r.net_per_inhabitant) if r.net_is_answer else None for _s, r in items],
            "current": [_f(r.current_subsidy_per_inhabitant) for _s, r in items],
            "title": _("Per inwoner (€)"),
            "needed_name": _("subsidie nodig"),
            "current_name": _("huidige subsidie"),
        },
    }


def _has(result: Result, code: str) -> bool:
    return any(b.code == code for b in result.blocks)


def compare_rows(items: list[tuple[object, Result]]):
    """Side by side: per block the level and net cost in each scenario, then the totals and the
    yields. Scenarios saved with another model version may lack a block; that cell is empty."""
    if not items:
        return [], [], []
    blocks = []
    seen = []
    for _s, r in items:
        for b in r.blocks:
            if b.code not in seen:
                seen.append(b.code)
                blocks.append((b.code, b.name))
    block_rows = [
        (name, [r.block(code) if _has(r, code) else None for _s, r in items])
        for code, name in blocks
    ]
    totals = [
        (_("totale kosten per jaar"), [r.total_cost for _s, r in items]),
        (_("opbrengsten per jaar"), [r.total_income for _s, r in items]),
        (_("subsidie nodig per jaar"), [_answer(r, r.net) for _s, r in items]),
        (_("subsidie nodig per inwoner"), [_answer(r, r.net_per_inhabitant) for _s, r in items]),
        (_("huidige subsidie per jaar"), [r.current_subsidy for _s, r in items]),
        (_("verschil met huidige subsidie"), [_answer(r, r.difference) for _s, r in items]),
    ]
    indicators = []
    for _s, r in items:
        for code, y in r.yields.items():
            if code not in [c for c, _n, _u in indicators]:
                indicators.append((code, y.name, y.unit))
    yields = [
        (name, unit, [yield_shown(r, code) for _s, r in items]) for code, name, unit in indicators
    ]
    return block_rows, totals, yields


def _answer(result: Result, amount):
    """A subsidy figure, or None where the subsidy is no answer (Result.net_is_answer)."""
    return amount if result.net_is_answer else None


def yield_shown(result: Result, code: str):
    """A yield rounded to whole units; a count of people from live data below the threshold is
    not shown."""
    for b in result.blocks:
        for y in b.yields:
            if y.indicator == code:
                people = result.model.indicators[code].people and b.is_current_level
                threshold = result.model.rule("onderdrukken_onder")
                return shown(y.value.quantize(Decimal(1)), threshold, people)
    return None
