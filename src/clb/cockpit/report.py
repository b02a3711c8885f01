"""The half-year report: all indicators for a region and its parts, as CSV, XLSX or PDF.

Built from the same definitions and engine as the dashboard. `clb report` shows progress; the
dashboard's download button runs the same code."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clb import clock
from clb.statistics.periods import Period

from . import accessibility
from .caveats import Caveats
from .dashboard import PART_COLUMNS, PartsMarked, scalar_codes, trend_table
from .definitions import INDICATOR_BY_CODE, SECTIONS
from .engine import Cockpit, Figure
from .regions import Geography, Region
from .tables import Labels, Table, caveat_text, cell, figures_table, status_label

# Columns of the accessibility analysis (clb.cockpit.accessibility) shown in the report.
ACCESSIBILITY_COLUMNS = {
    "name": gettext_lazy("gemeente"),
    "code": gettext_lazy("code"),
    "inhabitants": gettext_lazy("inwoners"),
    "share_beyond_vestiging_pct": gettext_lazy("% verder dan 5 km van een vestiging"),
    "mean_km_vestiging": gettext_lazy("gem. km tot vestiging"),
    "share_beyond_location_pct": gettext_lazy("% verder dan 5 km van een locatie"),
    "mean_km_location": gettext_lazy("gem. km tot locatie"),
    "cbs_road_km": gettext_lazy("CBS: gem. km over de weg"),
    "cbs_year": gettext_lazy("CBS: jaar"),
    "locations_missing": gettext_lazy("locaties ontbreken in het register"),
}
CHARTED = ["members_by_age", "loans_by_material", "ido_by_theme", "participants_by_function"]


@dataclass
class Report:
    region: Region
    period: Period
    final: bool
    generated_at: datetime
    sections: list[tuple[str, Table]] = field(default_factory=list)
    parts: list[Table] = field(default_factory=list)  # all scalar indicators per part
    extra: list[Table] = field(default_factory=list)  # trend, comparison, accessibility
    long: Table | None = None  # every figure of the region and its parts, one per row
    charts: list[tuple[str, str, list[tuple[str, float | None]]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return _("Halfjaarrapportage convenant — %(region)s, %(period)s") % {
            "region": self.region.name,
            "period": self.period.label,
        }

    def tables(self) -> list[Table]:
        return [t for _s, t in self.sections] + self.parts + self.extra


def _levels(geo: Geography, region: Region) -> list[tuple[str, list[Region]]]:
    """The parts of a region, level by level."""
    if region.kind == "country":
        return [
            (_("Provincies"), geo.parts(region)),
            (_("Gemeenten"), geo.all_municipalities()),
            (_("Organisaties"), geo.organisations_in(region)),
        ]
    if region.kind == "province":
        return [
            (_("Gemeenten"), geo.parts(region)),
            (_("Organisaties"), geo.organisations_in(region)),
        ]
    return []


def build_report(
    geo: Geography, region: Region, period: Period, *, at=None, progress=lambda _m: None
) -> Report:
    levels = _levels(geo, region)
    all_parts = [r for _label, regions in levels for r in regions]
    progress(_("cijfers ophalen voor %(n)s regio's") % {"n": 1 + len(all_parts)})
    caveats = Caveats(geo, at=at)
    cockpit = Cockpit([region, *all_parts], [period], geo=geo, at=at, caveats=caveats)
    figures = cockpit.figures(region, period)
    report = Report(region, period, bool(figures) and all(f.final for f in figures), clock.now(at))
    completeness = caveats.register.of(region)
    report.notes.append(f"{completeness.sentence} {completeness.basis}")
    if caveats.has_simulated(region):
        report.notes.insert(0, caveats.simulated_sentence(region))
    labels = Labels()
    by_section = {s: [] for s in SECTIONS}
    for f in figures:
        by_section[f.indicator.section].append(f)
    for i, section in enumerate(SECTIONS, 1):
        report.sections.append(
            (
                str(section),
                figures_table(f"sectie-{i}", str(section), by_section[section], labels),
            )
        )
    long = _long_table()
    _add_long(long, region, figures, labels)
    codes = scalar_codes()
    done = 0
    for label, regions in levels:
        table = Table(
            label.lower(),
            label,
            [_("regio"), _("code")]
            + [f"{INDICATOR_BY_CODE[c].name} ({INDICATOR_BY_CODE[c].unit})" for c in codes],
            keys=["region", "code", *codes],
        )
        marked = PartsMarked(len(regions))
        for part in regions:
            part_figures = cockpit.figures(part, period)
            totals = {f.indicator.code: f for f in part_figures if not f.key}
            table.rows.append([part.name, part.code] + [cell(totals[c]) for c in codes])
            _add_long(long, part, part_figures, labels)
            marked.add(part, [totals[c] for c in codes])
            done += 1
            if done % 50 == 0 or done == len(all_parts):
                progress(_("%(done)s van %(n)s onderdelen") % {"done": done, "n": len(all_parts)})
        table.note = marked.note()
        report.parts.append(table)
    report.long = long
    progress(_("ontwikkeling per halfjaar"))
    report.extra.append(trend_table(geo, region, period, at=at))
    report.extra.append(accessibility_table(geo, region, caveats.register.analysis))
    for code in CHARTED:
        ind = INDICATOR_BY_CODE[code]
        rows = [f for f in figures if f.indicator.code == code and f.key]
        if not any(f.shown is not None or f.suppressed for f in rows):
            rows = []  # no data at all: the chart says so rather than "suppressed"
        report.charts.append((str(ind.name), str(ind.unit), [(f.key_label, f.shown) for f in rows]))
    report.notes.append(
        _(
            "Aantallen onder de 10 personen of handelingen zijn onderdrukt (< 10), evenals "
            "verhoudingen die erop steunen. Voorlopige cijfers kunnen nog veranderen; "
            "definitieve cijfers zijn vastgelegd bij het afsluiten van de periode."
        )
    )
    return report


LONG_HEADERS = [
    "regio_code",
    "regio",
    "niveau",
    "periode",
    "sectie",
    "indicator_code",
    "indicator",
    "uitsplitsing_code",
    "uitsplitsing",
    "waarde",
    "eenheid",
    "doel",
    "status",
    "bron",
    "betreft",
    "kanttekening",
]


def _long_table() -> Table:
    return Table("alle-cijfers", _("Alle cijfers"), list(LONG_HEADERS))


def _add_long(table: Table, region: Region, figures: list[Figure], labels: Labels) -> None:
    for f in figures:
        ind = f.indicator
        text = labels.indicator(ind)
        table.rows.append(
            [
                region.code,
                region.name,
                region.kind,
                f.period.code,
                text["section"],
                ind.code,
                text["name"],
                f.key,
                labels.key(f),
                cell(f),
                text["unit"],
                "" if ind.target is None else ind.target,
                labels.status[f.final],
                text["source"],
                "; ".join(f.items),
                caveat_text(f),
            ]
        )


def accessibility_table(geo: Geography, region: Region, analysis=None) -> Table:
    """The accessibility analysis per municipality of the region, with CBS's road distance
    beside CLB's straight-line estimate and where that says locations are missing."""
    analysis = analysis or accessibility.analyse(max_km=accessibility.DEFAULT_MAX_KM)
    codes = geo.municipalities_of(region)
    keys = list(ACCESSIBILITY_COLUMNS)
    table = Table(
        "bereikbaarheid",
        _("Bereikbaarheid: inwoners verder dan 5 km (hemelsbreed) van een bibliotheek"),
        [str(ACCESSIBILITY_COLUMNS[k]) for k in keys],
        keys=keys,
    )
    for row in analysis.rows:
        if codes is not None and row.code not in codes:
            continue
        values = [getattr(row, k) for k in keys]
        table.rows.append(
            [
                (_("ja") if v else _("nee"))
                if isinstance(v, bool)
                else round(v, 2)
                if isinstance(v, float)
                else v
                for v in values
            ]
        )
    table.note = _(
        "Hemelsbrede afstand tot de dichtstbijzijnde open vestiging of bibliotheeklocatie in het "
        "register; het CBS meet de afstand over de weg (Bron: CBS, StatLine 80305ned). Een "
        "rechte lijn is nooit langer dan de weg: waar CLB's afstand langer is, ontbreken "
        "locaties in het register."
    )
    return table


__all__ = ["CHARTED", "PART_COLUMNS", "Report", "build_report", "status_label"]
