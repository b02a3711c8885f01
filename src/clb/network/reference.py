"""Loading the real reference data that ships in network/data (see SOURCES.md there).

Everything here is idempotent: records are matched on their natural key (CBS code, PC4, branch code)
and updated in place, so `clb load-reference` can run after every release."""

import csv
import gzip
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
from django.db import transaction

from .models import Municipality, PostcodeArea, Province

DATA = Path(__file__).resolve().parent / "data"
REFERENCE_DATE = date(2024, 1, 1)

# CBS province codes.
PROVINCES = {
    "Groningen": "PV20", "Fryslân": "PV21", "Drenthe": "PV22", "Overijssel": "PV23",
    "Flevoland": "PV24", "Gelderland": "PV25", "Utrecht": "PV26", "Noord-Holland": "PV27",
    "Zuid-Holland": "PV28", "Zeeland": "PV29", "Noord-Brabant": "PV30", "Limburg": "PV31",
}  # fmt: skip

Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    pass


# --- geometry ---------------------------------------------------------------------------------


def _rings(geometry: dict) -> list[list[np.ndarray]]:
    """Polygons as lists of rings (outer first, then holes), each an (n, 2) lon/lat array."""
    polys = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    return [[np.asarray(ring, dtype=float) for ring in poly] for poly in polys]


def _inside_ring(ring: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Even-odd ray casting, vectorised over points."""
    inside = np.zeros(x.shape, dtype=bool)
    x1, y1 = ring[:-1, 0], ring[:-1, 1]
    x2, y2 = ring[1:, 0], ring[1:, 1]
    for ax, ay, bx, by in zip(x1, y1, x2, y2, strict=True):
        crosses = (ay > y) != (by > y)
        if not crosses.any():
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            xcross = ax + (y - ay) * (bx - ax) / (by - ay)
        inside ^= crosses & (x < xcross)
    return inside


def _inside(polygons, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    result = np.zeros(x.shape, dtype=bool)
    for rings in polygons:
        outer = rings[0]
        box = (
            (x >= outer[:, 0].min())
            & (x <= outer[:, 0].max())
            & (y >= outer[:, 1].min())
            & (y <= outer[:, 1].max())
        )
        if not box.any():
            continue
        idx = np.nonzero(box)[0]
        hit = _inside_ring(outer, x[idx], y[idx])
        for hole in rings[1:]:
            hit &= ~_inside_ring(hole, x[idx], y[idx])
        result[idx[hit]] = True
    return result


def _centroid(polygons) -> tuple[float, float]:
    """Area-weighted centroid of the outer rings (lat, lon); good enough for labels and maps."""
    total = cx = cy = 0.0
    for rings in polygons:
        r = rings[0]
        x, y = r[:, 0], r[:, 1]
        cross = x[:-1] * y[1:] - x[1:] * y[:-1]
        area = cross.sum() / 2
        if area == 0:
            continue
        cx += ((x[:-1] + x[1:]) * cross).sum() / 6
        cy += ((y[:-1] + y[1:]) * cross).sum() / 6
        total += area
    return (cy / total, cx / total)


def municipality_shapes() -> dict[str, list]:
    with open(DATA / "gemeenten-2025.geojson", encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    return {f["properties"]["code"]: _rings(f["geometry"]) for f in features}


# --- loaders ----------------------------------------------------------------------------------


@transaction.atomic
def load_municipalities(progress: Progress = _quiet) -> int:
    for name, code in PROVINCES.items():
        Province.objects.update_or_create(code=code, defaults={"name": name})
    provinces = {p.name: p for p in Province.objects.all()}
    shapes = municipality_shapes()
    count = 0
    with open(DATA / "gemeenten-2024.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            lat, lon = _centroid(shapes[row["code"]]) if row["code"] in shapes else (None, None)
            Municipality.objects.update_or_create(
                code=row["code"],
                defaults=dict(
                    name=row["name"],
                    province=provinces[row["province"]],
                    inhabitants=int(row["inhabitants_2024_01_01"]),
                    reference_date=REFERENCE_DATE,
                    area_km2=Decimal(row["area_km2"]) if row["area_km2"] else None,
                    centroid_lat=lat,
                    centroid_lon=lon,
                ),
            )
            count += 1
    progress(f"{count} gemeenten")
    return count


def _youth_per_pc4() -> tuple[dict[str, float], dict[str, int]]:
    """Under-18s per PC4 from CBS 5-year groups: 0–14 exactly, 15–17 as 3/5 of 15–19."""
    youth: dict[str, float] = defaultdict(float)
    total: dict[str, int] = defaultdict(int)
    weights = {"0-4": 1.0, "5-9": 1.0, "10-14": 1.0, "15-19": 0.6}
    with gzip.open(DATA / "pc4-age-2021.csv.gz", "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            n = int(row["inhabitants"] or 0)
            total[row["pc4"]] += n
            youth[row["pc4"]] += n * weights.get(row["age_group"], 0.0)
    return youth, total


@transaction.atomic
def load_postcode_areas(progress: Progress = _quiet) -> int:
    """PC4 areas, each assigned to the 2024 municipality whose boundary holds its inside point;
    then inhabitants 0–17 per municipality estimated from the PC4 age shares, scaled to the
    municipality's 2024 CBS total."""
    with open(DATA / "pc4-2021.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    lon = np.array([float(r["inside_lon"]) for r in rows])
    lat = np.array([float(r["inside_lat"]) for r in rows])
    owner = np.full(len(rows), "", dtype=object)
    for code, polygons in municipality_shapes().items():
        owner[_inside(polygons, lon, lat) & (owner == "")] = code
    municipalities = {m.code: m for m in Municipality.objects.all()}
    by_name = {m.name: m for m in municipalities.values()}
    # Points the generalised boundaries miss (coast, water): the PC4's own municipality by name,
    # else the nearest municipality centroid.
    centroids = [
        (m.code, m.centroid_lat, m.centroid_lon) for m in municipalities.values() if m.centroid_lat
    ]
    for i in np.nonzero(owner == "")[0]:
        named = by_name.get(rows[i]["municipality"])
        if named:
            owner[i] = named.code
        else:
            owner[i] = min(centroids, key=lambda c: (c[1] - lat[i]) ** 2 + (c[2] - lon[i]) ** 2)[0]
    youth, total = _youth_per_pc4()
    existing = {a.pc4: a for a in PostcodeArea.objects.all()}
    new, changed = [], []
    for row, code in zip(rows, owner, strict=True):
        inhabitants = int(float(row["inhabitants"] or 0))
        share = youth.get(row["pc4"], 0.0) / total[row["pc4"]] if total.get(row["pc4"]) else 0.0
        values = dict(
            inhabitants=inhabitants,
            inhabitants_0_17=round(inhabitants * share, 1),
            lat=float(row["inside_lat"]),
            lon=float(row["inside_lon"]),
            municipality=municipalities.get(code),
        )
        area = existing.get(row["pc4"])
        if area is None:
            new.append(PostcodeArea(pc4=row["pc4"], **values))
        else:
            for key, value in values.items():
                setattr(area, key, value)
            changed.append(area)
    PostcodeArea.objects.bulk_create(new, batch_size=1000)
    PostcodeArea.objects.bulk_update(
        changed, ["inhabitants", "inhabitants_0_17", "lat", "lon", "municipality"], batch_size=1000
    )
    _estimate_youth(municipalities.values())
    progress(f"{len(rows)} postcodegebieden")
    return len(rows)


def _estimate_youth(municipalities: Iterable[Municipality]) -> None:
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for mid, people, young in PostcodeArea.objects.values_list(
        "municipality_id", "inhabitants", "inhabitants_0_17"
    ):
        sums[mid][0] += people
        sums[mid][1] += young
    for m in municipalities:
        people, young = sums.get(m.pk, (0.0, 0.0))
        m.inhabitants_0_17 = round(m.inhabitants * young / people) if people else 0
        m.inhabitants_0_17_estimated = True
    Municipality.objects.bulk_update(
        municipalities, ["inhabitants_0_17", "inhabitants_0_17_estimated"]
    )
