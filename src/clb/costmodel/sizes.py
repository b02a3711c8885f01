"""Size variables of an area from the network room's reference data: inhabitants, inhabitants
0–17, area, and where people live (the PC4 areas of each municipality, with their inhabitants
scaled to the municipality's CBS figure). From where people live come the settlement variables:
how many branches it takes to have everyone within reach, how dispersed the population is, and
which settlements lie beyond reach of today's staffed library locations."""

import math
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

import numpy as np
from django.utils.translation import gettext as _
from pyproj import Transformer

from clb import clock
from clb.network.models import Branch, BranchKind, Municipality, PostcodeArea

from .definitions import AREA_VARIABLES

# Locations that count as a library nearby: staffed ones, and real locations whose hours are not
# known yet (they are libraries; the reach analysis should not invent a gap there).
REACH_KINDS = (BranchKind.VESTIGING, BranchKind.SERVICEPUNT, BranchKind.UNKNOWN)


@cache
def _to_rd() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)


def to_km(lat, lon) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 to RD New (the Dutch grid), in kilometres."""
    x, y = _to_rd().transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x) / 1000.0, np.asarray(y) / 1000.0


@dataclass
class Points:
    x: np.ndarray
    y: np.ndarray
    weight: np.ndarray

    @classmethod
    def empty(cls) -> "Points":
        return cls(np.zeros(0), np.zeros(0), np.zeros(0))

    @classmethod
    def from_rows(cls, rows: list[tuple[float, float, float]]) -> "Points":
        if not rows:
            return cls.empty()
        x, y = to_km([r[0] for r in rows], [r[1] for r in rows])
        return cls(np.atleast_1d(x), np.atleast_1d(y), np.array([max(r[2], 0.0) for r in rows]))


def branches_needed(points: Points, reach_km: float) -> int:
    """Greedy set cover: put a branch at the inhabited point that brings the most uncovered
    inhabitants within reach, until every inhabited point is covered. Set cover is NP-hard; the
    greedy answer is at most a logarithmic factor above the optimum and is what a planner would
    do by hand. An inhabited area needs at least one branch."""
    inhabited = points.weight > 0
    if not inhabited.any():
        return 0
    dx = points.x[:, None] - points.x[None, :]
    dy = points.y[:, None] - points.y[None, :]
    near = (dx * dx + dy * dy) <= reach_km * reach_km
    uncovered = inhabited.copy()
    count = 0
    while uncovered.any():
        gain = near[:, uncovered] @ points.weight[uncovered]
        best = int(np.argmax(gain))
        uncovered &= ~near[best]
        count += 1
    return count


def dispersion_km(points: Points) -> float:
    """Inhabitant-weighted mean distance to the population's centre of gravity."""
    total = points.weight.sum()
    if total <= 0:
        return 0.0
    cx = float(np.average(points.x, weights=points.weight))
    cy = float(np.average(points.y, weights=points.weight))
    return float(np.average(np.hypot(points.x - cx, points.y - cy), weights=points.weight))


def nearest_km(points: Points, sites: Points) -> np.ndarray:
    if len(sites.x) == 0:
        return np.full(len(points.x), math.inf)
    dx = points.x[:, None] - sites.x[None, :]
    dy = points.y[:, None] - sites.y[None, :]
    return np.sqrt((dx * dx + dy * dy).min(axis=1))


@dataclass
class Geometry:
    """What the reference data say about one municipality, before any parameter is applied."""

    municipality: Municipality
    points: Points
    located: bool  # False: no postcode areas and no centroid
    notes: list[str] = field(default_factory=list)


def geometries(municipalities: list[Municipality]) -> dict[int, Geometry]:
    rows: dict[int, list] = {m.pk: [] for m in municipalities}
    for mid, lat, lon, n in PostcodeArea.objects.filter(
        municipality__in=municipalities
    ).values_list("municipality_id", "lat", "lon", "inhabitants"):
        rows[mid].append((lat, lon, float(n)))
    out = {}
    for m in municipalities:
        notes = []
        points = rows[m.pk]
        total = sum(r[2] for r in points)
        if points and total > 0:
            # PC4 counts are from 2021; scale them to the municipality's CBS figure.
            scale = m.inhabitants / total
            points = [(lat, lon, n * scale) for lat, lon, n in points]
        elif m.centroid_lat is not None and m.centroid_lon is not None:
            points = [(m.centroid_lat, m.centroid_lon, float(m.inhabitants))]
            notes.append(
                _("%(name)s: geen postcodegebieden; de hele gemeente telt als één kern")
                % {"name": m.name}
            )
        else:
            points = []
            notes.append(
                _("%(name)s: geen ligging bekend; bereik gerekend als één vestiging")
                % {"name": m.name}
            )
        out[m.pk] = Geometry(m, Points.from_rows(points), bool(points), notes)
    return out


def reach_sites(at=None) -> Points:
    """Open library locations that count for reach, anywhere (people cross municipal borders)."""
    day = clock.today(at)
    rows = [
        (b.lat, b.lon, 1.0)
        for b in Branch.objects.filter(kind__in=REACH_KINDS, lat__isnull=False, lon__isnull=False)
        if b.is_open_on(day)
    ]
    return Points.from_rows(rows)


def municipality_sizes(
    geo: Geometry, sites: Points, params: dict[str, Decimal]
) -> dict[str, Decimal]:
    m = geo.municipality
    reach = float(params["bereik_km"])
    by_number = math.ceil(m.inhabitants / float(params["inwoners_per_vestiging"]))
    cover = branches_needed(geo.points, reach) if geo.located else 1
    if m.inhabitants == 0:
        cover = by_number = 0
    distance = nearest_km(geo.points, sites)
    beyond = distance > reach
    weights = geo.points.weight
    for_servicepunt = beyond & (weights >= float(params["drempel_inwoners_servicepunt"]))
    for_bus = (
        beyond
        & (weights >= float(params["drempel_inwoners_bushalte"]))
        & (weights < float(params["drempel_inwoners_servicepunt"]))
    )
    return {
        "inwoners": Decimal(m.inhabitants),
        "inwoners_0_17": Decimal(m.inhabitants_0_17),
        "oppervlakte_km2": Decimal(m.area_km2 or 0),
        "gemeenten": Decimal(1),
        "spreiding_km": Decimal(str(round(dispersion_km(geo.points), 2))),
        "vestigingen_bereik": Decimal(cover),
        "vestigingen_nodig": Decimal(max(cover, by_number)),
        "kernen_servicepunt": Decimal(int(for_servicepunt.sum())),
        "kernen_bushalte": Decimal(int(for_bus.sum())),
        "inwoners_buiten_bereik": Decimal(round(float(weights[beyond].sum()))),
    }


def combine(parts: list[dict[str, Decimal]]) -> dict[str, Decimal]:
    """An area of several municipalities: counts add up; the dispersion is the inhabitant-weighted
    mean of the municipalities' dispersions (a group is not one settlement pattern)."""
    out = {name: sum((p[name] for p in parts), Decimal(0)) for name in AREA_VARIABLES}
    inhabitants = out["inwoners"]
    out["spreiding_km"] = (
        (sum(p["spreiding_km"] * p["inwoners"] for p in parts) / inhabitants).quantize(
            Decimal("0.01")
        )
        if inhabitants
        else Decimal(0)
    )
    return out
