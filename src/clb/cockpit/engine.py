"""Evaluating the indicator definitions for regions and periods.

A measure in a period becomes a *cube*: its values summed per municipality and per organisation
(the atoms), so the value of the country, a province, a municipality or an organisation — and of
all their parts at once — is a cheap combination of atoms. Closed periods read the measure values
frozen when they closed (closing.py) instead of computing them.

Suppression happens here, once, on the figures every view and export receives."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from clb import clock
from clb.statistics.models import ClosedPeriod
from clb.statistics.periods import Period

from . import formulas
from .definitions import (
    CONSTANTS,
    DIMENSIONS,
    INDICATORS,
    MEASURES,
    SUPPRESS_BELOW,
    Indicator,
    key_label,
)
from .facts import FACTS, FOCUSABLE, Facts, Scope
from .final_figures import FINAL
from .models import FrozenMeasures
from .regions import NATIONAL, Geography, Region

TOTAL = ""
_HIDDEN_WHEN_EMPTY = {"", "unknown"}


@dataclass
class Figure:
    indicator: Indicator
    region: Region
    period: Period
    key: str  # TOTAL, or a key of the indicator's breakdown
    value: float | None  # None: no data or not applicable
    suppressed: bool
    final: bool
    items: tuple[str, ...] = field(default=())
    # What a reader must know besides the value: "register onvolledig: …", "gesimuleerd".
    caveats: tuple[str, ...] = field(default=())

    @property
    def key_label(self) -> str:
        return key_label(self.indicator.breakdown, self.key) if self.key else ""

    @property
    def shown(self) -> float | None:
        """The value anyone may see: None when suppressed."""
        return None if self.suppressed else self.value


def measure_requests(indicators) -> set[tuple[str, str | None]]:
    """(measure, breakdown) pairs the indicators need; totals always included."""
    needed = set()
    for ind in indicators:
        for name in formulas.names(ind.formula):
            if name in MEASURES:
                needed.add((name, None))
                if ind.breakdown in MEASURES[name].breakdowns:
                    needed.add((name, ind.breakdown))
        if ind.items:
            needed.add((ind.items, None))
    return needed


def query_plan(requests) -> dict[tuple[str, str | None], tuple[str, tuple, dict]]:
    """Which query serves each (measure, breakdown): one query per fact, grouped by the
    dimensions its measures need and restricted to the values all of them filter on (e.g. only
    checkouts, renewals and holds), so it returns few rows."""
    wanted: dict = defaultdict(set)
    for code, breakdown in requests:
        m = MEASURES[code]
        wanted[m.fact] |= set(m.where) | ({breakdown} if breakdown else set())
    groups: dict = defaultdict(list)
    for code, breakdown in requests:
        fact = MEASURES[code].fact
        dims = tuple(d for d in FACTS[fact].dims if d in wanted[fact])
        groups[(fact, dims)].append((code, breakdown))
    plan = {}
    for (fact, dims), members in groups.items():
        only: dict | None = None
        for code, _breakdown in members:
            where = {
                d: set(v) if isinstance(v, tuple) else {v} for d, v in MEASURES[code].where.items()
            }
            only = where if only is None else {d: only[d] | where[d] for d in only if d in where}
        for request in members:
            plan[request] = (fact, dims, only or {})
    return plan


class Cube:
    """One measure (optionally broken down) in one period, summed per municipality and per
    organisation."""

    def __init__(
        self,
        geo: Geography,
        code: str,
        breakdown,
        rows,
        dims,
        period: Period,
        available=None,
        focus: Region | None = None,
    ):
        self.geo = geo
        # Rows already summed over one region (Facts.rows with a focus) serve that region only.
        self.focus = focus
        self.measure = m = MEASURES[code]
        spec = FACTS[m.fact]
        self.per_municipality = spec.per_municipality
        position = {d: 3 + i for i, d in enumerate(dims)}
        distinct = m.aggregate != "sum"
        if not distinct:
            value_at = 3 + len(dims) + spec.values.index(m.value)
            org_value_at = 3 + len(dims) + spec.values.index(m.org_value or m.value)
        halves = set(period.half_years)
        rows = [r for r in rows if r[0] in halves]
        if available is not None:  # reported per period: the last report inside it
            halves &= available
            self.known = bool(halves)
            rows = [r for r in rows if halves and r[0] == max(halves)]
        else:
            self.known = True
            if spec.stock and rows:
                latest = max(r[0] for r in rows)
                rows = [r for r in rows if r[0] == latest]
        # Organisations that reported at all (before filtering): for others it is unknown.
        self.reporting = {r[2] for r in rows} if spec.reported == "organisation" else None
        self.muni: dict = defaultdict(lambda: defaultdict(set if distinct else float))
        self.org: dict = defaultdict(lambda: defaultdict(set if distinct else float))
        checks = [
            (position[d], want if isinstance(want, tuple) else (want,))
            for d, want in m.where.items()
        ]
        at = position.get(breakdown)
        if focus is not None and not focus.is_geographic:
            value_at = org_value_at if not distinct else None
        if checks:
            rows = [r for r in rows if all(r[i] in wanted for i, wanted in checks)]
        for r in rows:
            key = TOTAL if at is None else (r[at] or "")
            if distinct:
                member = r[2] if m.aggregate == "organisations" else r[1]
                self.muni[r[1]][key].add(member)
                if r[2] is not None:
                    self.org[r[2]][key].add(member)
            else:
                self.muni[r[1]][key] += r[value_at]
                if r[2] is not None:
                    self.org[r[2]][key] += r[org_value_at]
        self._combined: dict = {}

    def _organisation_ids(self, region: Region) -> list[int] | None:
        """Organisations whose own atoms make up the region; None for geographic regions."""
        if region.is_geographic or self.per_municipality:
            return None
        orgs = region.members if region.kind == "group" else (region,)
        return [self.geo.organisation_of(r).id for r in orgs]

    def _atoms(self, region: Region):
        if self.focus is not None:
            if region.code != self.focus.code:
                raise ValueError(f"{self.measure.code}: summed for {self.focus.code} only")
            return list(self.muni.values())
        org_ids = self._organisation_ids(region)
        if org_ids is not None:
            return [self.org[i] for i in org_ids if i in self.org]
        codes = self.geo.municipalities_of(region)
        if codes is None:
            return list(self.muni.values())
        return [self.muni[c] for c in codes if c in self.muni]

    def combined(self, region: Region) -> dict:
        if region.code not in self._combined:
            acc: dict = defaultdict(set) if self.measure.aggregate != "sum" else defaultdict(float)
            for atom in self._atoms(region):
                for key, value in atom.items():
                    if isinstance(value, set):
                        acc[key] |= value
                    else:
                        acc[key] += value
            self._combined[region.code] = acc
        return self._combined[region.code]

    def _known(self, region: Region) -> bool:
        if not self.known:
            return False
        if self.reporting is None:
            return True
        org_ids = self._organisation_ids(region)
        if org_ids is None:
            codes = self.geo.municipalities_of(region)
            org_ids = [
                o.id
                for o in self.geo.organisations.values()
                if codes is None or o.municipalities & codes or not o.municipalities
            ]
            if codes is not None:
                org_ids = [i for i in org_ids if self.geo.organisations[i].municipalities & codes]
        return bool(self.reporting & set(org_ids))

    def values(self, region: Region) -> dict[str, float] | None:
        if not self._known(region):
            return None
        out = {
            key: float(len(v)) if isinstance(v, set) else v
            for key, v in self.combined(region).items()
        }
        if TOTAL not in out:
            out[TOTAL] = sum(out.values()) if out else 0.0
        return out

    def items(self, region: Region) -> list[str]:
        members = set().union(*self.combined(region).values()) if self.combined(region) else set()
        if self.measure.aggregate == "organisations":
            return sorted(self.geo.organisations[i].name for i in members)
        return sorted(
            self.geo.municipalities[c].name for c in members if c in self.geo.municipalities
        )


class LiveValues:
    """Measure values computed from the facts."""

    def __init__(
        self,
        geo: Geography,
        scope: Scope,
        halves,
        requests,
        today: date,
        with_org: bool = True,
        focus: Region | None = None,
        closed: frozenset = frozenset(),
        others: bool = True,
    ):
        """`closed`: half-years whose figures normally come from what was frozen when they
        closed; they are fetched only if a period of theirs is asked for here after all.
        `others`: regions besides the focus are asked for (their figures per municipality)."""
        self.geo = geo
        self.scope, self.today = scope, today
        self.halves = frozenset(halves)
        self.open_halves = self.halves - closed
        self._facts: dict[frozenset, Facts] = {}
        # With a focus, breakdowns come summed over the focus region; the rest needs totals.
        self.plan = query_plan(
            {(code, None) for code, _b in requests} if focus is not None else requests
        )
        self.focus_plan = query_plan(requests)
        # Without organisations to show, the large sources are summed over them in SQL.
        self.with_org = with_org
        # Breakdowns are shown for one region only (the dashboard's): fetch them summed over it.
        self.focus = focus
        self.focus_scope = scope_for(geo, [focus]) if focus is not None else None
        self._cubes: dict = {}
        # What the cubes will ask of the facts: the groupings of a tally are read together.
        self.expected = [
            (fact, dims, only, False, self.focus_scope)
            for fact, dims, only in self.focus_plan.values()
            if focus is not None
        ]
        if focus is None or others:
            self.expected += [
                (fact, dims, only, with_org or MEASURES[code].aggregate == "organisations", None)
                for (code, _b), (fact, dims, only) in self.plan.items()
            ]

    def facts_for(self, period: Period) -> Facts:
        """The facts of the half-years not closed, or of all when `period` needs a closed one.
        A cube keeps only its period's rows, so either gives the same figures."""
        wanted = self.open_halves if set(period.half_years) <= self.open_halves else self.halves
        if wanted not in self._facts:
            self._facts[wanted] = Facts(self.geo, self.scope, wanted, today=self.today)
            self._facts[wanted].expect(self.expected)
        return self._facts[wanted]

    def cube(self, period: Period, code: str, breakdown, region: Region | None = None) -> Cube:
        fact = MEASURES[code].fact
        facts = self.facts_for(period)
        # Everything asked for the focus region comes summed over it; per-municipality rows are
        # fetched only for what other regions (parts, map, size class) need.
        focused = (
            self.focus is not None
            and region is not None
            and region.code == self.focus.code
            and fact in FOCUSABLE
        )
        key = (period.code, code, breakdown, focused)
        if key not in self._cubes:
            if focused:
                _fact, dims, only = (
                    self.focus_plan.get((code, breakdown))
                    or query_plan([(code, breakdown)])[(code, breakdown)]
                )
                rows = facts.rows(fact, dims, only, False, focus=self.focus_scope)
            else:
                _fact, dims, only = (
                    self.plan.get((code, breakdown))
                    or query_plan([(code, breakdown)])[(code, breakdown)]
                )
                needs_org = self.with_org or MEASURES[code].aggregate == "organisations"
                rows = facts.rows(fact, dims, only, needs_org)
            self._cubes[key] = Cube(
                self.geo,
                code,
                breakdown,
                rows,
                dims,
                period,
                facts.available_halves(fact),
                self.focus if focused else None,
            )
        return self._cubes[key]

    def measure(self, period, region, code, breakdown=None):
        return self.cube(period, code, breakdown, region).values(region)

    def items(self, period, region, code):
        return self.cube(period, code, None).items(region)

    def national_inhabitants(self, period) -> float:
        return float(sum(m.inhabitants for m in self.geo.municipalities.values()))


def _frozen_key(code: str, breakdown) -> str:
    return f"{code}|{breakdown or ''}"


class FrozenValues:
    """Measure values of closed periods, as stored when they closed. A group (size class) adds
    up its members' stored values."""

    def __init__(self, period: Period, regions):
        self.period = period
        self.codes = {NATIONAL}
        for r in regions:
            self.codes |= {m.code for m in r.members} if r.kind == "group" else {r.code}
        self._stored = None

    @property
    def stored(self) -> dict:
        """Read when first needed: a page whose final figures are all kept in memory
        (final_figures.py) never reads them."""
        if self._stored is None:
            self._stored = {
                f.region: f.values
                for f in FrozenMeasures.objects.filter(
                    period=self.period.code, region__in=self.codes
                )
            }
        return self._stored

    def has(self, region: Region) -> bool:
        if region.kind == "group":
            return all(m.code in self.stored for m in region.members)
        return region.code in self.stored

    def measure(self, period, region, code, breakdown=None):
        if region.kind != "group":
            return self.stored[region.code]["measures"].get(_frozen_key(code, breakdown))
        if MEASURES[code].aggregate != "sum":
            return {TOTAL: float(len(self.items(period, region, code)))}
        parts = [self.measure(period, m, code, breakdown) for m in region.members]
        parts = [p for p in parts if p is not None]
        if not parts:
            return None
        total: dict = defaultdict(float)
        for part in parts:
            for key, value in part.items():
                total[key] += value
        return dict(total)

    def items(self, period, region, code):
        if region.kind == "group":
            return sorted(set().union(*(self.items(period, m, code) for m in region.members)))
        return self.stored[region.code]["items"].get(code, [])

    def national_inhabitants(self, period) -> float:
        return self.stored[NATIONAL]["measures"][_frozen_key("inhabitants", None)][TOTAL]


def freeze(values: LiveValues, period: Period, region: Region, requests) -> dict:
    """What FrozenValues later reads back for this region."""
    measures = {}
    items = {}
    for code, breakdown in requests:
        measures[_frozen_key(code, breakdown)] = values.measure(period, region, code, breakdown)
        if MEASURES[code].aggregate != "sum" and breakdown is None:
            items[code] = values.items(period, region, code)
    return {"measures": measures, "items": items}


def scope_for(geo: Geography, regions) -> Scope:
    """The least data that covers all regions."""
    regions = [m for r in regions for m in (r.members if r.kind == "group" else (r,))]
    if not regions or any(r.kind == "country" for r in regions):
        return Scope()
    if all(r.kind == "organisation" for r in regions):
        orgs = [geo.organisation_of(r) for r in regions]
        return Scope(
            municipalities=frozenset().union(*(o.municipalities for o in orgs)),
            organisations=frozenset(o.id for o in orgs),
        )
    if any(r.kind == "organisation" for r in regions):
        return Scope()
    return Scope(municipalities=frozenset().union(*(geo.municipalities_of(r) for r in regions)))


class Cockpit:
    """Figures for a set of regions and periods, fetched together (one per request or report)."""

    def __init__(
        self,
        regions,
        periods,
        *,
        geo: Geography | None = None,
        indicators=INDICATORS,
        at=None,
        focus: Region | None = None,
        caveats=None,
    ):
        """`focus`: the one region shown in full (breakdowns included); its figures are fetched
        summed over it in SQL. `caveats` (caveats.Caveats) marks figures a reader must read
        with care."""
        self.geo = geo or Geography()
        self.caveats = caveats
        self.regions = list(regions)
        self.periods = list(periods)
        self.indicators = list(indicators)
        self.requests = measure_requests(self.indicators)
        self.today = clock.today(at)
        # When each closed period closed: the figures kept of it (final_figures.py) carry it.
        self.closed_at = dict(
            ClosedPeriod.objects.filter(code__in=[p.code for p in self.periods]).values_list(
                "code", "closed_at"
            )
        )
        self.frozen = {
            p.code: FrozenValues(p, self.regions) for p in self.periods if p.code in self.closed_at
        }
        halves = {h for p in self.periods for h in p.half_years}
        open_halves = {
            h for p in self.periods if p.code not in self.closed_at for h in p.half_years
        }
        looks_at_organisations = any(not r.is_geographic for r in self.regions)
        self.live = LiveValues(
            self.geo,
            scope_for(self.geo, self.regions),
            halves,
            self.requests,
            self.today,
            with_org=looks_at_organisations,
            focus=focus,
            # A closed period's figures come from what was frozen: its half-years are not
            # fetched with the open ones (the trend's earlier half-years, the year before).
            closed=frozenset(halves - open_halves),
            others=focus is None or any(r.code != focus.code for r in self.regions),
        )

    def _source(self, period: Period, region: Region):
        frozen = self.frozen.get(period.code)
        if frozen is not None and frozen.has(region) and frozen.has(self.geo.region(NATIONAL)):
            return frozen, True
        return self.live, False

    def figures(self, region: Region, period: Period, indicators=None) -> list[Figure]:
        out = []
        for ind in indicators or self.indicators:
            out += self._marked(self._evaluated(ind, region, period))
        return out

    def figure(self, indicator: Indicator, region: Region, period: Period) -> Figure:
        """The total of one indicator (no breakdown rows)."""
        return self._marked(self._evaluated(indicator, region, period, totals_only=True))[0]

    def _evaluated(self, ind, region, period, totals_only=False) -> list[Figure]:
        """The indicator's figures; those of a closed period from memory once computed."""
        closed_at = self.closed_at.get(period.code)
        key = None
        if closed_at is not None and region.kind != "group":
            key = (period.code, closed_at, region.code, ind.code, totals_only)
            kept = FINAL.get(key)
            if kept is not None:
                return [
                    Figure(ind, region, period, key_, value, suppressed, True, items)
                    for key_, value, suppressed, items in kept
                ]
        source, final = self._source(period, region)
        figures = _evaluate(ind, region, period, source, final, totals_only)
        if key is not None and final:
            FINAL.put(key, tuple((f.key, f.value, f.suppressed, f.items) for f in figures))
        return figures

    def _marked(self, figures: list[Figure]) -> list[Figure]:
        if self.caveats is not None:
            for f in figures:
                f.caveats = self.caveats.of(f.indicator, f.region)
        return figures


def _environment(ind, region, period, source, breakdown):
    env, per_key = {}, {}
    for name in formulas.names(ind.formula):
        if name == "inhabitants_nl":
            env[name] = source.national_inhabitants(period)
        elif name == "period_years":
            env[name] = period.fraction_of_year
        elif name in MEASURES:
            totals = source.measure(period, region, name, None)
            env[name] = None if totals is None else totals.get(TOTAL, 0.0)
            if breakdown and breakdown in MEASURES[name].breakdowns:
                per_key[name] = source.measure(period, region, name, breakdown)
        else:
            raise formulas.FormulaError(f"{ind.code}: unknown name {name!r} (not in {CONSTANTS})")
    return env, per_key


def _small(ind, env: dict) -> bool:
    return any(
        name in MEASURES
        and MEASURES[name].suppress
        and env.get(name) is not None
        and env[name] < SUPPRESS_BELOW
        for name in formulas.names(ind.formula)
    )


def _evaluate(ind, region, period, source, final, totals_only=False) -> list[Figure]:
    breakdown = None if totals_only else ind.breakdown
    env, per_key = _environment(ind, region, period, source, breakdown)
    items = tuple(source.items(period, region, ind.items)) if ind.items else ()
    total = Figure(
        ind,
        region,
        period,
        TOTAL,
        formulas.evaluate(ind.formula, env),
        _small(ind, env),
        final,
        items,
    )
    if not breakdown:
        return [total]
    present = set()
    for values in per_key.values():
        present |= {k for k, v in (values or {}).items() if k != TOTAL and v}
    vocabulary = [code for code, _label in DIMENSIONS[breakdown][1]]
    keys = [k for k in vocabulary if k not in _HIDDEN_WHEN_EMPTY or k in present]
    keys += sorted(present - set(keys))
    rows = []
    for key in keys:
        key_env = dict(env)
        for name, values in per_key.items():
            key_env[name] = None if values is None else values.get(key, 0.0)
        rows.append(
            Figure(
                ind,
                region,
                period,
                key,
                formulas.evaluate(ind.formula, key_env),
                _small(ind, key_env),
                final,
            )
        )
    _suppress_complement(ind, total, rows)
    return [total] + rows


def _suppress_complement(ind, total: Figure, rows: list[Figure]) -> None:
    """Secondary suppression: when the parts of a count add up to a shown total, one hidden part
    could be recovered by subtraction, so the smallest other part is hidden as well."""
    if ind.formula not in MEASURES or total.suppressed:
        return
    hidden = [f for f in rows if f.suppressed]
    if len(hidden) != 1:
        return
    candidates = [f for f in rows if not f.suppressed and f.value is not None]
    if candidates:
        min(candidates, key=lambda f: f.value).suppressed = True
