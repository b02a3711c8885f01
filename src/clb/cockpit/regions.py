"""Regions of the cockpit: the Netherlands ("NL"), a province ("PV26"), a municipality ("GM0344")
or a library organisation ("ORG:<code>"), and the map of the network they are read from."""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from clb.errors import DomainError
from clb.network.models import Municipality, Organisation, Province

NATIONAL = "NL"
ORG_PREFIX = "ORG:"

# CBS municipality size classes (gemeentegrootteklassen), by inhabitants; also used for the
# population an organisation serves.
SIZE_CLASSES = [
    (0, 5_000, "< 5.000"),
    (5_000, 10_000, "5.000–10.000"),
    (10_000, 20_000, "10.000–20.000"),
    (20_000, 50_000, "20.000–50.000"),
    (50_000, 100_000, "50.000–100.000"),
    (100_000, 150_000, "100.000–150.000"),
    (150_000, 250_000, "150.000–250.000"),
    (250_000, 10**9, "≥ 250.000"),
]


class RegionError(DomainError):
    code = "region"


@dataclass(frozen=True)
class Region:
    code: str
    kind: str  # country | province | municipality | organisation | group
    name: str
    parent: str | None = None
    # A group (a size class to compare with) lists its municipalities or organisations.
    members: tuple["Region", ...] = ()

    @property
    def is_geographic(self) -> bool:
        if self.kind == "group":
            return self.members[0].is_geographic if self.members else True
        return self.kind != "organisation"

    def __str__(self):
        return self.name


@dataclass
class Place:
    code: str
    name: str
    province: str
    inhabitants: int
    inhabitants_0_17: int


@dataclass
class Org:
    id: int
    code: str
    name: str
    municipalities: set[str] = field(default_factory=set)


def size_class(inhabitants: int) -> str:
    for low, high, label in SIZE_CLASSES:
        if low <= inhabitants < high:
            return label
    return SIZE_CLASSES[-1][2]


class Geography:
    """The network as the cockpit needs it, read once per request (a few hundred rows)."""

    def __init__(self):
        self.provinces = dict(Province.objects.values_list("code", "name"))
        self.municipalities = {
            code: Place(code, name, province, inhabitants, young)
            for code, name, province, inhabitants, young in Municipality.objects.values_list(
                "code", "name", "province__code", "inhabitants", "inhabitants_0_17"
            )
        }
        self.organisations: dict[int, Org] = {
            pk: Org(pk, code, name)
            for pk, code, name in Organisation.objects.values_list("pk", "code", "name")
        }
        through = Organisation.municipalities.through
        for org_id, muni in through.objects.values_list("organisation_id", "municipality__code"):
            self.organisations[org_id].municipalities.add(muni)
        self.org_by_code = {o.code: o for o in self.organisations.values()}

    # --- regions ---

    def region(self, code: str) -> Region:
        code = (code or "").strip()
        if code.upper() == NATIONAL:
            return Region(NATIONAL, "country", _("Nederland"))
        if re.fullmatch(r"PV\d\d", code.upper()) and code.upper() in self.provinces:
            code = code.upper()
            return Region(code, "province", self.provinces[code], NATIONAL)
        if re.fullmatch(r"GM\d{4}", code.upper()) and code.upper() in self.municipalities:
            place = self.municipalities[code.upper()]
            return Region(place.code, "municipality", place.name, place.province)
        if code.startswith(ORG_PREFIX) and code[len(ORG_PREFIX) :] in self.org_by_code:
            org = self.org_by_code[code[len(ORG_PREFIX) :]]
            return Region(code, "organisation", org.name)
        raise RegionError(
            _("Regio '%(code)s' bestaat niet (NL, PVxx, GMxxxx of ORG:code).") % {"code": code},
            field="region",
        )

    def organisation_region(self, org_id: int) -> Region:
        return self.region(ORG_PREFIX + self.organisations[org_id].code)

    def organisation_of(self, region: Region) -> Org | None:
        if region.kind != "organisation":
            return None
        return self.org_by_code[region.code[len(ORG_PREFIX) :]]

    def municipalities_of(self, region: Region) -> set[str] | None:
        """Municipality codes of a geographic region (None: the whole country) or the working
        area of an organisation."""
        if region.kind == "country":
            return None
        if region.kind == "province":
            return set(self._province_municipalities().get(region.code, ()))
        if region.kind == "municipality":
            return {region.code}
        if region.kind == "group":
            return set().union(*(self.municipalities_of(m) for m in region.members))
        return set(self.organisation_of(region).municipalities)

    def _province_municipalities(self) -> dict[str, frozenset[str]]:
        # Asked for every part and map region of a page: grouped once per Geography.
        if not hasattr(self, "_by_province"):
            grouped: dict[str, set[str]] = {}
            for m in self.municipalities.values():
                grouped.setdefault(m.province, set()).add(m.code)
            self._by_province = {p: frozenset(codes) for p, codes in grouped.items()}
        return self._by_province

    def parts(self, region: Region) -> list[Region]:
        """One level down: provinces of the country, municipalities of a province."""
        if region.kind == "country":
            return [self.region(code) for code in sorted(self.provinces)]
        if region.kind == "province":
            codes = self.municipalities_of(region)
            return sorted((self.region(c) for c in codes), key=lambda r: r.name)
        return []

    def all_municipalities(self) -> list[Region]:
        return sorted((self.region(c) for c in self.municipalities), key=lambda r: r.name)

    def organisations_in(self, region: Region) -> list[Region]:
        """Organisations whose whole working area lies inside a geographic region."""
        area = self.municipalities_of(region)
        return sorted(
            (
                self.organisation_region(o.id)
                for o in self.organisations.values()
                if area is None or (o.municipalities and o.municipalities <= area)
            ),
            key=lambda r: r.name,
        )

    def inhabitants(self, region: Region) -> int:
        if region.kind == "municipality":
            return self.municipalities[region.code].inhabitants
        codes = self.municipalities_of(region)
        return sum(
            m.inhabitants for m in self.municipalities.values() if codes is None or m.code in codes
        )

    def size_class_of(self, region: Region) -> str | None:
        if region.kind not in ("municipality", "organisation"):
            return None
        return size_class(self.inhabitants(region))

    def size_class_group(self, region: Region) -> Region | None:
        """Municipalities (or organisations) in the region's size class, the region included,
        as one region to compare with."""
        label = self.size_class_of(region)
        if label is None:
            return None
        if region.kind == "municipality":
            candidates = [self.region(c) for c in self.municipalities]
            name = _("gemeenten met %(size)s inwoners") % {"size": label}
        else:
            candidates = [
                self.organisation_region(o.id)
                for o in self.organisations.values()
                if o.municipalities
            ]
            name = _("organisaties met %(size)s inwoners in het werkgebied") % {"size": label}
        members = tuple(r for r in candidates if size_class(self.inhabitants(r)) == label)
        return Region(f"class:{region.kind}:{label}", "group", name, members=members)
