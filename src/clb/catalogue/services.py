"""The national catalogue's behaviour: MARC import with deduplication, merge undo, export.

One transaction per record: a bad record is reported (record number, control number, field,
reason) and skipped, never half-imported, and the run goes on. Importing the same file twice
changes nothing: a record identical to what the catalogue holds is "unchanged"."""

import gzip
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pymarc
from django.db import transaction

from clb import clock
from clb.errors import DomainError
from clb.network.models import Organisation

from . import marc
from .models import BibRecord, Item, ItemType, MergeLog, RecordIsbn

HOLDING_TAGS = ("852", "949")


class CatalogueError(DomainError):
    code = "catalogue"


@dataclass
class RecordError:
    number: int
    control_number: str
    field: str
    reason: str

    def __str__(self):
        return f"record {self.number} ({self.control_number or 'zonder 001'}): {self.field}: {self.reason}"


@dataclass
class ImportReport:
    imported: int = 0
    merged: int = 0
    unchanged: int = 0
    items: int = 0
    errors: list[RecordError] = field(default_factory=list)
    invalid_isbns: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.errors)

    def add(self, other: "ImportReport") -> None:
        self.imported += other.imported
        self.merged += other.merged
        self.unchanged += other.unchanged
        self.items += other.items
        self.errors += other.errors
        self.invalid_isbns += other.invalid_isbns

    def summary(self) -> str:
        return f"imported {self.imported}, merged {self.merged}, items {self.items}, rejected {self.rejected}"


class _Rejected(Exception):
    def __init__(self, field_name: str, reason: str):
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


# --- reading ----------------------------------------------------------------------------------


def _open(path: Path) -> bytes:
    data = Path(path).read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise CatalogueError(f"{path}: beschadigd gzip-bestand ({exc})", field="file") from exc
    return data


def read_records(
    data: bytes, fmt: str = "auto"
) -> Iterator[tuple[pymarc.Record | None, Exception | None]]:
    """Yield (record, None) or (None, error) per record, in file order."""
    if fmt == "auto":
        fmt = "marcxml" if data.lstrip()[:1] == b"<" else "iso2709"
    if not data.strip():
        raise CatalogueError("leeg bestand", field="file")
    if fmt == "marcxml":
        try:
            records = pymarc.parse_xml_to_array(io.BytesIO(data), strict=False)
        except Exception as exc:  # the XML parser's own error types vary
            raise CatalogueError(f"geen geldige MARCXML: {exc}", field="file") from exc
        if not records:
            raise CatalogueError("geen MARCXML-records gevonden", field="file")
        for record in records:
            yield record, None
        return
    reader = pymarc.MARCReader(
        io.BytesIO(data), to_unicode=True, permissive=True, utf8_handling="strict"
    )
    for record in reader:
        if record is None:
            yield None, reader.current_exception
        else:
            yield record, None


def fingerprint(record: pymarc.Record) -> str:
    """The record as MARCXML without holdings and without the leader's length and base address,
    which every writer recomputes: equal fingerprints mean the same description."""
    copy = pymarc.Record(leader=str(record.leader), force_utf8=True)
    copy.leader = (
        "00000"
        + str(record.leader)[5:9]
        + "a"
        + str(record.leader)[10:12]
        + "00000"
        + str(record.leader)[17:]
    )
    for f in record.get_fields():
        if f.tag not in HOLDING_TAGS:
            copy.add_ordered_field(f)
    return pymarc.record_to_xml(copy, namespace=True).decode("utf-8")


# --- import -----------------------------------------------------------------------------------


def import_marc(
    paths: Iterable,
    organisation: Organisation,
    *,
    fmt: str = "auto",
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    at=None,
) -> ImportReport:
    report = ImportReport()
    at = clock.now(at)
    branches = {b.code: b for b in organisation.branches.all()}
    for path in paths:
        for number, (record, error) in enumerate(read_records(_open(path), fmt), start=1):
            if progress:
                progress(number)
            if error is not None:
                report.errors.append(RecordError(number, "", "record", f"onleesbaar: {error}"))
                continue
            control = marc.control_value(record, "001").strip()
            # Counts go into a scratch report and reach the real one only if the record commits.
            outcome = ImportReport()
            try:
                with transaction.atomic():
                    _import_one(
                        record, f"{Path(path).name}#{number}", organisation, branches, outcome, at
                    )
                    if dry_run:
                        raise _DryRun
            except _Rejected as exc:
                report.errors.append(RecordError(number, control, exc.field, exc.reason))
                continue
            except _DryRun:
                pass
            report.add(outcome)
    return report


class _DryRun(Exception):
    pass


def _import_one(record, source, organisation, branches, report: ImportReport, at) -> None:
    try:
        desc = marc.describe(record)
    except ValueError as exc:
        tag, _, reason = str(exc).partition(": ")
        raise _Rejected(tag, reason or str(exc)) from exc
    report.invalid_isbns += [f"{source}: {raw}" for raw in desc.invalid_isbns]
    raw = fingerprint(record)
    target, matched_on = _find_match(desc)
    if target is None:
        target = _create(desc, raw)
        report.imported += 1
    elif (
        target.raw_marc == raw
        or MergeLog.objects.filter(target=target, raw_marc=raw, undone_at=None).exists()
    ):
        report.unchanged += 1
        matched_on = None
    else:
        report.merged += 1
    barcodes = _add_items(record, target, organisation, branches, desc, report)
    if target is not None and matched_on:
        MergeLog.objects.create(
            target=target,
            matched_on=matched_on,
            source=source[:300],
            control_number=desc.control_number,
            raw_marc=raw,
            item_barcodes=barcodes,
            organisation=organisation,
            merged_at=at,
        )


def _find_match(desc: marc.Description) -> tuple[BibRecord | None, str | None]:
    if desc.isbns:
        hit = RecordIsbn.objects.filter(isbn13__in=desc.isbns).select_related("record").first()
        if hit:
            return hit.record, "isbn"
        return None, None
    hit = BibRecord.objects.filter(match_key=desc.match_key).first()
    return (hit, "title_key") if hit else (None, None)


def _create(desc: marc.Description, raw: str) -> BibRecord:
    record = BibRecord.objects.create(
        title=desc.title,
        subtitle=desc.subtitle,
        authors=desc.authors,
        publisher=desc.publisher,
        year=desc.year,
        isbn=desc.isbns[0] if desc.isbns else "",
        language=desc.language,
        material_type=desc.material_type,
        audience=desc.audience,
        subjects=desc.subjects,
        series=desc.series,
        control_number=desc.control_number,
        raw_marc=raw,
        match_key=desc.match_key,
    )
    RecordIsbn.objects.bulk_create(RecordIsbn(record=record, isbn13=i) for i in desc.isbns)
    return record


def _default_type(desc: marc.Description) -> str:
    if desc.material_type == "dvd":
        return "dvd"
    if desc.material_type == "audiobook":
        return "luisterboek"
    if desc.material_type == "music":
        return "cd"
    if desc.material_type == "magazine":
        return "tijdschrift"
    return "jeugdboek" if desc.audience == "youth" else "boek"


def _add_items(record, target, organisation, branches, desc, report) -> list[str]:
    added = []
    types = {t.code: t for t in ItemType.objects.all()}
    for holding in marc.holdings(record):
        barcode = holding["barcode"].strip()
        existing = Item.objects.filter(barcode=barcode).first()
        if existing is not None:
            if existing.organisation_id != organisation.pk:
                raise _Rejected("852/949", f"barcode {barcode} hoort bij een andere organisatie")
            continue  # already here: importing again adds nothing
        branch = (
            branches.get(holding["branch"])
            if holding["branch"]
            else next(iter(branches.values()), None)
        )
        if branch is None:
            raise _Rejected(
                "852/949", f"onbekende vestiging '{holding['branch']}' voor {organisation.code}"
            )
        type_code = holding["item_type"] or _default_type(desc)
        if type_code not in types:
            raise _Rejected("852/949", f"onbekende exemplaarsoort '{type_code}'")
        Item.objects.create(
            barcode=barcode,
            record=target,
            organisation=organisation,
            home_branch=branch,
            current_branch=branch,
            item_type=types[type_code],
            audience=desc.audience,
            call_number=holding["call_number"][:60],
        )
        added.append(barcode)
        report.items += 1
    return added


# --- undo a merge -----------------------------------------------------------------------------


@transaction.atomic
def undo_merge(merge_id: int, *, at=None) -> BibRecord:
    merge = MergeLog.objects.select_for_update().filter(pk=merge_id).first()
    if merge is None:
        raise CatalogueError(f"Samenvoeging {merge_id} bestaat niet.", field="merge")
    if merge.undone_at is not None:
        raise CatalogueError(f"Samenvoeging {merge_id} is al ongedaan gemaakt.", field="merge")
    desc = marc.describe(marc.to_record(merge.raw_marc))
    record = _create(desc, merge.raw_marc)
    # Its ISBNs were the reason for the merge; the restored record keeps them, so the index can
    # no longer say which one "owns" an ISBN: leave both, a cataloguer decides.
    Item.objects.filter(barcode__in=merge.item_barcodes, record=merge.target).update(record=record)
    merge.undone_at = clock.now(at)
    merge.undone_into = record
    merge.save(update_fields=["undone_at", "undone_into"])
    return record


# --- export -----------------------------------------------------------------------------------


def export_marc(out, *, fmt: str = "marcxml", organisation: Organisation | None = None) -> int:
    """Write every record (with an organisation: those it holds copies of, with its copies as 852)."""
    records = BibRecord.objects.order_by("id")
    if organisation is not None:
        records = records.filter(items__organisation=organisation).distinct()
    writer = pymarc.XMLWriter(out) if fmt == "marcxml" else pymarc.MARCWriter(out)
    count = 0
    for rec in records.iterator(chunk_size=500):
        record = marc.to_record(rec.raw_marc) if rec.raw_marc else _from_fields(rec)
        items = rec.items.select_related("home_branch", "item_type")
        if organisation is not None:
            items = items.filter(organisation=organisation)
        for item in items:
            record.add_ordered_field(
                pymarc.Field(
                    tag="852",
                    indicators=[" ", " "],
                    subfields=[
                        pymarc.Subfield("b", item.home_branch.code),
                        pymarc.Subfield("h", item.call_number or ""),
                        pymarc.Subfield("p", item.barcode),
                        pymarc.Subfield("x", item.item_type.code),
                    ],
                )
            )
        writer.write(record)
        count += 1
    if fmt == "marcxml":
        writer.close(close_fh=False)
    return count


def _from_fields(rec: BibRecord) -> pymarc.Record:
    """Records created without MARC (by hand, demo) get a minimal MARC21 description."""
    record = pymarc.Record(force_utf8=True)
    record.leader = "00000nam a2200000 a 4500"
    record.add_ordered_field(pymarc.Field(tag="001", data=str(rec.control_number or rec.pk)))
    if rec.main_author:
        record.add_ordered_field(
            pymarc.Field(
                tag="100", indicators=["1", " "], subfields=[pymarc.Subfield("a", rec.main_author)]
            )
        )
    subfields = [pymarc.Subfield("a", rec.title)] + (
        [pymarc.Subfield("b", rec.subtitle)] if rec.subtitle else []
    )
    record.add_ordered_field(pymarc.Field(tag="245", indicators=["1", "0"], subfields=subfields))
    if rec.isbn:
        record.add_ordered_field(
            pymarc.Field(
                tag="020", indicators=[" ", " "], subfields=[pymarc.Subfield("a", rec.isbn)]
            )
        )
    return record
