"""CBS's own measure of how far people live from a library: the average distance over the road
from all inhabitants of a region to the nearest library, per year (StatLine 80305ned, column
AfstandTotBibliotheek_103; data/cbs-80305ned-afstand-tot-bibliotheek-2006-2023.csv, "Bron: CBS").

The table names regions, not codes. Municipalities are matched to CBS codes through the
municipality list shipped beside it (gemeenten-2024.csv); CBS adds "(gemeente)" where a
municipality shares its name with a province ("Utrecht (gemeente)") and "(PV)" to provinces.
Municipalities merged away before 2024 keep their old names in the table and match nothing.
Each region gets its latest year with a value: Zwijndrecht's series stops in 2015 in the staged
dump and Zwolle is missing from it altogether (see SOURCES.md)."""

import csv
from dataclasses import dataclass
from functools import lru_cache

from .reference import DATA, PROVINCES

FILE = "cbs-80305ned-afstand-tot-bibliotheek-2006-2023.csv"
NATIONAL = "NL"
SOURCE = "CBS StatLine 80305ned, gemiddelde afstand over de weg tot de dichtstbijzijnde bibliotheek"


@dataclass(frozen=True)
class RoadDistance:
    code: str  # GMxxxx, PVxx or NL
    km: float
    year: int


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


def latest(code: str) -> RoadDistance | None:
    """CBS's most recent road distance for the region, or None when CBS has none for it."""
    years = _series().get(code)
    if not years:
        return None
    year = max(years)
    return RoadDistance(code, years[year], year)


def latest_all() -> dict[str, RoadDistance]:
    """The most recent value of every region CBS has one for, keyed by code."""
    return {code: latest(code) for code in _series()}
