"""Everything the dashboard of one region and period shows, as tables and chart specifications.

The page, each table's CSV download and the report read the same objects built here."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from clb.statistics.periods import Period

from . import aims as covenant_aims
from . import charts, scoping
from .caveats import Caveats, simulated_label
from .definitions import INDICATOR_BY_CODE, INDICATORS, SECTIONS
from .engine import Cockpit, Figure
from .regions import NATIONAL, Geography, Region
from .tables import Table, caveat_text, cell, figures_table, status_label

TREND_HALF_YEARS = 6
BREAKDOWN_CHARTS = [
    "members_by_age",
    "loans_by_material",
    "ido_by_theme",
    "participants_by_function",
    "branches_by_kind",
]
# The figures shown side by side for the parts of a region (all scalar indicators go in the report).
PART_COLUMNS = [
    "members",
    "members_share",
    "youth_members_share",
    "loans",
    "loans_per_inhabitant",
    "ido_contacts",
    "ido_reach",
    "participants",
    "participants_per_1000",
    "vestigingen_per_100k",
    "municipalities_without_vestiging",
    "staff_fte",
]
MAP_INDICATORS = [i for i in INDICATORS if i.on_map]
DEFAULT_MAP = "members_share"


@dataclass
class Dashboard:
    region: Region
    period: Period
    final: bool
    figures: list[Figure]
    sections: list[tuple[str, Table]]
    tables: dict[str, Table] = field(default_factory=dict)
    charts: dict[str, dict] = field(default_factory=dict)
    map_indicator: str = DEFAULT_MAP
    map: dict | None = None
    breadcrumbs: list[tuple[Region, bool]] = field(default_factory=list)
    parts: list[Region] = field(default_factory=list)
    organisations: list[Region] = field(default_factory=list)
    group: Region | None = None
    aims: covenant_aims.Aims | None = None  # the first screen: the covenant's aims, per part too
    register: object = None  # register.Completeness of the region
    simulated: str = ""  # what is simulated in the region's figures, if anything


def _parts_table(name, title, cockpit, regions, period, codes) -> Table:
    indicators = [INDICATOR_BY_CODE[c] for c in codes]
    table = Table(
        name,
        title,
        [_("regio"), _("code")] + [f"{i.name} ({i.unit})" for i in indicators],
    )
    marked = PartsMarked(len(regions))
    for part in regions:
        figures = [cockpit.figure(i, part, period) for i in indicators]
        table.rows.append([part.name, part.code] + [cell(f) for f in figures])
        marked.add(part, figures)
    table.note = marked.note()
    return table


class PartsMarked:
    """Under a table of parts: which parts have figures to read with care (caveats.py)."""

    def __init__(self, total: int):
        self.total = total
        self.register: list[str] = []
        self.simulated: list[str] = []

    def add(self, part: Region, figures) -> None:
        caveats = {c for f in figures for c in f.caveats}
        if simulated_label() in caveats:
            self.simulated.append(part.name)
        if caveats - {simulated_label()}:
            self.register.append(part.name)

    def note(self) -> str:
        out = []
        if self.register:
            out.append(
                _(
                    "Cijfers over vestigingen rusten op het vestigingenregister, dat voor %(n)s "
                    "van de %(total)s onderdelen onvolledig is: %(names)s."
                )
                % {"n": len(self.register), "total": self.total, "names": _few(self.register)}
            )
        if self.simulated:
            out.append(
                _(
                    "Cijfers over leden en uitleningen zijn gesimuleerd voor %(n)s van de "
                    "%(total)s onderdelen: %(names)s."
                )
                % {"n": len(self.simulated), "total": self.total, "names": _few(self.simulated)}
            )
        return " ".join(out)


def _few(names: list[str], limit: int = 15) -> str:
    return ", ".join(names[:limit]) + (" …" if len(names) > limit else "")


def scalar_codes() -> list[str]:
    return [i.code for i in INDICATORS if not i.breakdown]


def build(
    user, geo: Geography, region: Region, period: Period, *, map_code=None, at=None
) -> Dashboard:
    scoping.require(user, region, geo)
    map_code = map_code if map_code in {i.code for i in MAP_INDICATORS} else DEFAULT_MAP
    parts = scoping.visible(user, geo.parts(region), geo)
    map_regions = []
    if region.is_geographic:
        codes = geo.municipalities_of(region)
        map_regions = scoping.visible(
            user,
            [geo.region(c) for c in sorted(codes if codes is not None else geo.municipalities)],
            geo,
        )
    group = geo.size_class_group(region)
    if group is not None and len(group.members) < 3:
        group = None  # with fewer than three, the others' figures could be worked out
    regions = [region, *parts, *map_regions] + ([group] if group else [])
    caveats = Caveats(geo, at=at)
    cockpit = Cockpit(regions, [period], geo=geo, at=at, focus=region, caveats=caveats)
    figures = cockpit.figures(region, period)
    final = bool(figures) and all(f.final for f in figures)
    board = Dashboard(region, period, final, figures, [], map_indicator=map_code, group=group)
    board.register = caveats.register.of(region)
    board.simulated = caveats.simulated_sentence(region)

    board.aims = covenant_aims.read(
        geo,
        region,
        period,
        parts=parts,
        differences=False,
        at=at,
        analyses=[caveats.register.analysis],
        cockpit=cockpit,
    )
    board.tables["doelen"] = covenant_aims.aims_table(board.aims)

    by_section = {s: [] for s in SECTIONS}
    for f in figures:
        by_section[f.indicator.section].append(f)
    for i, section in enumerate(SECTIONS, 1):
        table = figures_table(f"sectie-{i}", str(section), by_section[section])
        board.sections.append((str(section), table))
        board.tables[table.name] = table
    board.tables["indicatoren"] = figures_table("indicatoren", _("Alle indicatoren"), figures)

    if parts:
        board.parts = parts
        board.tables["delen"] = _parts_table(
            "delen",
            _("Onderverdeling: %(parts)s")
            % {"parts": _("provincies") if region.kind == "country" else _("gemeenten")},
            cockpit,
            parts,
            period,
            PART_COLUMNS,
        )
    if group is not None:
        board.tables["vergelijking"] = _comparison(cockpit, region, group, period)

    trend = trend_table(geo, region, period, at=at, cockpit=cockpit)
    board.tables["trend"] = trend

    map_indicator = INDICATOR_BY_CODE[map_code]
    if map_regions:
        map_table = Table(
            "kaart",
            f"{map_indicator.name} ({map_indicator.unit})",
            [_("gemeente"), _("code"), str(map_indicator.name), _("status"), _("kanttekening")],
        )
        values = []
        for m in map_regions:
            f = cockpit.figure(map_indicator, m, period)
            map_table.rows.append([m.name, m.code, cell(f), status_label(f.final), caveat_text(f)])
            values.append((m, f))
        board.tables["kaart"] = map_table
        board.map = charts.marked(charts.choropleth(values, map_indicator), [f for _m, f in values])

    for code in BREAKDOWN_CHARTS:
        rows = [f for f in figures if f.indicator.code == code and f.key]
        board.charts[code] = charts.marked(charts.bar(INDICATOR_BY_CODE[code], rows), rows)
    board.charts["trend"] = charts.trend_lines(trend)
    if parts:
        pairs = [(p, cockpit.figure(map_indicator, p, period)) for p in parts]
        board.charts["delen"] = charts.marked(
            charts.parts_bar(map_indicator, pairs), [f for _p, f in pairs]
        )

    board.breadcrumbs = _breadcrumbs(user, geo, region)
    if region.kind in ("country", "province"):
        board.organisations = scoping.visible(user, geo.organisations_in(region), geo)
    return board


def _comparison(cockpit: Cockpit, region: Region, group: Region, period: Period) -> Table:
    table = Table(
        "vergelijking",
        _("Vergelijking met %(group)s (%(n)s)") % {"group": group.name, "n": len(group.members)},
        [
            _("indicator"),
            _("eenheid"),
            region.name,
            _("grootteklasse samen"),
            _("status"),
            _("kanttekening"),
        ],
    )
    for ind in INDICATORS:
        if ind.compare:
            own = cockpit.figure(ind, region, period)
            peers = cockpit.figure(ind, group, period)
            caveats = dict.fromkeys(own.caveats + peers.caveats)
            table.rows.append(
                [str(ind.name), str(ind.unit), cell(own), cell(peers), status_label(own.final),
                 "; ".join(caveats)]
            )  # fmt: skip
    table.note = _(
        "De grootteklasse telt alle gemeenten of organisaties van dezelfde omvang samen "
        "(som van tellers gedeeld door som van noemers); cijfers van afzonderlijke andere "
        "gemeenten worden niet getoond."
    )
    return table


def trend_table(
    geo: Geography, region: Region, period: Period, *, at=None, cockpit: Cockpit | None = None
) -> Table:
    """`cockpit`: the page's engine, focused on `region` and holding `period`; when the period
    is a half-year its figures come from there and only the earlier half-years are fetched."""
    halves = period.previous_half_years(TREND_HALF_YEARS)
    indicators = [i for i in INDICATORS if i.trend]
    shown = cockpit is not None and halves[-1].code == period.code
    earlier = halves[:-1] if shown else halves
    trend = Cockpit([region], earlier, geo=geo, indicators=indicators, at=at, focus=region)
    table = Table(
        "trend",
        _("Ontwikkeling per halfjaar"),
        [_("halfjaar"), _("status")] + [f"{i.name} ({i.unit})" for i in indicators],
    )
    for half in halves:
        source = cockpit if shown and half.code == period.code else trend
        figs = [source.figure(i, region, half) for i in indicators]
        table.rows.append(
            [half.code, status_label(all(f.final for f in figs))] + [cell(f) for f in figs]
        )
    return table


def _breadcrumbs(user, geo: Geography, region: Region) -> list[tuple[Region, bool]]:
    chain = [region]
    while chain[0].parent:
        chain.insert(0, geo.region(chain[0].parent))
    if region.kind == "organisation":
        chain.insert(0, geo.region(NATIONAL))
    return [(r, scoping.can_view(user, r, geo)) for r in chain]


def region_choices(user, geo: Geography) -> list[tuple[str, list[tuple[str, str]]]]:
    """Regions this user may choose, grouped for a <select>."""
    groups = [
        (_("Land"), [geo.region(NATIONAL)]),
        (_("Provincies"), [geo.region(c) for c in sorted(geo.provinces)]),
        (_("Gemeenten"), geo.all_municipalities()),
        (
            _("Organisaties"),
            sorted((geo.organisation_region(o) for o in geo.organisations), key=lambda r: r.name),
        ),
    ]
    out = []
    for label, regions in groups:
        options = [(r.code, r.name) for r in scoping.visible(user, regions, geo)]
        if options:
            out.append((label, options))
    return out
