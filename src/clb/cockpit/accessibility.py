"""Accessibility of the library network (covenant 4a): per municipality, how many inhabitants live
farther than N km in a straight line from the nearest open vestiging and from any open library
location, and how far they live on average.

Where people live comes from the PC4 postcode areas (a point inside each area and its inhabitants),
each assigned to a 2024 municipality by `clb load-reference`. The PC4 counts are from 2021, so per
municipality they are scaled to the municipality's CBS total; a municipality without any PC4 point
counts all its inhabitants at its centroid (and says so). Coordinates are projected to RD New
(EPSG:28992, metres) so a KD-tree gives exact Euclidean nearest distances for the whole country in
well under a second. CBS measures distance over the road; straight line is a first step and
always somewhat shorter — which makes CBS's own road distance (StatLine 80305ned) a check on
the register: where CLB's straight-line average is longer than CBS's road average, library
locations CBS knows are missing from the register (see register.py).

An analysis of today's network (no what-if) is kept per process, shared by its threads: keyed on
every branch row it reads (one statement, which is also all it reads of branches) and on the
reference rows (the municipalities themselves and a digest of the postcode areas), so any change
to a branch or to the reference data gives a fresh analysis, never a stale one.
"""

import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property, lru_cache

import numpy as np
from django.db import connections, router
from django.utils.translation import gettext as _
from pyproj import Transformer
from scipy.spatial import cKDTree

from clb import clock, exports
from clb.errors import DomainError
from clb.network import cbs_distance
from clb.network.models import Branch, BranchKind, Municipality, PostcodeArea

DEFAULT_MAX_KM = 5.0
# CBS publishes its road distance rounded to 0.1 km.
CBS_ROUNDING_KM = 0.05
MAX_KM_LIMIT = 100.0

# Bounding boxes of the Netherlands; the two coordinate systems cannot be confused inside them.
LAT_RANGE, LON_RANGE = (50.5, 53.8), (3.2, 7.3)
RD_X_RANGE, RD_Y_RANGE = (0.0, 300_000.0), (289_000.0, 629_000.0)

LOCATED_BY_PC4 = "pc4"
LOCATED_BY_CENTROID = "centroid"
NOT_LOCATED = "none"


class AccessibilityError(DomainError):
    code = "accessibility"


@lru_cache(maxsize=1)
def _to_rd() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)


def to_rd(lat, lon) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 latitude/longitude (scalars or arrays) to RD New x, y in metres."""
    x, y = _to_rd().transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def to_wgs84(x: float, y: float) -> tuple[float, float]:
    """RD New x, y to (lat, lon), for drawing what-if locations on a map."""
    lon, lat = _to_rd().transform(x, y, direction="INVERSE")
    return float(lat), float(lon)


# --- what-if locations ----------------------------------------------------------------------


@dataclass(frozen=True)
class NewBranch:
    """A library location that does not exist (yet), for a what-if; coordinates in RD New."""

    x: float
    y: float
    kind: str = BranchKind.VESTIGING
    name: str = ""

    @property
    def is_vestiging(self) -> bool:
        return self.kind == BranchKind.VESTIGING


def _within(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


def new_branch(
    *,
    lat: float | None = None,
    lon: float | None = None,
    x: float | None = None,
    y: float | None = None,
    kind: str = BranchKind.VESTIGING,
    name: str = "",
) -> NewBranch:
    """A what-if location from WGS84 (lat, lon) or RD New (x, y), checked to lie in the country."""
    kind = kind or BranchKind.VESTIGING
    if kind not in BranchKind.values:
        raise AccessibilityError(
            _("Soort '%(kind)s' bestaat niet; kies uit %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(BranchKind.values)},
            field="kind",
        )
    if lat is not None and lon is not None:
        if not (_within(lat, LAT_RANGE) and _within(lon, LON_RANGE)):
            raise AccessibilityError(
                _("Punt (%(lat)s, %(lon)s) ligt niet in Nederland.") % {"lat": lat, "lon": lon},
                field="point",
            )
        rx, ry = to_rd(lat, lon)
        return NewBranch(float(rx), float(ry), kind, name)
    if x is not None and y is not None:
        if not (_within(x, RD_X_RANGE) and _within(y, RD_Y_RANGE)):
            raise AccessibilityError(
                _("RD-punt (%(x)s, %(y)s) ligt niet in Nederland.") % {"x": x, "y": y},
                field="point",
            )
        return NewBranch(float(x), float(y), kind, name)
    raise AccessibilityError(
        _("Geef een punt als breedte- en lengtegraad of als RD-coördinaten (x, y)."),
        field="point",
    )


def parse_point(text: str, *, kind: str = BranchKind.VESTIGING, name: str = "") -> NewBranch:
    """A point typed by a person: "52.09, 5.12", "52,09 5,12", "5.12;52.09" (WGS84, either order)
    or "136000 455000" (RD New x, y)."""
    text = (text or "").strip()
    if ";" in text:
        parts = text.split(";")
    elif len(text.split()) == 2:
        parts = [p.strip(",") for p in text.split()]
    else:
        parts = text.split(",")
    try:
        a, b = (float(p.strip().replace(",", ".")) for p in parts)
    except ValueError:
        raise AccessibilityError(
            _("'%(text)s' is geen punt; schrijf bijvoorbeeld 52.09, 5.12 of 136000 455000.")
            % {"text": text},
            field="point",
        ) from None
    if abs(a) < 100 and abs(b) < 100:
        lat, lon = (b, a) if _within(a, LON_RANGE) and _within(b, LAT_RANGE) else (a, b)
        return new_branch(lat=lat, lon=lon, kind=kind, name=name)
    return new_branch(x=a, y=b, kind=kind, name=name)


def _as_new_branch(value) -> NewBranch:
    if isinstance(value, NewBranch):
        return value
    if isinstance(value, Mapping):
        return new_branch(**value)
    raise AccessibilityError(
        _("Een extra vestiging is een NewBranch of een dict met lat/lon of x/y, niet %(value)r.")
        % {"value": value},
        field="extra_branches",
    )


# --- where people live ----------------------------------------------------------------------


@dataclass
class Place:
    code: str
    name: str
    province: str
    inhabitants: int
    located_by: str
    pc4_areas: int


@dataclass
class Population:
    """Points where people live (RD New), each with a weight in inhabitants and the index of its
    municipality in `places`; the weights of a located municipality sum to its CBS total."""

    places: list[Place]
    x: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    owner: np.ndarray
    pc4_without_municipality: int
    # What it was computed from (reference_key()); empty for one made otherwise.
    key: tuple = ()

    @property
    def fallbacks(self) -> list[Place]:
        return [p for p in self.places if p.located_by != LOCATED_BY_PC4]


def _municipality_rows() -> tuple:
    return tuple(
        Municipality.objects.order_by("code").values_list(
            "id", "code", "name", "province__name", "inhabitants", "centroid_lat", "centroid_lon"
        )
    )


def _postcode_digest() -> tuple:
    """A digest of the postcode areas (numbers only: municipality, inhabitants, point), each
    sum weighted by the row, in one statement: any reload or edit changes it."""
    table = PostcodeArea._meta.db_table
    w = "(id % 997 + 1)"
    # Read where the areas themselves are read: a replica when the page may be a moment stale.
    with connections[router.db_for_read(PostcodeArea)].cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), MAX(id), SUM(inhabitants * {w}),"
            f" SUM(COALESCE(municipality_id, 0) * {w}),"
            f" SUM(CAST(lat * 1000000 AS INTEGER) * {w}),"
            f" SUM(CAST(lon * 1000000 AS INTEGER) * {w}) FROM {table}"
        )
        return tuple(cursor.fetchone())


def reference_key() -> tuple:
    """What the population depends on: the municipality rows it reads and a digest of the
    postcode areas (two small statements, against reading and projecting every area)."""
    return (_municipality_rows(), _postcode_digest())


def load_population(key: tuple | None = None) -> Population:
    key = key or reference_key()
    municipalities = list(key[0])
    index = {row[0]: i for i, row in enumerate(municipalities)}
    n = len(municipalities)
    areas = list(PostcodeArea.objects.values_list("municipality_id", "inhabitants", "lat", "lon"))
    assigned = [a for a in areas if a[0] is not None]
    owner = np.array([index[a[0]] for a in assigned], dtype=np.intp)
    people = np.array([a[1] for a in assigned], dtype=float)
    lat = np.array([a[2] for a in assigned], dtype=float)
    lon = np.array([a[3] for a in assigned], dtype=float)

    pc4_people = np.bincount(owner, weights=people, minlength=n)
    pc4_count = np.bincount(owner, minlength=n)
    cbs = np.array([m[4] for m in municipalities], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(pc4_people > 0, cbs / pc4_people, 0.0)
    weight = people * factor[owner]

    places, extra_owner, extra_lat, extra_lon, extra_weight = [], [], [], [], []
    for i, (_id, code, name, province, inhabitants, c_lat, c_lon) in enumerate(municipalities):
        if pc4_people[i] > 0:
            located_by = LOCATED_BY_PC4
        elif c_lat is not None and c_lon is not None:
            located_by = LOCATED_BY_CENTROID
            extra_owner.append(i)
            extra_lat.append(c_lat)
            extra_lon.append(c_lon)
            extra_weight.append(float(inhabitants))
        else:
            located_by = NOT_LOCATED
        places.append(Place(code, name, province, inhabitants, located_by, int(pc4_count[i])))

    owner = np.concatenate([owner, np.array(extra_owner, dtype=np.intp)])
    weight = np.concatenate([weight, np.array(extra_weight, dtype=float)])
    x, y = to_rd(np.concatenate([lat, extra_lat]), np.concatenate([lon, extra_lon]))
    keep = weight > 0  # PC4 areas without inhabitants add nothing and need no distance
    return Population(
        places=places,
        x=np.atleast_1d(x)[keep],
        y=np.atleast_1d(y)[keep],
        weight=weight[keep],
        owner=owner[keep],
        pc4_without_municipality=len(areas) - len(assigned),
        key=key,
    )


# --- where the library is -------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """An open branch as the analysis used it (public network data, no people)."""

    code: str
    name: str
    kind: str
    lat: float
    lon: float
    is_demo: bool
    source: str
    municipality: str  # CBS code, "" when the branch has none

    @property
    def is_vestiging(self) -> bool:
        return self.kind == BranchKind.VESTIGING


@dataclass
class BranchSet:
    """Open library locations on the reference date, as used in one analysis."""

    day: date
    vestiging_xy: np.ndarray  # (n, 2) RD New
    location_xy: np.ndarray  # (m, 2) RD New; every kind, vestigingen included
    sites: list[Site] = field(default_factory=list)
    without_coordinates: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    added: list[NewBranch] = field(default_factory=list)

    @property
    def real(self) -> int:
        return sum(not s.is_demo for s in self.sites)

    @property
    def demo(self) -> int:
        return sum(s.is_demo for s in self.sites)

    @property
    def by_kind(self) -> Counter:
        return Counter(s.kind for s in self.sites)

    @property
    def real_by_source(self) -> Counter:
        return Counter(s.source or _("bron onbekend") for s in self.sites if not s.is_demo)


def _reference_day(at) -> date:
    if isinstance(at, datetime):
        return clock.today(at)
    if isinstance(at, date):
        return at
    return clock.today()


BRANCH_COLUMNS = (
    "code", "name", "kind", "lat", "lon", "is_demo", "source", "municipality__code",
    "opened_on", "closed_on",
)  # fmt: skip


def branch_rows() -> tuple:
    """Every branch as the analysis reads it, in one statement; the rows key its cache too."""
    return tuple(Branch.objects.values_list(*BRANCH_COLUMNS))


def _open_on(day: date, opened, closed) -> bool:
    return (opened is None or opened <= day) and (closed is None or closed > day)


def open_branches(
    day: date, closed_branch_codes: Iterable[str] = (), extra_branches: Iterable = (), rows=None
) -> BranchSet:
    """The locations open on `day` from `rows` (branch_rows(); read when not given)."""
    closing = list(dict.fromkeys(c.strip() for c in closed_branch_codes if c and c.strip()))
    every = branch_rows() if rows is None else rows
    rows = [r[:8] for r in every if _open_on(day, r[8], r[9])]
    open_codes = {r[0] for r in rows}
    for code in closing:
        if code not in open_codes:
            known = any(r[0] == code for r in every)
            message = (
                _("Vestiging '%(code)s' is op %(day)s niet open.")
                if known
                else _("Vestiging '%(code)s' bestaat niet.")
            )
            raise AccessibilityError(
                message % {"code": code, "day": day.isoformat()}, field="closed_branch_codes"
            )
    added = [_as_new_branch(b) for b in extra_branches]
    shut = set(closing)
    branches = BranchSet(day, np.empty((0, 2)), np.empty((0, 2)), closed=closing, added=added)
    for code, name, kind, b_lat, b_lon, is_demo, source, municipality in rows:
        if code in shut:
            continue
        if b_lat is None or b_lon is None:
            branches.without_coordinates.append(code)
            continue
        site = Site(code, name, kind, b_lat, b_lon, is_demo, source, municipality or "")
        branches.sites.append(site)
    x, y = to_rd([s.lat for s in branches.sites], [s.lon for s in branches.sites])
    xy = np.column_stack([np.atleast_1d(x), np.atleast_1d(y)]).reshape(-1, 2)
    new_xy = np.array([[b.x, b.y] for b in added], dtype=float).reshape(-1, 2)
    new_vestiging = np.array([b.is_vestiging for b in added], dtype=bool)
    mask = np.array([s.is_vestiging for s in branches.sites], dtype=bool)
    branches.vestiging_xy = np.vstack([xy[mask], new_xy[new_vestiging]])
    branches.location_xy = np.vstack([xy, new_xy])
    return branches


def nearest_km(x: np.ndarray, y: np.ndarray, sites_xy: np.ndarray) -> np.ndarray:
    """Straight-line distance in km from each point to the nearest site (inf when none)."""
    if len(sites_xy) == 0:
        return np.full(len(x), np.inf)
    distance, _index = cKDTree(sites_xy).query(np.column_stack([x, y]), k=1)
    return np.asarray(distance, dtype=float) / 1000.0


# --- the analysis ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MunicipalityAccessibility:
    """One municipality's accessibility; shares in percent of its inhabitants, distances in km.
    Values are None when the municipality has no location or there is no such branch at all."""

    code: str
    name: str
    province: str
    inhabitants: int
    located_by: str  # "pc4", "centroid" (no PC4 point: all inhabitants at the centroid), "none"
    max_km: float
    inhabitants_beyond_vestiging: int | None
    share_beyond_vestiging_pct: float | None
    mean_km_vestiging: float | None
    inhabitants_beyond_location: int | None
    share_beyond_location_pct: float | None
    mean_km_location: float | None
    # CBS's average road distance to the nearest library and its year (None: CBS has none).
    cbs_road_km: float | None = None
    cbs_year: int | None = None

    @property
    def over_threshold(self) -> bool:
        """Some inhabitants live farther than max_km from the nearest vestiging."""
        return bool(self.inhabitants_beyond_vestiging)

    @property
    def locations_missing(self) -> bool | None:
        """True when CLB's straight-line average to any library location is longer than CBS's
        road average: a straight line never is, so locations CBS counts are missing from the
        register (or closed since CBS measured). None when CBS has no figure to compare with."""
        if self.cbs_road_km is None:
            return None
        if self.mean_km_location is None:  # no location at all in the register
            return self.inhabitants > 0
        return self.mean_km_location > self.cbs_road_km + CBS_ROUNDING_KM


@dataclass
class _Measure:
    """Per-municipality sums for one kind of destination."""

    total: np.ndarray  # located inhabitants
    beyond: np.ndarray  # inhabitants farther than max_km
    weighted_km: np.ndarray  # sum of inhabitants × km
    reachable: bool  # there is at least one destination

    @classmethod
    def of(cls, km: np.ndarray, population: Population, max_km: float) -> "_Measure":
        n, owner, w = len(population.places), population.owner, population.weight
        finite = np.isfinite(km)
        return cls(
            total=np.bincount(owner, weights=w, minlength=n),
            beyond=np.bincount(owner, weights=w * (km > max_km), minlength=n),
            weighted_km=np.bincount(owner, weights=np.where(finite, w * km, 0.0), minlength=n),
            reachable=bool(finite.all()) if len(km) else True,
        )

    def values(self, idx) -> tuple[int | None, float | None, float | None]:
        """(inhabitants beyond, share %, mean km) over the municipalities at idx."""
        total = float(self.total[idx].sum())
        if total <= 0:
            return None, None, None
        beyond = float(self.beyond[idx].sum())
        mean = float(self.weighted_km[idx].sum()) / total if self.reachable else None
        return (
            round(beyond),
            round(100.0 * beyond / total, 2),
            None if mean is None else round(mean, 3),
        )


@dataclass
class Analysis:
    max_km: float
    day: date
    population: Population
    branches: BranchSet
    vestiging: _Measure
    location: _Measure
    branch_rows: tuple = ()  # every branch as read (branch_rows()), open or not

    def _row(self, code, name, province, inhabitants, located_by, idx) -> MunicipalityAccessibility:
        v = self.vestiging.values(idx)
        loc = self.location.values(idx)
        cbs = cbs_distance.latest(code)
        return MunicipalityAccessibility(
            code, name, province, inhabitants, located_by, self.max_km, *v, *loc,
            cbs_road_km=cbs.km if cbs else None, cbs_year=cbs.year if cbs else None,
        )  # fmt: skip

    @cached_property
    def _rows(self) -> tuple[MunicipalityAccessibility, ...]:
        return tuple(
            self._row(p.code, p.name, p.province, p.inhabitants, p.located_by, [i])
            for i, p in enumerate(self.population.places)
        )

    @property
    def rows(self) -> list[MunicipalityAccessibility]:
        return list(self._rows)

    def total(self, codes: set[str] | None = None, *, code="NL", name=None):
        """The same figures for a group of municipalities (None: the whole country)."""
        idx = [i for i, p in enumerate(self.population.places) if codes is None or p.code in codes]
        inhabitants = sum(self.population.places[i].inhabitants for i in idx)
        return self._row(code, name or _("Nederland"), "", inhabitants, "", idx)


def _check_max_km(max_km) -> float:
    try:
        value = float(max_km)
    except (TypeError, ValueError):
        value = float("nan")
    if not (0 < value <= MAX_KM_LIMIT):
        raise AccessibilityError(
            _("Maximale afstand moet tussen 0 en %(limit)s km liggen, niet '%(value)s'.")
            % {"limit": int(MAX_KM_LIMIT), "value": max_km},
            field="max_km",
        )
    return value


# Analyses of today's network kept in this process (see the module's docstring), with the
# population they share; one lock for every thread of the process.
_LOCK = threading.Lock()
_KEPT: OrderedDict = OrderedDict()
_KEPT_MAX = 32
_population: list[Population] = []


def _current_population() -> Population:
    """The population for the reference data as it is now (the kept one when unchanged)."""
    key = reference_key()
    with _LOCK:
        if not _population or _population[0].key != key:
            _population[:] = [load_population(key)]
        return _population[0]


def analyse(
    max_km: float = DEFAULT_MAX_KM,
    at=None,
    extra_branches: Sequence = (),
    closed_branch_codes: Sequence[str] = (),
    *,
    population: Population | None = None,
    rows: tuple | None = None,
) -> Analysis:
    """The accessibility of every municipality on the reference date `at` (date or datetime;
    default today), optionally with what-if locations added and branches (by code) closed.
    Without a what-if the analysis is kept for the next caller while no branch and no reference
    row changes; it is shared, so it must not be changed. `rows`: the branch rows another
    analysis of the same request read (branch_rows(); another day), not read again."""
    max_km = _check_max_km(max_km)
    day = _reference_day(at)
    rows = branch_rows() if rows is None else rows
    population = population or _current_population()
    if extra_branches or closed_branch_codes or not population.key:
        branches = open_branches(day, closed_branch_codes, extra_branches, rows)
        return _analysed(max_km, day, population, branches, rows)
    key = (max_km, day, rows, population.key)
    with _LOCK:
        found = _KEPT.get(key)
        if found is None:
            found = _analysed(max_km, day, population, open_branches(day, (), (), rows), rows)
            _KEPT[key] = found
            while len(_KEPT) > _KEPT_MAX:
                _KEPT.popitem(last=False)
        else:
            _KEPT.move_to_end(key)
        return found


def _analysed(
    max_km: float, day: date, population: Population, branches: BranchSet, rows: tuple
) -> Analysis:
    px, py = population.x, population.y
    return Analysis(
        max_km=max_km,
        day=day,
        population=population,
        branches=branches,
        vestiging=_Measure.of(nearest_km(px, py, branches.vestiging_xy), population, max_km),
        location=_Measure.of(nearest_km(px, py, branches.location_xy), population, max_km),
        branch_rows=rows,
    )


def summary_by_municipality(
    max_km: float = DEFAULT_MAX_KM, at=None, extra_branches=(), closed_branch_codes=()
) -> list[MunicipalityAccessibility]:
    """One row per municipality (ordered by CBS code), for the page, the CLI and the report."""
    return analyse(max_km, at, extra_branches, closed_branch_codes).rows


def over_threshold(rows: Iterable[MunicipalityAccessibility]) -> list[MunicipalityAccessibility]:
    """Municipalities with inhabitants farther than max_km from a vestiging, worst first."""
    return sorted(
        (r for r in rows if r.over_threshold),
        key=lambda r: (-(r.share_beyond_vestiging_pct or 0), r.name),
    )


# --- what if --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One municipality before and after a what-if; differences are after − before."""

    before: MunicipalityAccessibility
    after: MunicipalityAccessibility

    @property
    def code(self) -> str:
        return self.before.code

    @property
    def name(self) -> str:
        return self.before.name

    @staticmethod
    def _diff(a, b):
        return None if a is None or b is None else round(b - a, 3)

    @property
    def share_vestiging_change(self):
        return self._diff(
            self.before.share_beyond_vestiging_pct, self.after.share_beyond_vestiging_pct
        )

    @property
    def share_location_change(self):
        return self._diff(
            self.before.share_beyond_location_pct, self.after.share_beyond_location_pct
        )

    @property
    def mean_km_vestiging_change(self):
        return self._diff(self.before.mean_km_vestiging, self.after.mean_km_vestiging)

    @property
    def mean_km_location_change(self):
        return self._diff(self.before.mean_km_location, self.after.mean_km_location)

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass
class Comparison:
    before: Analysis
    after: Analysis

    @property
    def changes(self) -> list[Change]:
        """Municipalities whose figures change, largest change in the vestiging share first."""
        pairs = [Change(b, a) for b, a in zip(self.before.rows, self.after.rows, strict=True)]
        return sorted(
            (c for c in pairs if c.changed),
            key=lambda c: (
                -abs(c.share_vestiging_change or 0),
                -abs(c.mean_km_vestiging_change or 0),
                -abs(c.mean_km_location_change or 0),
                c.name,
            ),
        )


def what_if(
    max_km: float = DEFAULT_MAX_KM, at=None, extra_branches=(), closed_branch_codes=()
) -> Comparison:
    """The network as it is against the network with branches opened and/or closed."""
    before = analyse(max_km, at)
    after = analyse(max_km, at, extra_branches, closed_branch_codes, population=before.population)
    return Comparison(before, after)


# Column keys of the CSV (stable, for scripts) and the row attribute each comes from.
COLUMNS = [
    ("code", "gemeentecode"),
    ("name", "gemeente"),
    ("province", "provincie"),
    ("inhabitants", "inwoners"),
    ("located_by", "gelokaliseerd_via"),
    ("max_km", "max_km"),
    ("inhabitants_beyond_vestiging", "inwoners_verder_dan_max_van_vestiging"),
    ("share_beyond_vestiging_pct", "pct_verder_dan_max_van_vestiging"),
    ("mean_km_vestiging", "gem_km_tot_vestiging"),
    ("inhabitants_beyond_location", "inwoners_verder_dan_max_van_locatie"),
    ("share_beyond_location_pct", "pct_verder_dan_max_van_locatie"),
    ("mean_km_location", "gem_km_tot_locatie"),
    ("cbs_road_km", "cbs_gem_km_over_de_weg"),
    ("cbs_year", "cbs_jaar"),
    ("locations_missing", "locaties_ontbreken_volgens_cbs"),
]
CHANGE_COLUMNS = [
    ("share_vestiging_change", "verschil_pct_vestiging"),
    ("mean_km_vestiging_change", "verschil_gem_km_vestiging"),
    ("share_location_change", "verschil_pct_locatie"),
    ("mean_km_location_change", "verschil_gem_km_locatie"),
]


def write_csv(
    out,
    rows: Iterable[MunicipalityAccessibility],
    changes: Iterable[Change] | None = None,
    style: exports.CsvStyle = exports.DUTCH,
):
    """Per municipality; with a what-if the rows are the scenario's and `changes` adds the
    difference against today's network (0 where nothing changes)."""
    with_changes = changes is not None
    by_code = {c.code: c for c in changes or ()}
    header = [key for _a, key in COLUMNS]
    if with_changes:
        header += [key for _a, key in CHANGE_COLUMNS]

    def lines():
        yield header
        for row in rows:
            line = [getattr(row, attr) for attr, _key in COLUMNS]
            if with_changes:
                change = by_code.get(row.code)
                line += [getattr(change, attr) if change else 0 for attr, _key in CHANGE_COLUMNS]
            yield [_yes_no(v) if isinstance(v, bool) else v for v in line]

    exports.write_csv(out, lines(), style)


def _yes_no(value: bool) -> str:
    return _("ja") if value else _("nee")


_CODE = re.compile(r"[\s,;]+")


def split_codes(text: str) -> list[str]:
    """Branch codes as typed: separated by commas, semicolons or white space."""
    return [c for c in _CODE.split(text or "") if c]
