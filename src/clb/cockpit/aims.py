"""The covenant's aims (covenant.py) read for a region and period: the figure, the target in force,
the trend against the same period a year earlier and whether the region is on track — the first
page of the half-year report and the first screen of the dashboard. Then the differences between
the parts of a region: the best and worst municipalities of each size class, or a municipality
beside its size class.

Figures come from the one engine with its suppression: a suppressed figure is judged "no data"
and never ranked, so a light or a ranking reveals nothing a table would not."""

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clb import clock
from clb.network import cbs_distance
from clb.statistics.periods import Period, is_final, parse

from . import accessibility
from .covenant import ACCESSIBILITY, HIGHER, Aim, Covenant, Target, covenant_for
from .definitions import INDICATOR_BY_CODE
from .engine import Cockpit, Figure
from .regions import Geography, Region, size_class
from .tables import NO_DATA, SUPPRESSED, Table, cell, display, number

ON_TRACK, BEHIND, NO_DATA_STATUS = "on_track", "behind", "no_data"
STATUS_LABELS = {
    ON_TRACK: gettext_lazy("op koers"),
    BEHIND: gettext_lazy("achter"),
    NO_DATA_STATUS: gettext_lazy("geen gegevens"),
}
UP, DOWN, SAME = "up", "down", "same"
TREND_LABELS = {
    UP: gettext_lazy("stijgend"),
    DOWN: gettext_lazy("dalend"),
    SAME: gettext_lazy("gelijk"),
    None: gettext_lazy("geen vergelijking"),
}
# On pages; the PDF's font has no arrows, so the report says it in words only.
TREND_ARROWS = {UP: "↑", DOWN: "↓", SAME: "=", None: ""}
# Under three members a size class's figure would give the others' away (as on the dashboard).
MIN_GROUP = 3


def previous_period(period: Period) -> Period:
    """The same half-year or year, a year earlier."""
    return parse(period.code.replace(str(period.year), str(period.year - 1), 1))


@dataclass
class Value:
    """One figure of an aim: the exact value (for judging only) and what anyone may see."""

    value: float | None
    shown: object  # a number, "< 10" or "–"
    final: bool = False

    @property
    def known(self) -> bool:
        return self.shown not in (SUPPRESSED, NO_DATA) and self.value is not None


@dataclass
class Reading:
    aim: Aim
    region: Region
    period: Period
    now: Value
    before: Value
    before_period: Period
    target: Target | None
    unit: str
    decimals: int
    sources: list[str]
    beside: list[tuple[str, object]] = field(default_factory=list)  # e.g. CBS road distance
    # The aim's comparable ratio for the region and for its size class taken together (a
    # municipality or organisation beside those of its size, as the KB's monitor shows them).
    own_ratio: Value | None = None
    peers: Value | None = None
    ratio_unit: str = ""

    @property
    def trend(self) -> str | None:
        if not (self.now.known and self.before.known):
            return None
        now, before = float(self.now.shown), float(self.before.shown)
        return SAME if now == before else UP if now > before else DOWN

    @property
    def status(self) -> str:
        if not self.now.known:
            return NO_DATA_STATUS
        if self.target is not None:
            value = float(self.now.shown)
            meets = (
                value >= self.target.value
                if self.aim.direction == HIGHER
                else (value <= self.target.value)
            )
            return ON_TRACK if meets else BEHIND
        if self.trend is None:
            return NO_DATA_STATUS
        good = UP if self.aim.direction == HIGHER else DOWN
        return ON_TRACK if self.trend in (good, SAME) else BEHIND

    @property
    def arrow(self) -> str:
        return TREND_ARROWS[self.trend]

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def trend_text(self) -> str:
        if self.trend is None:
            return str(TREND_LABELS[None])
        return _("%(trend)s (%(period)s: %(value)s)") % {
            "trend": TREND_LABELS[self.trend],
            "period": self.before_period.code,
            "value": display(self.before.shown),
        }

    @property
    def target_text(self) -> str:
        return target_text(self.aim, self.period)

    @property
    def final(self) -> bool:
        return self.now.final


def target_text(aim: Aim, period: Period) -> str:
    """The target in force, with the covenant's other targets for the aim beside it."""
    if not aim.targets:
        return _("geen getal; richting: %(way)s") % {
            "way": _("hoger") if aim.direction == HIGHER else _("lager")
        }
    current = aim.target_for(period.year)
    parts = []
    for t in aim.targets:
        text = f"{display(_number(t.value))} ({t.year}{', ' + _('ambitie') if t.ambition else ''})"
        parts.append(f"[{text}]" if t is current else text)
    return "; ".join(parts)


def _number(value):
    return int(value) if float(value).is_integer() else value


@dataclass
class Aims:
    """Everything the first page and the first screen show for one region and period."""

    covenant: Covenant
    region: Region
    period: Period
    readings: list[Reading]
    parts: list[tuple[Region, list[Reading]]] = field(default_factory=list)
    differences: list[list] = field(default_factory=list)  # rows, see DIFFERENCE_HEADERS
    group: Region | None = None

    @property
    def final(self) -> bool:
        return bool(self.readings) and all(r.final for r in self.readings)

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(s for r in self.readings for s in r.sources))


DIFFERENCE_HEADERS = [
    gettext_lazy("doel"),
    gettext_lazy("grootteklasse"),
    gettext_lazy("gemeenten"),
    gettext_lazy("best"),
    gettext_lazy("waarde"),
    gettext_lazy("minst"),
    gettext_lazy("waarde"),
    gettext_lazy("eenheid"),
]


class _Accessibility:
    """The accessibility analysis on a period's last day (or today, if sooner), read per region,
    with CBS's road distance beside it."""

    def __init__(self, geo: Geography, max_km: float, today: date, analyses=(), final=is_final):
        self.geo = geo
        self.max_km = max_km
        self.today = today
        self.final = final
        # Analyses the caller already ran (the register check's) are used, not run again; their
        # population (inhabitants per postcode area, projected) serves the other days as well.
        self._analyses: dict = {a.day: a for a in analyses if a.max_km == max_km}
        self._population = next((a.population for a in analyses), None)
        # the branch rows one analysis read serve every day
        self._branch_rows = next((a.branch_rows for a in analyses), None)

    def analysis(self, period: Period):
        day = min(period.end, self.today)
        if day not in self._analyses:
            self._analyses[day] = accessibility.analyse(
                self.max_km, at=day, population=self._population, rows=self._branch_rows
            )
            self._population = self._analyses[day].population
            self._branch_rows = self._analyses[day].branch_rows
        return self._analyses[day]

    def row(self, region: Region, period: Period):
        codes = self.geo.municipalities_of(region)
        return self.analysis(period).total(codes, code=region.code, name=region.name)

    def cbs(self, region: Region, period: Period) -> cbs_distance.RoadDistance | None:
        """CBS's figure for the region (country, province, municipality), else the weighted mean
        of its municipalities' figures (an organisation's working area, a size class); the
        latest year up to the period's."""
        own = cbs_distance.latest(region.code, until=period.year)
        codes = self.geo.municipalities_of(region)
        if own is not None or codes is None:
            return own
        places = self.analysis(period).population.places
        inhabitants = {p.code: p.inhabitants for p in places if p.code in codes}
        return cbs_distance.weighted(inhabitants, until=period.year)

    def value(self, region: Region, period: Period) -> Value:
        share = self.row(region, period).share_beyond_vestiging_pct
        final = self.final(period)
        if share is None:
            return Value(None, NO_DATA, final)
        return Value(share, number(share, 1), final)


def _indicator_value(figure: Figure) -> Value:
    return Value(figure.value, cell(figure), figure.final)


class Reader:
    """Reads every aim for a set of regions in one go (one engine run for all of them)."""

    def __init__(
        self, geo: Geography, regions, period: Period, *, at=None, analyses=(), cockpit=None
    ):
        """`cockpit`: an engine the caller already holds with the period's figures of these
        regions (the dashboard's); only the period a year earlier is then fetched here."""
        self.geo = geo
        self.analyses = analyses
        self.period = period
        self.before = previous_period(period)
        self.covenant = covenant_for(period.end)
        codes = {a.indicator for a in self.covenant.aims} | {
            a.compare for a in self.covenant.aims if a.compare
        }
        indicators = [INDICATOR_BY_CODE[c] for c in sorted(codes) if c in INDICATOR_BY_CODE]
        periods = [self.before] if cockpit is not None else [period, self.before]
        self.cockpit = Cockpit(regions, periods, geo=geo, indicators=indicators, at=at)
        self.current = cockpit or self.cockpit
        self._access: dict = {}
        self._final: dict[str, bool] = {}
        self.today = clock.today(at)

    def is_final(self, period: Period) -> bool:
        if period.code not in self._final:
            self._final[period.code] = is_final(period)
        return self._final[period.code]

    def _accessibility(self, aim: Aim) -> _Accessibility:
        if aim.max_km not in self._access:
            self._access[aim.max_km] = _Accessibility(
                self.geo, aim.max_km, self.today, self.analyses, self.is_final
            )
        return self._access[aim.max_km]

    def value(self, aim: Aim, code: str, region: Region, period: Period) -> Value:
        if code == ACCESSIBILITY:
            return self._accessibility(aim).value(region, period)
        cockpit = self.current if period.code == self.period.code else self.cockpit
        return _indicator_value(cockpit.figure(INDICATOR_BY_CODE[code], region, period))

    def reading(self, aim: Aim, region: Region, group: Region | None = None) -> Reading:
        now = self.value(aim, aim.indicator, region, self.period)
        before = self.value(aim, aim.indicator, region, self.before)
        if aim.indicator == ACCESSIBILITY:
            unit, decimals = "%", 1
            row = self._accessibility(aim).row(region, self.period)
            analysis = self._accessibility(aim).analysis(self.period)
            sources = [
                _(
                    "CLB-bereikbaarheidsanalyse (vestigingenregister, %(day)s; CBS inwoners per "
                    "postcodegebied)"
                )
                % {"day": analysis.day.isoformat()}  # fmt: skip
            ]
            cbs = self._accessibility(aim).cbs(region, self.period)
            beside = [
                (_("gem. km hemelsbreed tot een vestiging (CLB)"), _km(row.mean_km_vestiging)),
                (_("gem. km hemelsbreed tot een locatie (CLB)"), _km(row.mean_km_location)),
                (_cbs_label(cbs), _km(cbs.km if cbs else None)),
            ]
            if cbs is not None:
                sources.append(f"{cbs_distance.SOURCE} ({cbs.years})")
        else:
            ind = INDICATOR_BY_CODE[aim.indicator]
            unit, decimals = str(ind.unit), ind.decimals
            sources = [str(ind.source)]
            beside = []
        sources.append(f"{aim.source.document}, {_('artikel')} {aim.source.article}")
        reading = Reading(
            aim,
            region,
            self.period,
            now,
            before,
            self.before,
            aim.target_for(self.period.year),
            unit,
            decimals,
            sources,
            beside,
        )
        if group is not None and aim.compare is not None:
            reading.own_ratio = self.value(aim, aim.compare, region, self.period)
            reading.peers = self.value(aim, aim.compare, group, self.period)
            reading.ratio_unit = _unit(aim.compare)
        return reading

    def readings(self, region: Region, group: Region | None = None) -> list[Reading]:
        return [self.reading(a, region, group) for a in self.covenant.aims]


def _unit(code: str) -> str:
    return "%" if code == ACCESSIBILITY else str(INDICATOR_BY_CODE[code].unit)


def _cbs_label(cbs: cbs_distance.RoadDistance | None) -> str:
    if cbs is None:
        return _("gem. km over de weg tot een bibliotheek (CBS: geen cijfer voor dit gebied)")
    if cbs.municipalities:
        return _(
            "gem. km over de weg tot een bibliotheek (CBS %(years)s; gemiddelde van "
            "%(n)s gemeenten, gewogen naar inwoners)"
        ) % {"years": cbs.years, "n": cbs.municipalities}
    return _("gem. km over de weg tot een bibliotheek (CBS %(years)s)") % {"years": cbs.years}


def _km(value):
    return NO_DATA if value is None else number(value, 1)


def _size_group(geo: Geography, region: Region) -> Region | None:
    group = geo.size_class_group(region)
    return group if group is not None and len(group.members) >= MIN_GROUP else None


def read(
    geo: Geography,
    region: Region,
    period: Period,
    *,
    parts=(),
    differences=True,
    at=None,
    analyses=(),
    cockpit=None,
) -> Aims:
    """The aims of a region, of each of its `parts` (for traffic lights per part) and, with
    `differences`, the best and worst of its municipalities per size class. `analyses`:
    accessibility analyses already run (caveats.register.analysis) to use rather than repeat;
    `cockpit`: an engine already holding the period's figures of these regions (Reader)."""
    group = _size_group(geo, region)
    municipalities = (
        [geo.region(c) for c in sorted(geo.municipalities_of(region) or geo.municipalities)]
        if differences and region.kind in ("country", "province")
        else []
    )
    regions = [region, *parts, *municipalities] + ([group] if group else [])
    reader = Reader(geo, regions, period, at=at, analyses=analyses, cockpit=cockpit)
    aims = Aims(reader.covenant, region, period, reader.readings(region, group), group=group)
    aims.parts = [(p, reader.readings(p)) for p in parts]
    aims.differences = _differences(reader, municipalities)
    return aims


def _differences(reader: Reader, municipalities: list[Region]) -> list[list]:
    """Per aim and size class: the best and the worst municipality, by the aim's ratio."""
    classes: dict[str, list[Region]] = {}
    for m in municipalities:
        label = size_class(reader.geo.municipalities[m.code].inhabitants)
        classes.setdefault(label, []).append(m)
    rows = []
    for aim in reader.covenant.aims:
        if aim.compare is None:
            continue
        unit = _unit(aim.compare)
        for label, members in _by_size(classes):
            values = [(m, reader.value(aim, aim.compare, m, reader.period)) for m in members]
            known = [(m, v) for m, v in values if v.known]
            if len(known) < 2:
                continue
            ranked = sorted(known, key=lambda mv: (float(mv[1].shown), mv[0].name))
            if aim.direction == HIGHER:
                ranked.reverse()
            (best, b), (worst, w) = ranked[0], ranked[-1]
            rows.append(
                [str(aim.title), label, len(members), best.name, b.shown, worst.name, w.shown,
                 unit]
            )  # fmt: skip
    return rows


def _by_size(classes: dict[str, list[Region]]):
    from .regions import SIZE_CLASSES

    order = [label for _low, _high, label in SIZE_CLASSES]
    return sorted(classes.items(), key=lambda kv: order.index(kv[0]))


# --- as tables (pages, XLSX sheets, CSV downloads) ---------------------------------------------

AIM_KEYS = ["task", "aim", "value", "unit", "target", "trend", "status", "peers", "beside",
            "source"]  # fmt: skip


def aims_table(result: Aims) -> Table:
    table = Table(
        "doelen",
        _("Convenantdoelen — %(region)s, %(period)s")
        % {"region": result.region.name, "period": result.period.label},
        [
            _("opgave"),
            _("convenantdoel"),
            _("cijfer"),
            _("eenheid"),
            _("doel (jaar)"),
            _("ontwikkeling"),
            _("status"),
            _("grootteklasse samen"),
            _("ernaast"),
            _("bron"),
        ],
        keys=list(AIM_KEYS),
    )
    for r in result.readings:
        peers = ""
        if r.peers is not None:
            peers = f"{display(r.peers.shown)} {r.ratio_unit} ({display(r.own_ratio.shown)})"
        table.rows.append(
            [
                str(r.aim.task),
                str(r.aim.title),
                r.now.shown,
                r.unit,
                r.target_text,
                r.trend_text,
                r.status_label,
                peers,
                "; ".join(f"{label}: {display(v)}" for label, v in r.beside),
                "; ".join(r.sources),
            ]
        )
    table.note = _(
        "%(covenant)s. Status: op koers als het cijfer het doel van dit jaar haalt (tussen "
        "haken); zonder getal in het convenant als het niet de verkeerde kant op gaat ten "
        "opzichte van dezelfde periode een jaar eerder. Onderdrukte cijfers (< 10) krijgen "
        "geen oordeel."
    ) % {"covenant": result.covenant.title}
    return table


def differences_table(result: Aims) -> Table:
    """Best and worst municipalities per size class, or the region beside its size class."""
    if result.differences:
        table = Table(
            "verschillen",
            _("Verschillen tussen gemeenten van dezelfde grootteklasse"),
            [str(h) for h in DIFFERENCE_HEADERS],
        )
        table.rows = [list(row) for row in result.differences]
        table.note = _(
            "Per grootteklasse de gemeente die het verst en die het minst ver is, op het "
            "vergelijkbare cijfer van elk doel; onderdrukte cijfers doen niet mee."
        )
        return table
    group = result.group
    table = Table(
        "verschillen",
        _("%(region)s naast %(group)s")
        % {"region": result.region.name, "group": group.name if group else "–"},  # fmt: skip
        [_("doel"), result.region.name, _("grootteklasse samen"), _("eenheid")],
    )
    for r in result.readings:
        if r.peers is not None:
            table.rows.append([str(r.aim.title), r.own_ratio.shown, r.peers.shown, r.ratio_unit])
    if group is None:
        table.note = _(
            "Geen vergelijking: deze regio heeft geen onderdelen, of haar grootteklasse telt "
            "minder dan drie leden (dan zouden de cijfers van de anderen te herleiden zijn)."
        )
    else:
        table.note = _(
            "De grootteklasse telt %(n)s leden samen (som van tellers gedeeld door som van "
            "noemers); cijfers van afzonderlijke andere gemeenten worden niet getoond."
        ) % {"n": len(group.members)}
    return table
