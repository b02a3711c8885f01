"""CBS's own measure of how far people live from a library: the average distance over the road
from all inhabitants of a region to the nearest library, per year (StatLine 80305ned, column
AfstandTotBibliotheek_103; data/cbs-80305ned-afstand-tot-bibliotheek-2006-2023.csv, "Bron: CBS").

The table names regions, not codes. Municipalities are matched to CBS codes through the
municipality list shipped beside it (gemeenten-2024.csv); CBS adds "(gemeente)" where a
municipality shares its name with a province ("Utrecht (gemeente)") and "(PV)" to provinces.
Municipalities merged away before 2024 keep their old names in the table and match nothing.
Each region gets its latest year with a value: Zwijndrecht's series stops in 2015 in the staged
dump and Zwolle is missing from it altogether (see SOURCES.md).

CBS publishes no figure for an organisation's working area or a group of municipalities; for
those `weighted` takes the mean of the municipalities' figures weighted by their inhabitants
(CBS's figure is an average over inhabitants, so this is the same average up to the differences
in years), and says it is one."""

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from .reference import DATA, PROVINCES

FILE = "cbs-80305ned-afstand-tot-bibliotheek-2006-2023.csv"
NATIONAL = "NL"
SOURCE = "CBS StatLine 80305ned, gemiddelde afstand over de weg tot de dichtstbijzijnde bibliotheek"


@dataclass(frozen=True)
class RoadDistance:
    code: str  # GMxxxx, PVxx or NL; "" for a weighted mean over municipalities
    km: float
    year: int
    # A weighted mean over this many municipalities (0: CBS's own figure for the region), their
    # years running from first_year to year.
    municipalities: int = 0
    first_year: int | None = None

    @property
    def years(self) -> str:
        first = self.first_year or self.year
        return str(self.year) if first == self.year else f"{first}–{self.year}"


def _codes_by_label() -> dict[tuple[str, str], str]:
    """(CBS region type, label) → our code."""
    labels = {("Land", "Nederland"): NATIONAL}
    for name, code in PROVINCES.items():
        labels[("Provincie", f"{name} (PV)")] = code
    with open(DATA / "gemeenten-2024.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            labels[("Gemeente", row["name"])] = row["code"]
            labels.setdefault(("Gemeente", f"{row['name']} (gemeente)"), row["code"])
    return labels


@lru_cache(maxsize=1)
def _series() -> dict[str, dict[int, float]]:
    labels = _codes_by_label()
    out: dict[str, dict[int, float]] = {}
    with open(DATA / FILE, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = labels.get((row["regio_type"], row["regio_label"]))
            value = row["afstand_tot_bibliotheek_km"].strip()
            if code is None or not value:
                continue
            out.setdefault(code, {})[int(row["jaar"])] = float(value)
    return out


def series(code: str) -> dict[int, float]:
    """Every year CBS published for the region (GMxxxx, PVxx or NL), oldest first."""
    return dict(sorted(_series().get(code, {}).items()))


def latest(code: str, until: int | None = None) -> RoadDistance | None:
    """CBS's most recent road distance for the region (in or before the year `until`, if given),
    or None when CBS has none for it."""
    values = _series().get(code, {})
    years = [y for y in values if until is None or y <= until]
    if not years:
        return None
    year = max(years)
    return RoadDistance(code, values[year], year)


def weighted(inhabitants: Mapping[str, int], until: int | None = None) -> RoadDistance | None:
    """The inhabitant-weighted mean of the municipalities' latest figures; None when CBS lacks a
    figure for any of them (a mean over part of an area would be read as the whole)."""
    figures = [(latest(code, until), people) for code, people in inhabitants.items()]
    total = sum(people for _figure, people in figures)
    if not figures or total <= 0 or any(figure is None for figure, _people in figures):
        return None
    years = [figure.year for figure, _people in figures]
    return RoadDistance(
        "",
        sum(figure.km * people for figure, people in figures) / total,
        max(years),
        municipalities=len(figures),
        first_year=min(years),
    )


def latest_all() -> dict[str, RoadDistance]:
    """The most recent value of every region CBS has one for, keyed by code."""
    return {code: latest(code) for code in _series()}
