"""Importing branch lists (CSV). One row, one branch; a bad row is reported and skipped.

Columns (header names): code, name, organisation_code, organisation_name, kind, staffed_hours_week,
street, postcode, place, municipality_code, lat, lon, opened_on, closed_on, source, pickup_point,
organisation_placeholder, isil, organisation_isil. Only code, name, organisation_code and
municipality_code or lat/lon are required; kind follows from the staffed hours when left empty
("onbekend" when the hours are empty too); a branch is a pickup point unless pickup_point says no
or its kind is unknown. The ISILs (ISO 15511, NL-…) are the agency ids of SRU, OAI-PMH and NCIP;
an ISIL that another organisation or branch already has rejects the row."""

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from .models import Branch, BranchKind, Municipality, Organisation, clean_isil, kind_for_hours

REQUIRED = ("code", "name", "organisation_code")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"aangemaakt {self.created}, bijgewerkt {self.updated}, afgewezen {len(self.errors)}"


class RowError(ValueError):
    pass


def _date(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise RowError(f"{name}: '{value}' is geen datum (JJJJ-MM-DD)") from exc


def _number(value: str, name: str, kind=float):
    if value in ("", None):
        return None
    try:
        return kind(value)
    except (ValueError, InvalidOperation) as exc:
        raise RowError(f"{name}: '{value}' is geen getal") from exc


def _branch_values(row: dict, municipalities: dict) -> tuple[Organisation, dict]:
    for name in REQUIRED:
        if not (row.get(name) or "").strip():
            raise RowError(f"{name}: ontbreekt")
    org_code = slugify(row["organisation_code"])
    organisation = Organisation.objects.filter(code=org_code).first()
    if organisation is None:
        if not row.get("organisation_name"):
            raise RowError(
                f"organisation_code: onbekende organisatie '{org_code}' en geen organisation_name"
            )
        organisation = Organisation.objects.create(
            code=org_code,
            name=row["organisation_name"],
            is_placeholder=_yes(row.get("organisation_placeholder", "")),
        )
    if (row.get("organisation_isil") or "").strip():
        organisation.isil = row["organisation_isil"]
        _isil_of(organisation, "organisation_isil")
        organisation.save(update_fields=["isil"])
    municipality = None
    if row.get("municipality_code"):
        municipality = municipalities.get(row["municipality_code"].strip())
        if municipality is None:
            raise RowError(f"municipality_code: onbekende gemeente '{row['municipality_code']}'")
    hours = _number(row.get("staffed_hours_week", ""), "staffed_hours_week", Decimal)
    kind = (row.get("kind") or "").strip()
    if kind and kind not in BranchKind.values:
        raise RowError(f"kind: '{kind}' is geen van {', '.join(BranchKind.values)}")
    if not kind:
        kind = kind_for_hours(float(hours)) if hours is not None else BranchKind.UNKNOWN
    lat = _number(row.get("lat", ""), "lat")
    lon = _number(row.get("lon", ""), "lon")
    if lat is not None and not (50.5 <= lat <= 53.8) or lon is not None and not (3.2 <= lon <= 7.3):
        raise RowError(f"lat/lon: ({lat}, {lon}) ligt niet in Nederland")
    opened, closed = (
        _date(row.get("opened_on", ""), "opened_on"),
        _date(row.get("closed_on", ""), "closed_on"),
    )
    if opened and closed and closed < opened:
        raise RowError("closed_on: ligt voor opened_on")
    return organisation, dict(
        name=row["name"].strip(),
        kind=kind,
        staffed_hours_week=hours if hours is not None else Decimal("0"),
        street=row.get("street", "").strip(),
        postcode=row.get("postcode", "").strip(),
        place=row.get("place", "").strip(),
        municipality=municipality,
        lat=lat,
        lon=lon,
        opened_on=opened,
        closed_on=closed,
        is_demo=_yes(row.get("is_demo", "")),
        source=row.get("source", "").strip()[:200],
        is_pickup_point=_pickup_point(row.get("pickup_point", ""), kind, organisation),
    )


def _isil_of(instance, column: str) -> None:
    try:
        clean_isil(instance)
    except ValidationError as exc:
        raise RowError(f"{column}: {' '.join(exc.messages)}") from exc


def _yes(value) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "ja")


def _pickup_point(value, kind: str, organisation: Organisation) -> bool:
    if str(value or "").strip():
        return _yes(value)
    return kind != BranchKind.UNKNOWN and not organisation.is_placeholder


def import_branches(rows, *, default_source: str = "") -> ImportReport:
    report = ImportReport()
    municipalities = {m.code: m for m in Municipality.objects.all()}
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        code = slugify(row.get("code", "")) or "?"
        try:
            with transaction.atomic():
                organisation, values = _branch_values(row, municipalities)
                values["source"] = values["source"] or default_source
                if (row.get("isil") or "").strip():
                    existing = Branch.objects.filter(code=code).first() or Branch(code=code)
                    existing.isil = row["isil"]
                    _isil_of(existing, "isil")
                    values["isil"] = existing.isil
                _, created = Branch.objects.update_or_create(
                    code=code, defaults=dict(values, organisation=organisation)
                )
        except RowError as exc:
            report.errors.append(f"regel {number} ({code}): {exc}")
            continue
        if created:
            report.created += 1
        else:
            report.updated += 1
    return report


def import_branches_csv(path: Path) -> ImportReport:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return import_branches(csv.DictReader(fh), default_source=Path(path).name)


def polling_station_rows(path: Path):
    """The 78 real library buildings that served as polling stations (TK2025), as branch rows.
    Their organisation and staffed hours are not in the source: each hangs under an organisation
    per municipality that is marked as not yet linked (a placeholder the public never sees),
    with kind 'onbekend'. The branch is named as a library names it; the polling station's own
    name stays in the source."""
    with open(path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            yield {
                "code": f"{row['municipality_code']}-{row['polling_station_id'].split('::')[-1]}".lower(),
                "name": library_name(row["name"], row["place"]),
                "organisation_code": f"ongekoppeld-{row['municipality_code'].lower()}",
                "organisation_name": f"Nog te koppelen organisatie ({row['municipality']})",
                "organisation_placeholder": "1",
                "place": row["place"],
                "municipality_code": row["municipality_code"],
                "lat": row["lat"],
                "lon": row["lon"],
                "source": f"stembureau '{row['name']}' in bibliotheek, Tweede Kamerverkiezing 2025",
            }


_GENERIC = {"bibliotheek", "de bibliotheek", "openbare bibliotheek"}
_LIBRARY = re.compile(r"bibliotheek", re.IGNORECASE)


def library_name(polling_name: str, place: str) -> str:
    """A polling station's name for a library building, as the library names the branch:
    "Oosterwolde, Bibliotheek" is "Bibliotheek Oosterwolde", a bare "Bibliotheek" gets its
    place, and what only concerns the vote (the station's number, which door) goes."""
    name = re.sub(r"\s*-\s*stembureau\b.*$", "", polling_name.strip(), flags=re.IGNORECASE)
    name = re.sub(r",\s*ingang\b.*$", "", name, flags=re.IGNORECASE)
    if "/" in name:  # "MFA … / Bibliotheek Dronrijp": the part that names the library
        parts = [part.strip() for part in name.split("/")]
        name = next((part for part in parts if _LIBRARY.search(part)), parts[0])
    building = re.fullmatch(r"(.+?)\s*\((.*)\)", name)
    if building and _LIBRARY.search(building.group(2)):  # "Brinkhuis (bibliotheek)"
        outer, inner = building.groups()
        if inner.strip().lower() in _GENERIC:
            return f"Bibliotheek {place} ({outer})"
        return inner[0].upper() + inner[1:]
    if "," in name:  # "Oosterwolde, Bibliotheek", "Openbare Bibliotheek, Noordwolde"
        left, right = (part.strip() for part in name.split(",", 1))
        if left.lower() in _GENERIC:
            name = f"Bibliotheek {right}"
        elif right.lower() in _GENERIC:
            name = f"Bibliotheek {left}"
    trailing = re.fullmatch(r"(.+?)\s+bibliotheek", name, flags=re.IGNORECASE)
    if trailing and trailing.group(1).lower() == place.lower():  # "Naaldwijk Bibliotheek"
        name = f"Bibliotheek {trailing.group(1)}"
    if name.lower() in _GENERIC:
        name = f"Bibliotheek {place}"
    return name
