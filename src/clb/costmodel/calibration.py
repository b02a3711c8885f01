"""The model against the country: every municipality "as now", from the national figures, added
up and held against what the public libraries really cost and received in 2022; and the default
scenario (the Wsob basic provision) for every municipality, as a distribution of cost per
inhabitant by size class.

The "as now" run reads nothing from CLB's own register: every municipality's figures are the
model's national estimates (national.py), so the run answers "does the model, fed with the real
national aggregates, reproduce the real national totals?". The model's rules hold the real
totals (`landelijke_lasten`, `landelijke_subsidie`) and the band (`ijkmarge`). The run takes a
few seconds; pages use `cached()`, which is keyed on the model version and the reference data."""

import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clb.network.models import Municipality, PostcodeArea

from . import definitions as d
from . import engine, loader
from .services import parameters_with

PRESET_NOW, PRESET_BASIC = engine.CURRENT, "basis"


class CalibrationUnavailable(Exception):
    """The model has no national totals to be held against (an older or a test model)."""


@dataclass(frozen=True)
class Check:
    label: object  # a lazily translated text
    model: Decimal
    real: Decimal
    margin: Decimal

    @property
    def deviation(self) -> Decimal:
        """(model − real) / real."""
        return (self.model - self.real) / self.real

    @property
    def within(self) -> bool:
        return abs(self.deviation) <= self.margin


@dataclass(frozen=True)
class SizeRow:
    size_class: str
    count: int
    median: Decimal
    low: Decimal
    high: Decimal
    low_name: str
    high_name: str


@dataclass
class Run:
    """One preset for every inhabited municipality, added up."""

    preset: str
    municipalities: int = 0
    inhabitants: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    income: Decimal = Decimal(0)
    staff_hours: Decimal = Decimal(0)
    blocks: dict[str, Decimal] = field(default_factory=dict)  # block name → cost
    kinds: dict[str, Decimal] = field(default_factory=dict)  # cost kind → amount
    per_inhabitant: list[tuple[str, int, Decimal]] = field(default_factory=list)

    @property
    def net(self) -> Decimal:
        return self.cost - self.income


@dataclass
class Calibration:
    model: d.Model
    now: Run
    basic: Run
    checks: list[Check]
    distribution: list[SizeRow]
    fte_real: Decimal | None
    hours_per_fte: Decimal | None

    @property
    def within(self) -> bool:
        return all(c.within for c in self.checks)

    @property
    def fte_model(self) -> Decimal | None:
        if not self.hours_per_fte:
            return None
        return engine.money(self.now.staff_hours / self.hours_per_fte)


def _rule(model: d.Model, code: str) -> Decimal | None:
    rule = model.rules.get(code)
    return rule.value if rule is not None else None


def _add(run: Run, m: Municipality, blocks: list[engine.BlockResult]) -> None:
    cost = sum((b.cost for b in blocks), Decimal(0))
    run.municipalities += 1
    run.inhabitants += m.inhabitants
    run.cost += cost
    run.income += sum((b.income for b in blocks), Decimal(0))
    for b in blocks:
        run.blocks[b.name] = run.blocks.get(b.name, Decimal(0)) + b.cost
        for ln in b.lines:
            if ln.is_income:
                continue
            run.kinds[ln.kind] = run.kinds.get(ln.kind, Decimal(0)) + ln.amount
            if ln.kind == "personeel":
                run.staff_hours += ln.quantity
    run.per_inhabitant.append((m.name, m.inhabitants, engine.money(cost / m.inhabitants)))


def distribution(model: d.Model, run: Run) -> list[SizeRow]:
    """Cost per inhabitant by size class: median and range, with the municipalities at either end."""
    rows = []
    for size in model.size_classes:
        members = sorted(
            ((v, name) for name, n, v in run.per_inhabitant if size.holds(n)), key=lambda x: x[0]
        )
        if not members:
            continue
        values = [v for v, _n in members]
        rows.append(
            SizeRow(
                size.name,
                len(members),
                engine.money(Decimal(statistics.median(values))),
                members[0][0],
                members[-1][0],
                members[0][1],
                members[-1][1],
            )
        )
    return rows


def run(*, overrides: dict | None = None, version: str | None = None, at=None) -> Calibration:
    """Both presets for every inhabited municipality in CLB's reference data."""
    model = loader.load(version)
    missing = [c for c in d.CALIBRATION_RULES if c not in model.rules]
    if missing or not {PRESET_NOW, PRESET_BASIC} <= set(model.presets):
        raise CalibrationUnavailable(
            _("Kostenmodel %(version)s heeft geen landelijke ijkcijfers.")
            % {"version": model.version}
        )
    params, _clean = parameters_with(model, overrides)
    municipalities = list(Municipality.objects.filter(inhabitants__gt=0).order_by("name"))
    data = engine.AreaData(municipalities, model, at=at, now=engine.NOW_NATIONAL)
    now, basic = Run(PRESET_NOW), Run(PRESET_BASIC)
    for m in municipalities:
        base = data.base(params, m)
        for target in (now, basic):
            levels = engine.preset_levels(model, base, params, target.preset, estimated_now=True)
            _env, blocks = engine.calculate(model, base, params, levels, estimated_now=True)
            _add(target, m, blocks)
    margin = model.rule("ijkmarge")
    # Lazy labels: a cached run is shown in whatever language the page is in.
    checks = [
        Check(gettext_lazy("totale lasten"), now.cost, model.rule("landelijke_lasten"), margin),
        Check(gettext_lazy("subsidie"), now.net, model.rule("landelijke_subsidie"), margin),
    ]
    return Calibration(
        model,
        now,
        basic,
        checks,
        distribution(model, basic),
        _rule(model, "landelijke_fte"),
        _rule(model, "uren_per_fte"),
    )


def reference_fingerprint() -> tuple:
    """What the national run depends on besides the model: the municipalities and where their
    inhabitants live. Cheap enough to ask on every page view."""
    towns = Municipality.objects.aggregate(
        n=Count("pk"),
        people=Sum("inhabitants"),
        young=Sum("inhabitants_0_17"),
        area=Sum("area_km2"),
    )
    pc4 = PostcodeArea.objects.aggregate(n=Count("pk"), people=Sum("inhabitants"))
    return (*towns.values(), *pc4.values())


def cached(version: str | None = None) -> Calibration:
    row = loader.version_row(version)
    return _cached(row.version, row.checksum, reference_fingerprint())


@lru_cache(maxsize=4)
def _cached(version: str, _checksum: str, _fingerprint: tuple) -> Calibration:
    return run(version=version)
