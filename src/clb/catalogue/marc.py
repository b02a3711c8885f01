"""MARC 21 ↔ catalogue fields. Reading and writing records is pymarc's; this module decides what
each field means here.

Kept from the record: title and subtitle (245), authors (100/110/111/700/710/711), publisher and
year (264, else 260, else 008), ISBNs (020, normalised to ISBN-13 and checked with
python-stdnum; invalid ones kept apart), language (008/35-37, else 041), subjects (6XX), series
(490/800/810/811/830), audience (008/22, 521, classification, subject form), material type
(leader/06-07, 007, 008) and the whole description as MARCXML, so nothing is lost."""

import hashlib
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import pymarc
from pymarc import Field, Indicators, Subfield

from .models import Audience, MaterialType
from .text import as_isbn13

MARC_NS = "http://www.loc.gov/MARC21/slim"
HOLDING_TAGS = ("852", "949", "952")
ISBN_PART = re.compile(r"[0-9][0-9Xx-]*")
YEAR = re.compile(r"(1[4-9]\d\d|20\d\d)")
TRAILING = re.compile(r"\s*[/:;,=]$|(?<=[^\W\d_]{3})\.$|(?<=[\])])\.$")
JUVENILE = set("abcj")  # 008/22 target audience: preschool, primary, pre-adolescent, juvenile
SUBJECT_TAGS = ("600", "610", "611", "630", "650", "651", "655")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MAY_TRAIL = frozenset("/:;,=.")  # the last characters TRAILING takes
_NOT_WORD = re.compile(r"[\W_]+")
_LETTERS3 = re.compile(r"[a-z]{3}")
_PZ = re.compile(r"PZ\s*(\d+)")
_YOUTH_NOTE = re.compile(r"juvenile|jeugd|kinderen|children|ages? \d|grades? \d|groep \d")
_NEEDS_ESCAPE = re.compile('[&<>"\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]')


@dataclass
class Description:
    title: str
    subtitle: str = ""
    authors: list[str] = field(default_factory=list)
    publisher: str = ""
    year: int | None = None
    isbns: list[str] = field(default_factory=list)  # valid, as ISBN-13
    invalid_isbns: list[str] = field(default_factory=list)
    language: str = ""
    subjects: list[str] = field(default_factory=list)
    series: list[str] = field(default_factory=list)
    audience: str = Audience.ADULT
    material_type: str = MaterialType.BOOK
    control_number: str = ""
    filing_title: str = ""  # the title without its leading article (245 second indicator)

    @cached_property  # the importer asks for it several times per record
    def match_key(self) -> str:
        return match_key(
            self.filing_title or self.title,
            self.authors[0] if self.authors else "",
            self.year,
            self.material_type,
            self.publisher,
        )


class Unusable(ValueError):
    """The record cannot be a catalogue entry; names the field."""

    def __init__(self, field_name: str, reason: str):
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


def clean(text: str) -> str:
    """Without ISBD punctuation at the end (" /", " :", ","); a full stop only after a word,
    so "Jr." and "3rd ed." keep theirs."""
    text = " ".join((text or "").split())
    if text[-1:] not in _MAY_TRAIL:  # nothing TRAILING could take (most text)
        return text
    while (shorter := TRAILING.sub("", text).strip()) != text:
        text = shorter
    return text


def _fold(text: str) -> str:
    if text.isascii():  # nothing to decompose (most text)
        return _NOT_WORD.sub(" ", text.casefold()).strip()
    text = unicodedata.normalize("NFKD", text.casefold())
    return _NOT_WORD.sub(" ", "".join(c for c in text if not unicodedata.combining(c))).strip()


def match_key(title: str, author: str, year, material: str, publisher: str = "") -> str:
    """Normalised title + author surname + year + material: the dedup key without an ISBN.
    Without an author the publisher's first word stands in, so two anonymous "Verslag"s of
    one year from different publishers stay apart."""
    who = _fold(author or publisher).split(" ")[0]
    return f"{_fold(title)[:120]}|{who}|{year or ''}|{material}"[:200]


def control_value(record: pymarc.Record, tag: str) -> str:
    for f in record.get_fields(tag):
        if f.is_control_field():
            return f.data or ""
    return ""


def _joined(f: Field, codes: str) -> str:
    return clean(" ".join(v for v in f.get_subfields(*codes) if v))


def _all(record: "Fields", tags: tuple[str, ...], codes: str) -> list[str]:
    found: list[str] = []
    for f in record.get_fields(*tags):  # tag by tag, each tag's in the record's order
        value = _joined(f, codes)
        if value and value not in found:
            found.append(value)
    return found


# --- material and audience -------------------------------------------------------------------


def _electronic(record: pymarc.Record, fixed: str) -> bool:
    if any(f.data[:1] == "c" for f in record.get_fields("007") if f.is_control_field()):
        return True
    if len(fixed) > 23 and fixed[23] in "oqs":  # form of item: online, direct, electronic
        return True
    medium = " ".join(v for f in record.get_fields("245") for v in f.get_subfields("h")).lower()
    carriers = {v for f in record.get_fields("338") for v in f.get_subfields("b")}
    return "electronic resource" in medium or "cr" in carriers


def material_of(record: "Fields") -> str:
    leader = str(record.leader)
    kind, level = leader[6:7], leader[7:8]
    fixed = control_value(record, "008")
    if kind in "at":
        if level in "bis":
            return MaterialType.MAGAZINE
        return MaterialType.EBOOK if _electronic(record, fixed) else MaterialType.BOOK
    if kind == "i":
        return MaterialType.AUDIOBOOK
    if kind in "jcd":  # music recordings and printed or manuscript music
        return MaterialType.MUSIC
    if kind == "g":
        # 008/33 type of visual material: m motion picture, v videorecording (blank when absent).
        return MaterialType.DVD if len(fixed) < 34 or fixed[33] in "mv |" else MaterialType.OTHER
    genres = " ".join(_all(record, ("655",), "a")).lower()
    if kind == "m":
        if (len(fixed) > 26 and fixed[26] == "g") or "game" in genres:
            return MaterialType.GAME
        return MaterialType.OTHER
    if kind == "r" and ((len(fixed) > 33 and fixed[33] == "g") or "game" in genres):
        return MaterialType.GAME
    return MaterialType.OTHER


def _juvenile_class(record: pymarc.Record) -> bool:
    """Classifications that mean a children's book: LC PZ5-PZ90 (juvenile belles lettres),
    Dewey [E] / [Fic] / J prefixes, Dutch NUR 2xx (kinder- en jeugdboeken)."""
    for f in record.get_fields("050", "090"):
        for value in f.get_subfields("a"):
            m = _PZ.match(value)
            if m and 5 <= int(m.group(1)) <= 90:
                return True
    for f in record.get_fields("082", "092"):
        for value in f.get_subfields("a"):
            if value.strip().upper() in ("[E]", "[FIC]", "E", "FIC") or value.startswith("J"):
                return True
    for f in record.get_fields("084"):
        if (f.get("2") or "").lower() == "nur" and any(
            v.strip().startswith("2") for v in f.get_subfields("a")
        ):
            return True
    return False


def audience_of(record: "Fields") -> str:
    leader = str(record.leader)
    fixed = control_value(record, "008")
    # 008/22 is the target audience except for serials (form of original) and maps (projection).
    has_audience = leader[7:8] not in ("b", "i", "s") and leader[6:7] not in ("e", "f", "p")
    if has_audience and len(fixed) > 22 and fixed[22] in JUVENILE:
        return Audience.YOUTH
    notes = " ".join(_all(record, ("521",), "a")).lower()
    if _YOUTH_NOTE.search(notes):
        return Audience.YOUTH
    if _juvenile_class(record):
        return Audience.YOUTH
    forms = " ".join(v for f in record.get_fields(*SUBJECT_TAGS)
                     for v in f.get_subfields("v")).lower()  # fmt: skip
    if "juvenile" in forms or "jeugdliteratuur" in forms:
        return Audience.YOUTH
    return Audience.ADULT


# --- the description --------------------------------------------------------------------------


def _year(record: pymarc.Record, fixed: str) -> int | None:
    publications = record.get_fields("264")
    # 264 second indicator 1 is the publication statement; 4 is a copyright date.
    ordered = sorted(publications, key=lambda f: f.indicator2 != "1") + record.get_fields("260")
    candidates = [" ".join(f.get_subfields("c")) for f in ordered]
    if len(fixed) >= 11:
        candidates.append(fixed[7:11])
    latest = date.today().year + 1
    for text in candidates:
        for found in YEAR.findall(text or ""):
            if int(found) <= latest:
                return int(found)
    return None


def _language(record: pymarc.Record, fixed: str) -> str:
    code = fixed[35:38].strip().lower() if len(fixed) >= 38 else ""
    if not _LETTERS3.fullmatch(code):
        code = next(
            (v.strip().lower()[:3] for f in record.get_fields("041") for v in f.get_subfields("a")),
            "",
        )
    return code if _LETTERS3.fullmatch(code) else ""


class Fields:
    """A record's fields by tag: pymarc's get_fields() walks every field on every call, and a
    description asks for some forty tags. describe() and holdings() take one instead of the
    record, so a caller that needs both sorts the fields once (mapping.map_entry)."""

    def __init__(self, record: pymarc.Record):
        self.leader = str(record.leader)
        self.by_tag: dict[str, list[Field]] = {}
        for f in record.fields:
            if f.tag in self.by_tag:
                self.by_tag[f.tag].append(f)
            else:
                self.by_tag[f.tag] = [f]

    def get_fields(self, *tags: str) -> list[Field]:
        """The fields with these tags, tag by tag; a list that is not to be changed."""
        if len(tags) == 1:  # most calls: the list itself, not a copy
            return self.by_tag.get(tags[0]) or []
        return [f for tag in tags for f in self.by_tag.get(tag, ())]


def describe(record: pymarc.Record | Fields) -> Description:
    """Raises Unusable naming the field when the record cannot be a catalogue entry."""
    record = record if isinstance(record, Fields) else Fields(record)
    titles = record.get_fields("245")
    if not titles:
        raise Unusable("245", "titel ontbreekt")
    title_field = titles[0]
    title = clean(" ".join(title_field.get_subfields("a", "n", "p")))
    if not title:
        raise Unusable("245", "titel ($a) is leeg")
    skip = int(title_field.indicator2) if (title_field.indicator2 or "").isdigit() else 0
    fixed = control_value(record, "008")
    publication = next(iter(record.get_fields("264", "260")), None)
    isbns: list[str] = []
    invalid: list[str] = []
    for f in record.get_fields("020"):
        for raw in f.get_subfields("a"):
            number = ISBN_PART.match(raw.strip())  # "90-234-6632-2 (geb.)", "0416345409:"
            normal = as_isbn13(number.group(0)) if number else None
            if normal and normal not in isbns:
                isbns.append(normal)
            elif not normal and raw.strip() and raw.strip() not in invalid:
                invalid.append(raw.strip())
    return Description(
        title=title[:500],
        subtitle=_joined(title_field, "b")[:500],
        authors=[a[:200] for a in _all(record, ("100", "110", "111", "700", "710", "711"), "a")][
            :10
        ],
        publisher=(_joined(publication, "b") if publication else "")[:300],
        year=_year(record, fixed),
        isbns=isbns,
        invalid_isbns=invalid,
        language=_language(record, fixed),
        subjects=[s[:200] for s in _all(record, SUBJECT_TAGS, "axyzv")][:20],
        series=(_all(record, ("490", "830"), "a") + _all(record, ("800", "810", "811"), "t"))[:5],
        audience=audience_of(record),
        material_type=material_of(record),
        control_number=control_value(record, "001").strip()[:64],
        filing_title=title[skip:] if 0 < skip < len(title) else title,
    )


# --- holdings ---------------------------------------------------------------------------------


@dataclass
class Holding:
    barcode: str
    location: str = ""  # a branch code of the importing organisation, if it is one
    call_number: str = ""
    item_type: str = ""
    tag: str = "852"
    current_location: str = ""  # where the copy is now, when not at its home location
    price: str = ""  # replacement price as the source wrote it


def holdings(record: pymarc.Record | Fields) -> list[Holding]:
    """Copies in the record: 852 ($p barcode, $b location, $h call number, $x item type as CLB
    writes it), 949 as Unicorn/Sirsi and others write it ($i barcode, $l or $h location,
    $a or $c call number, $t item type) and Koha's 952 ($p barcode, $a home branch,
    $b holding branch, $o call number, $y item type, $v replacement price). Fields without a
    barcode are not copies (LC's 852 is a location statement)."""
    found = []
    for f in record.get_fields("852"):
        if f.get("p"):
            call = " ".join(f.get_subfields("h", "i")).strip()
            found.append(Holding(f.get("p"), f.get("b", ""), call, f.get("x", ""), "852"))
    for f in record.get_fields("949"):
        if f.get("i"):
            location = f.get("l") or f.get("h") or ""
            call = f.get("a") or f.get("c") or ""
            found.append(Holding(f.get("i"), location, call, f.get("t", ""), "949"))
    for f in record.get_fields("952"):
        if f.get("p"):
            found.append(
                Holding(
                    f.get("p"),
                    f.get("a", ""),
                    f.get("o", ""),
                    f.get("y", ""),
                    "952",
                    current_location=f.get("b", ""),
                    price=f.get("v", ""),
                )  # fmt: skip
            )
    for h in found:
        h.barcode, h.location = h.barcode.strip(), h.location.strip()
        h.call_number, h.item_type = h.call_number.strip(), h.item_type.strip()
        h.current_location, h.price = h.current_location.strip(), h.price.strip()
    return found


def holding_field(barcode: str, branch: str, call_number: str, item_type: str) -> Field:
    return Field(
        tag="852",
        indicators=Indicators(" ", " "),
        subfields=[
            Subfield("b", branch),
            Subfield("h", call_number or ""),
            Subfield("p", barcode),
            Subfield("x", item_type),
        ],
    )


# --- MARCXML ----------------------------------------------------------------------------------


def _x(text: str) -> str:
    if not _NEEDS_ESCAPE.search(text):
        return text
    text = _XML_ILLEGAL.sub("\ufffd", text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def canonical_leader(leader: str) -> str:
    """The leader without what every writer recomputes (length, base address) and with
    leader/09 = a: stored records are Unicode whatever the source encoding was."""
    leader = (leader or "").ljust(24)[:24]
    return "00000" + leader[5:9] + "a" + leader[10:12] + "00000" + leader[17:]


def to_marcxml(record: pymarc.Record, *, skip_tags=HOLDING_TAGS) -> str:
    """One <record> in MARCXML (a fast writer: pymarc's goes through ElementTree and costs more
    than parsing the record did). Characters XML cannot hold become U+FFFD."""
    out = [f'<record xmlns="{MARC_NS}"><leader>{_x(canonical_leader(str(record.leader)))}</leader>']
    for f in record.get_fields():
        if f.tag in skip_tags:
            continue
        if f.is_control_field():
            out.append(f'<controlfield tag="{_x(f.tag)}">{_x(f.data or "")}</controlfield>')
            continue
        out.append(
            f'<datafield tag="{_x(f.tag)}" ind1="{_x(f.indicator1 or " ")}" '
            f'ind2="{_x(f.indicator2 or " ")}">'
        )
        out += [
            f'<subfield code="{_x(s.code)}">{_x(s.value or "")}</subfield>' for s in f.subfields
        ]
        out.append("</datafield>")
    out.append("</record>")
    return "".join(out)


def fingerprint(marcxml: str) -> str:
    """Equal fingerprints mean the same description (holdings aside)."""
    return hashlib.sha1(marcxml.encode("utf-8")).hexdigest()


def from_marcxml(marcxml: str) -> pymarc.Record:
    """A stored description back as a pymarc record (with or without the MARC namespace)."""

    def name(element) -> str:
        return element.tag.rsplit("}", 1)[-1]

    root = ET.fromstring(marcxml)
    record = pymarc.Record(force_utf8=True)
    record.leader = "00000nam a2200000 a 4500"
    for element in root:
        kind = name(element)
        if kind == "leader":
            record.leader = (element.text or "").ljust(24)[:24]
        elif kind == "controlfield":
            record.add_field(Field(tag=element.get("tag"), data=element.text or ""))
        elif kind == "datafield":
            record.add_field(
                Field(
                    tag=element.get("tag"),
                    indicators=Indicators(element.get("ind1", " "), element.get("ind2", " ")),
                    subfields=[Subfield(s.get("code"), s.text or "") for s in element],
                )
            )
    return record
