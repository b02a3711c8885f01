"""Size variables of an area (one municipality or the group an organisation serves), from the
network room's reference data: CBS inhabitants, the estimated 0–17 figure, area, and where people
live (PC4 points) for the number of branches needed and the dispersion."""

import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from clb.network.models import Municipality, PostcodeArea

REACH_KM = 5.0  # the distance the model treats as "near a library"
# CBS size classes of municipalities (gemeentegrootteklassen), by inhabitants.
SIZE_CLASSES = [(0, 20_000, "< 20.000"), (20_000, 50_000, "20.000–50.000"), (50_000, 100_000, "50.000–100.000"),
                (100_000, 250_000, "100.000–250.000"), (250_000, 10**9, "≥ 250.000")]  # fmt: skip


def size_class(inhabitants: int) -> str:
    return next(label for low, high, label in SIZE_CLASSES if low <= inhabitants < high)


@dataclass(frozen=True)
class Points:
    """People's locations: x/y in km (a local flat projection is plenty within a municipality)."""

    x: np.ndarray
    y: np.ndarray
    weight: np.ndarray


def _points(areas: list[tuple[float, float, int]]) -> Points:
    if not areas:
        return Points(np.zeros(0), np.zeros(0), np.zeros(0))
    lat = np.array([a[0] for a in areas])
    lon = np.array([a[1] for a in areas])
    lat0 = math.radians(float(lat.mean()))
    return Points(
        x=lon * 111.32 * math.cos(lat0),
        y=lat * 110.57,
        weight=np.array([max(a[2], 0) for a in areas], dtype=float),
    )


def branches_needed(points: Points, reach_km: float = REACH_KM) -> int:
    """Greedy cover: place a branch at the PC4 point that brings the most uncovered inhabitants
    within reach, until everyone is covered. At least one for any inhabited area."""
    if points.weight.sum() <= 0:
        return 1
    dx = points.x[:, None] - points.x[None, :]
    dy = points.y[:, None] - points.y[None, :]
    near = (dx * dx + dy * dy) <= reach_km * reach_km
    uncovered = points.weight > 0
    count = 0
    while uncovered.any():
        gain = near[:, uncovered] @ points.weight[uncovered]
        best = int(np.argmax(gain))
        uncovered &= ~near[best]
        count += 1
    return count


def dispersion_km(points: Points) -> float:
    if points.weight.sum() <= 0:
        return 0.0
    cx = np.average(points.x, weights=points.weight)
    cy = np.average(points.y, weights=points.weight)
    return float(np.average(np.hypot(points.x - cx, points.y - cy), weights=points.weight))


def _areas_by_municipality(municipalities) -> dict[int, list]:
    rows: dict[int, list] = {m.pk: [] for m in municipalities}
    for mid, lat, lon, n in PostcodeArea.objects.filter(
        municipality__in=municipalities
    ).values_list("municipality_id", "lat", "lon", "inhabitants"):
        rows[mid].append((lat, lon, n))
    return rows


def sizes_each(municipalities: list[Municipality]) -> dict[Municipality, dict[str, Decimal]]:
    """Size variables per municipality, with one query for all their postcode areas."""
    areas = _areas_by_municipality(municipalities)
    return {m: sizes_for([m], areas) for m in municipalities}


def sizes_for(municipalities: list[Municipality], areas: dict | None = None) -> dict[str, Decimal]:
    areas = areas if areas is not None else _areas_by_municipality(municipalities)
    inhabitants = sum(m.inhabitants for m in municipalities)
    youth = sum(m.inhabitants_0_17 for m in municipalities)
    needed = 0
    spread = []
    for m in municipalities:
        rows = areas.get(m.pk, [])
        if not rows and m.centroid_lat is not None:
            rows = [(m.centroid_lat, m.centroid_lon, m.inhabitants)]
        pts = _points(rows)
        needed += branches_needed(pts)
        spread.append((dispersion_km(pts), m.inhabitants))
    weighted_spread = sum(s * n for s, n in spread) / inhabitants if inhabitants else 0.0
    return {
        "inwoners": Decimal(inhabitants),
        "inwoners_0_17": Decimal(youth),
        # Estimate: four of the eighteen youth years (say so wherever it is shown).
        "inwoners_0_3": (Decimal(youth) * 4 / 18).quantize(Decimal(1)),
        "oppervlakte_km2": sum((m.area_km2 or Decimal(0) for m in municipalities), Decimal(0)),
        "vestigingen_bereik": Decimal(needed),
        "spreiding_km": Decimal(str(round(weighted_spread, 2))),
    }
