"""Comparisons for a scenario result:

* peers: the same levels and parameters applied to every municipality of the area's size class,
  each with its own size (and, for "huidig" levels, its own live data) — where does this area's
  cost per inhabitant fall among them;
* the cockpit: reach and use the cockpit measured last calendar year for this area and for its
  size class, scaled to this area, next to what the scenario's levels are expected to yield.

The cockpit is another room; if its engine cannot be used here the comparison says so instead of
failing the page."""

import dataclasses
import logging
import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from clb import clock
from clb.cockpit import definitions as cd
from clb.cockpit import engine as ce
from clb.cockpit import formulas, regions
from clb.network.models import Municipality
from clb.statistics import periods

from . import engine
from .engine import Result
from .services import live_names

log = logging.getLogger("clb.costmodel")


@dataclass
class PeerComparison:
    size_class: str
    values: list[tuple[str, Decimal]]  # (municipality name, net cost per inhabitant)
    # peers without live data for a "huidig" level, where it cannot be computed, or where the
    # subsidy would be zero or less (no answer)
    skipped: int

    @property
    def median(self) -> Decimal | None:
        if not self.values:
            return None
        return engine.money(Decimal(statistics.median(v for _n, v in self.values)))

    @property
    def count(self) -> int:
        return len(self.values)


def peers(result: Result, *, at=None) -> PeerComparison:
    low, high = result.size_class.low, result.size_class.high
    qs = Municipality.objects.filter(inhabitants__gte=low)
    if high is not None:
        qs = qs.filter(inhabitants__lt=high)
    municipalities = list(qs.order_by("name"))
    data = engine.AreaData(municipalities, result.model, at=at)
    # Blocks at today's level compare only with peers CLB has live data for ("as now" means
    # nothing for a municipality whose library is not on CLB yet).
    live_needed = [
        live_names(block.level(result.levels[block.code]))
        for block in result.model.blocks
        if block.level(result.levels[block.code]).current
    ]
    values, skipped = [], 0
    for m in municipalities:
        if not m.inhabitants:
            continue
        base = data.base(result.parameters, m)
        if any(not any(base[name] for name in names) for names in live_needed if names):
            skipped += 1
            continue
        try:
            net = engine.net_cost(result.model, base, result.parameters, result.levels)
        except (engine.LevelUnavailable, engine.ParameterProblem):
            skipped += 1
            continue
        if net <= 0:  # no answer for an inhabited municipality (Result.net_is_answer)
            skipped += 1
            continue
        values.append((m.name, engine.money(net / m.inhabitants)))
    return PeerComparison(result.size_class.name, values, skipped)


@dataclass
class Benchmark:
    indicator: str
    name: str
    unit: str
    scenario: Decimal | None  # what the scenario's levels yield
    area_now: float | None  # the cockpit's figure for this area, scaled
    size_class: float | None  # the size class's rate, scaled to this area
    suppressed: bool = False
    note: str = ""


@dataclass
class Benchmarks:
    period: str = ""
    group_name: str = ""
    rows: list[Benchmark] = field(default_factory=list)
    unavailable: str = ""


def cockpit(result: Result, *, at=None) -> Benchmarks:
    try:
        return _cockpit(result, at=at)
    except (ImportError, AttributeError, TypeError, LookupError) as exc:
        # Another room's interface changed or is missing: say so, keep the page.
        log.warning("cost model: cockpit comparison unavailable: %s", exc)
        return Benchmarks(unavailable=_("De cockpitcijfers zijn hier niet beschikbaar."))


def _area_region(geo, regions, area):
    if area.organisation is not None:
        return geo.region(regions.ORG_PREFIX + area.organisation.code)
    if len(area.municipalities) == 1:
        return geo.region(area.codes[0])
    return regions.Region(
        "group:" + ",".join(area.codes),
        "group",
        area.name,
        members=tuple(geo.region(c) for c in area.codes),
    )


def _size_class_group(geo, regions, region, inhabitants: int):
    if region.kind != "group":
        return geo.size_class_group(region)
    label = regions.size_class(inhabitants)
    members = tuple(
        r for r in geo.all_municipalities() if regions.size_class(geo.inhabitants(r)) == label
    )
    name = _("gemeenten met %(size)s inwoners") % {"size": label}
    return regions.Region(f"class:municipality:{label}", "group", name, members=members)


def _scaled(figure, factor: float | None) -> float | None:
    """A cockpit rate (per inhabitant) as a number for this area; None if not shown."""
    if figure.shown is None or factor is None:
        return None
    return figure.shown * factor


def _cockpit(result: Result, *, at=None) -> Benchmarks:
    wanted = [i for i in result.model.indicators.values() if i.cockpit_formula]
    allowed = set(cd.MEASURES) | set(cd.CONSTANTS)
    template = cd.INDICATORS[0]
    indicators = {}
    for ind in wanted:
        if not set(formulas.names(ind.cockpit_formula)) <= allowed:
            continue
        indicators[ind.code] = dataclasses.replace(
            template,
            code=f"costmodel_{ind.code}",
            name=ind.name,
            formula=ind.cockpit_formula,
            breakdown=None,
            target=None,
            ambition=None,
            items=None,
            decimals=6,
        )
    geo = regions.Geography()
    region = _area_region(geo, regions, result.area)
    group = _size_class_group(geo, regions, region, int(result.inhabitants))
    period = periods.parse(str(clock.today(at).year - 1))
    from clb.cockpit.caveats import Caveats

    view = ce.Cockpit(
        [region, group], [period], geo=geo, indicators=list(indicators.values()), at=at,
        caveats=Caveats(geo, at=at),
    )  # fmt: skip
    yields = result.yields
    out = Benchmarks(period=period.label, group_name=str(group.name))
    for code, ind in indicators.items():
        spec = result.model.indicators[code]
        scale = result.values.get(spec.cockpit_scale)
        here, peers_fig = view.figure(ind, region, period), view.figure(ind, group, period)
        factor = float(scale) if scale is not None else None
        out.rows.append(
            Benchmark(
                code,
                spec.name,
                spec.unit,
                yields[code].value if code in yields else None,
                _scaled(here, factor),
                _scaled(peers_fig, factor),
                here.suppressed or peers_fig.suppressed,
                # "gesimuleerd" where the cockpit's figures are (clb load-demo --national)
                "; ".join(
                    dict.fromkeys(
                        filter(None, (spec.cockpit_note, *here.caveats, *peers_fig.caveats))
                    )
                ),
            )  # fmt: skip
        )
    return out
