"""Does a region's figure rest on a complete branch register? Two independent signs:

1. the count: real library locations in the register against the number expected for the region
   (network/register.py: the national count of 1,209 locations apportioned by inhabitants, an
   estimate);
2. CBS's road distance (network/cbs_distance.py): a straight line is never longer than the road,
   so where CLB's average straight-line distance from inhabitants to the nearest library location
   is longer than CBS's average road distance, locations CBS knows are missing from the register
   (accessibility.MunicipalityAccessibility.locations_missing). CBS's latest year is 2023: a
   location closed since then lengthens CLB's distance as well.

A region is complete when neither sign says otherwise. Once the national register holds nine in
ten of the country's locations, the apportioned estimate is no longer used for the parts (it is
no measurement); CBS's distance still is.

Every page, report and export that shows figures resting on the register (the network section of
the cockpit, the accessibility analysis, the cost model's "as now" levels) states the region's
completeness from here, and marks those figures when it is incomplete."""

from dataclasses import dataclass, field
from datetime import date

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clb import clock
from clb.network import register

from . import accessibility
from .regions import NATIONAL, Geography, Region


@dataclass(frozen=True)
class MunicipalityCheck:
    row: accessibility.MunicipalityAccessibility
    loaded: int  # real library locations in the register

    @property
    def cbs_says_missing(self) -> bool:
        return bool(self.row.locations_missing)


@dataclass(frozen=True)
class Completeness:
    code: str
    name: str
    loaded: int
    expected: float
    national_complete: bool
    missing: tuple[str, ...] = ()  # municipalities where CBS's distance says locations lack
    checked: int = 0  # municipalities compared with CBS
    # The region's accessibility: CLB's straight-line average beside CBS's road average.
    distances: accessibility.MunicipalityAccessibility | None = None

    @property
    def expected_shown(self) -> int:
        return max(1, round(self.expected))

    @property
    def share_pct(self) -> float | None:
        return round(100 * self.loaded / self.expected, 1) if self.expected else None

    @property
    def count_complete(self) -> bool:
        return self.national_complete or register.is_complete(self.loaded, self.expected)

    @property
    def complete(self) -> bool:
        return self.count_complete and not self.missing

    def _count_text(self) -> str:
        return _("%(loaded)s van naar schatting %(expected)s bibliotheeklocaties") % {
            "loaded": number_format(self.loaded, force_grouping=True),
            "expected": number_format(self.expected_shown, force_grouping=True),
        }

    @property
    def caveat(self) -> str:
        """The short mark on a figure that rests on this region's register ("" if complete)."""
        if self.complete:
            return ""
        return _("register onvolledig: %(count)s") % {"count": self._count_text()}

    @property
    def basis(self) -> str:
        """Where the expected number comes from."""
        national = register.national_count()
        if self.code == NATIONAL:
            return _("Verwacht aantal: %(n)s bibliotheeklocaties in %(year)s (KB).") % {
                "n": number_format(national.locations, force_grouping=True),
                "year": national.year,
            }
        return _(
            "Verwacht aantal: de %(n)s bibliotheeklocaties van %(year)s (KB) naar rato van de "
            "inwoners, een schatting."
        ) % {"n": number_format(national.locations, force_grouping=True), "year": national.year}

    @property
    def sentence(self) -> str:
        """One Dutch sentence for the top of a page or report."""
        text = _("Vestigingenregister %(region)s: %(count)s (%(pct)s %%).") % {
            "region": self.name,
            "count": self._count_text(),
            "pct": number_format(self.share_pct or 0, 0),
        }
        if self.missing:
            text += " " + ngettext(
                "Volgens de afstand die het CBS over de weg meet, ontbreken locaties in "
                "%(n)s gemeente: %(names)s.",
                "Volgens de afstand die het CBS over de weg meet, ontbreken locaties in "
                "%(n)s gemeenten: %(names)s.",
                len(self.missing),
            ) % {"n": len(self.missing), "names": _names(self.missing)}
        elif self.checked:
            text += " " + _("De afstanden kloppen met wat het CBS over de weg meet.")
        if self.complete:
            return text
        return (
            text
            + " "
            + _(
                "Cijfers die op het register rusten (vestigingen, bereikbaarheid, kosten 'zoals "
                "nu') zijn daardoor onvolledig en gemarkeerd."
            )
        )


def _sortable(name: str) -> str:
    return name.removeprefix("'s-").casefold()


def _names(names: tuple[str, ...], limit: int = 12) -> str:
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        shown += " " + _("en %(n)s andere") % {"n": len(names) - limit}
    return shown


@dataclass
class RegisterCheck:
    """The register's completeness for any region, read once (one GROUP BY over branches and one
    accessibility analysis, a fraction of a second for the whole country)."""

    geo: Geography
    day: date | None = None
    analysis: accessibility.Analysis | None = None
    municipalities: dict[str, MunicipalityCheck] = field(default_factory=dict)
    _cache: dict[str, Completeness] = field(default_factory=dict)

    def __post_init__(self):
        self.day = self.day or clock.today()
        loaded = register.loaded_locations(self.day)
        self.loaded_total = sum(loaded.values())
        national = register.national_count()
        self.national_complete = register.is_complete(self.loaded_total, national.locations)
        analysis = self.analysis or accessibility.analyse(at=self.day)
        self.analysis = analysis
        for row in analysis.rows:
            self.municipalities[row.code] = MunicipalityCheck(row, loaded.get(row.code, 0))

    def of(self, region: Region) -> Completeness:
        if region.code not in self._cache:
            codes = self.geo.municipalities_of(region)
            self._cache[region.code] = self.of_codes(codes, region.code, region.name)
        return self._cache[region.code]

    def of_codes(self, codes, code: str, name: str) -> Completeness:
        """Completeness of a set of municipality codes (None: the whole country)."""
        national = code == NATIONAL or codes is None
        checks = [m for c, m in self.municipalities.items() if national or c in codes]
        missing = tuple(sorted((m.row.name for m in checks if m.cbs_says_missing), key=_sortable))
        if national:
            loaded, expected = self.loaded_total, float(register.national_count().locations)
        else:
            loaded = sum(m.loaded for m in checks)
            expected = register.expected_locations(sum(m.row.inhabitants for m in checks))
        total = self.analysis.total(None if national else set(codes or ()), code=code, name=name)
        return Completeness(
            code,
            name,
            loaded,
            expected,
            self.national_complete,
            missing,
            sum(m.row.cbs_road_km is not None for m in checks),
            total,
        )


def check(geo: Geography | None = None, *, at=None) -> RegisterCheck:
    return RegisterCheck(geo or Geography(), clock.today(at))
