"""MARC export: the stored description of every record (or of those an organisation holds
copies of) with the copies as 852 fields, as MARCXML or ISO 2709. Importing the export again
gives the same records and copies."""

from collections import defaultdict
from dataclasses import dataclass, field

import pymarc
from pymarc import Field, Indicators, Subfield

from clb.network.models import Organisation

from . import marc
from .models import Audience, BibRecord, Item, ItemStatus, MaterialType

CHUNK = 500
XML_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="http://www.loc.gov/MARC21/slim">\n'
)
XML_TAIL = b"</collection>\n"
# Leader/06-07 for records that were not imported from MARC.
LEADER_KIND = {
    MaterialType.BOOK: "am",
    MaterialType.EBOOK: "am",
    MaterialType.AUDIOBOOK: "im",
    MaterialType.DVD: "gm",
    MaterialType.MUSIC: "jm",
    MaterialType.MAGAZINE: "as",
    MaterialType.GAME: "mm",
    MaterialType.OTHER: "rm",
}


@dataclass
class ExportReport:
    records: int = 0
    copies: int = 0
    errors: list[str] = field(default_factory=list)


def export_marc(out, *, fmt: str = "marcxml", organisation: Organisation | None = None) -> int:
    return export(out, fmt=fmt, organisation=organisation).records


def export(out, *, fmt: str = "marcxml", organisation: Organisation | None = None) -> ExportReport:
    if fmt not in ("marcxml", "iso2709"):
        raise ValueError(f"onbekend formaat {fmt}")
    report = ExportReport()
    records = BibRecord.objects.order_by("id")
    if organisation is not None:
        records = records.filter(
            id__in=Item.objects.filter(organisation=organisation).values("record_id")
        )
    if fmt == "marcxml":
        out.write(XML_HEAD)
    last = 0
    while chunk := list(records.filter(id__gt=last)[:CHUNK]):
        last = chunk[-1].pk
        copies = _copies([r.pk for r in chunk], organisation)
        for rec in chunk:
            record = marc.from_marcxml(rec.raw_marc) if rec.raw_marc else from_fields(rec)
            for item in copies.get(rec.pk, []):
                record.add_ordered_field(marc.holding_field(item[0], item[1], item[2], item[3]))
                report.copies += 1
            try:
                if fmt == "marcxml":
                    out.write(marc.to_marcxml(record, skip_tags=()).encode("utf-8") + b"\n")
                else:
                    out.write(record.as_marc())
            except (ValueError, pymarc.exceptions.PymarcException) as exc:
                report.errors.append(f"titel {rec.pk}: {exc}")
                continue
            report.records += 1
    if fmt == "marcxml":
        out.write(XML_TAIL)
    return report


def _copies(record_ids, organisation) -> dict[int, list[tuple]]:
    items = Item.objects.filter(record_id__in=record_ids).exclude(status=ItemStatus.WITHDRAWN)
    if organisation is not None:
        items = items.filter(organisation=organisation)
    found = defaultdict(list)
    for row in items.order_by("barcode").values_list(
        "record_id", "barcode", "home_branch__code", "call_number", "item_type__code"
    ):
        found[row[0]].append(row[1:])
    return found


def from_fields(rec: BibRecord) -> pymarc.Record:
    """A MARC 21 description of a record made without MARC (by hand, demo data), with every
    field the catalogue keeps, so that importing it gives the same record."""
    record = pymarc.Record(force_utf8=True)
    kind = LEADER_KIND.get(rec.material_type, "am")
    record.leader = f"00000n{kind} a2200000 i 4500"
    fixed = list("000000s" + " " * 33)
    fixed[7:11] = str(rec.year or "    ").ljust(4)[:4]
    fixed[22] = "j" if rec.audience == Audience.YOUTH else " "
    fixed[23] = "o" if rec.material_type == MaterialType.EBOOK else " "
    fixed[35:38] = (rec.language or "   ").ljust(3)[:3]
    record.add_field(Field(tag="001", data=str(rec.control_number or f"CLB{rec.pk}")))
    if rec.material_type == MaterialType.EBOOK:
        record.add_field(Field(tag="007", data="cr"))
    record.add_field(Field(tag="008", data="".join(fixed)))

    def data(tag, ind, *subfields):
        record.add_field(
            Field(
                tag=tag,
                indicators=Indicators(*ind),
                subfields=[Subfield(c, v) for c, v in subfields],
            )
        )

    for isbn in dict.fromkeys(
        filter(None, [rec.isbn, *rec.isbns.values_list("isbn13", flat=True)])
    ):
        data("020", "  ", ("a", isbn))
    for raw in rec.invalid_isbns or []:
        data("020", "  ", ("a", raw))
    for i, author in enumerate(rec.authors or []):
        data("100" if i == 0 else "700", "1 ", ("a", author))
    title = [("a", rec.title)] + ([("b", rec.subtitle)] if rec.subtitle else [])
    data("245", ("1" if rec.authors else "0", "0"), *title)
    publication = ([("b", rec.publisher)] if rec.publisher else []) + (
        [("c", str(rec.year))] if rec.year else []
    )
    if publication:
        data("264", " 1", *publication)
    for s in rec.series or []:
        data("490", "0 ", ("a", s))
    for s in rec.subjects or []:
        data("650", " 4", ("a", s))
    return record
