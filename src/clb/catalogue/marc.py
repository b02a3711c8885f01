"""MARC21 ↔ catalogue fields. Reading is pymarc's; this module decides what each field means here.

Kept from the record: title and subtitle (245), authors (100/110/700/710), publisher and year
(264, else 260), ISBNs (020, normalised to ISBN-13 and checked with python-stdnum), language
(008/35-37, else 041), subjects (650/655), series (490/8xx), audience (008/22, 521, else adult),
material type (leader/06-07, 007), and the whole record as MARCXML so nothing is lost."""

import re
import unicodedata
from dataclasses import dataclass, field

import pymarc
from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import ValidationError

from .models import Audience, MaterialType

YEAR = re.compile(r"(1[4-9]\d\d|20\d\d)")
TRAILING = re.compile(r"[\s/:;,.=]+$")
JUVENILE = set("abcj")  # 008/22 target audience: preschool, primary, pre-adolescent, juvenile


@dataclass
class Description:
    title: str
    subtitle: str = ""
    authors: list[str] = field(default_factory=list)
    publisher: str = ""
    year: int | None = None
    isbns: list[str] = field(default_factory=list)  # valid, ISBN-13
    invalid_isbns: list[str] = field(default_factory=list)
    language: str = ""
    subjects: list[str] = field(default_factory=list)
    series: list[str] = field(default_factory=list)
    audience: str = Audience.ADULT
    material_type: str = MaterialType.BOOK
    control_number: str = ""
    raw_marc: str = ""

    @property
    def match_key(self) -> str:
        return match_key(
            self.title, self.authors[0] if self.authors else "", self.year, self.material_type
        )


def clean(text: str) -> str:
    return TRAILING.sub("", (text or "").strip())


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return re.sub(
        r"[^a-z0-9]+", " ", "".join(c for c in text if not unicodedata.combining(c))
    ).strip()


def match_key(title: str, author: str, year, material: str) -> str:
    """Normalised title + author surname + year + material; the dedup key without an ISBN."""
    surname = _fold(author).split(" ")[0] if author else ""
    return f"{_fold(title)[:120]}|{surname}|{year or ''}|{material}"[:200]


def first(record: pymarc.Record, *tags: str) -> pymarc.Field | None:
    """The first field with one of the tags, in the order given (pymarc raises on a missing tag)."""
    for tag in tags:
        fields = record.get_fields(tag)
        if fields:
            return fields[0]
    return None


def control_value(record: pymarc.Record, tag: str) -> str:
    field_ = first(record, tag)
    return field_.data if field_ is not None and field_.is_control_field() else ""


def _subfields(record: pymarc.Record, tag: str, codes: str) -> list[str]:
    return [clean(" ".join(f.get_subfields(*codes))) for f in record.get_fields(tag)]


def normalise_isbn(raw: str) -> str | None:
    candidate = (raw or "").split(" ")[0].strip()
    try:
        return stdnum_isbn.to_isbn13(stdnum_isbn.validate(candidate))
    except ValidationError:
        return None


def material_of(record: pymarc.Record) -> str:
    leader = str(record.leader)
    kind, level = leader[6:7], leader[7:8]
    if kind == "i":
        return MaterialType.AUDIOBOOK
    if kind == "j":
        return MaterialType.MUSIC
    if kind == "g":
        return MaterialType.DVD
    if kind in "a" and level == "s":
        return MaterialType.MAGAZINE
    if kind == "m":
        return (
            MaterialType.GAME
            if "game" in " ".join(_subfields(record, "655", "a")).lower()
            else MaterialType.OTHER
        )
    if kind in "at":
        electronic = any(
            f.data[:1] == "c" for f in record.get_fields("007") if f.is_control_field()
        )
        return MaterialType.EBOOK if electronic else MaterialType.BOOK
    return MaterialType.OTHER


def audience_of(record: pymarc.Record) -> str:
    fixed = control_value(record, "008")
    if len(fixed) > 22 and fixed[22] in JUVENILE:
        return Audience.YOUTH
    notes = " ".join(_subfields(record, "521", "a")).lower()
    if any(word in notes for word in ("juvenile", "jeugd", "kinderen", "children", "ages ")):
        return Audience.YOUTH
    return Audience.ADULT


def describe(record: pymarc.Record) -> Description:
    """Raises ValueError naming the field when the record cannot be a catalogue entry."""
    title_field = first(record, "245")
    if title_field is None or not clean(" ".join(title_field.get_subfields("a"))):
        raise ValueError("245: titel ontbreekt")
    fixed = control_value(record, "008")
    authors = [
        clean(a)
        for tag in ("100", "110", "700", "710")
        for a in _subfields(record, tag, "a")
        if clean(a)
    ]
    pub = first(record, "264", "260")
    year_match = YEAR.search(" ".join(pub.get_subfields("c"))) if pub else None
    if not year_match and len(fixed) >= 11:
        year_match = YEAR.fullmatch(fixed[7:11])
    isbns, invalid = [], []
    for raw in (sf for f in record.get_fields("020") for sf in f.get_subfields("a")):
        normal = normalise_isbn(raw)
        if normal:
            if normal not in isbns:
                isbns.append(normal)
        else:
            invalid.append(raw)
    language = fixed[35:38].strip() if len(fixed) >= 38 else ""
    if not language or language == "|||":
        language = next(iter(_subfields(record, "041", "a")), "")[:3]
    control = control_value(record, "001").strip()
    return Description(
        title=clean(" ".join(title_field.get_subfields("a")))[:500],
        subtitle=clean(" ".join(title_field.get_subfields("b")))[:500],
        authors=authors[:10],
        publisher=clean(" ".join(pub.get_subfields("b")))[:300] if pub else "",
        year=int(year_match.group(1)) if year_match else None,
        isbns=isbns,
        invalid_isbns=invalid,
        language=language.lower()[:3],
        subjects=[s for s in _subfields(record, "650", "a") + _subfields(record, "655", "a") if s][
            :20
        ],
        series=[s for tag in ("490", "800", "830") for s in _subfields(record, tag, "a") if s][:5],
        audience=audience_of(record),
        material_type=material_of(record),
        control_number=control[:64],
        raw_marc=pymarc.record_to_xml(record, namespace=True).decode("utf-8"),
    )


def holdings(record: pymarc.Record) -> list[dict]:
    """Copies in the record: 852 ($p barcode, $b branch, $h call number) or 949-style
    ($i barcode, $l branch, $c call number, $t item type)."""
    found = []
    for f in record.get_fields("852"):
        if f.get("p"):
            found.append(
                {
                    "barcode": f.get("p"),
                    "branch": f.get("b", ""),
                    "call_number": f.get("h", ""),
                    "item_type": f.get("x", ""),
                }
            )
    for f in record.get_fields("949"):
        if f.get("i"):
            found.append(
                {
                    "barcode": f.get("i"),
                    "branch": f.get("l", ""),
                    "call_number": f.get("c", ""),
                    "item_type": f.get("t", ""),
                }
            )
    return found


def to_record(raw_marcxml: str) -> pymarc.Record:
    import io

    records = pymarc.parse_xml_to_array(io.BytesIO(raw_marcxml.encode("utf-8")))
    return records[0]
