"""MARC import into the national catalogue, with deduplication.

A record is matched, in this order, to
  1. a record with the same description (fingerprint): nothing to do, "unchanged";
  2. a description merged before and not undone: also unchanged;
  3. a record with one of its ISBNs: merged into it (logged in MergeLog, undoable);
  4. without ISBN, a record with the same title + author + year + material key: merged;
otherwise it is a new record. Its copies (852/949/952 in the record, or rows of a companion CSV)
become items of the importing organisation under the matched or new record.

Records are checked one by one and written in batches: one transaction per batch, in which all of
a record's rows (record, ISBNs, items, merge log) are written or none. A record that fails a
check is reported (record number, control number, field, reason) and skipped; if the database
refuses a batch, the batch is redone record by record so only the bad record is lost. Importing
the same file again changes nothing.

Reading a record and describing it (pymarc, marc.describe, the stored MARCXML, its fingerprint)
needs no database: for a large ISO 2709 file worker processes do it (mapping.py), a few chunks
ahead of this process, which matches and writes, in the file's order."""

import csv
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from django.db import DatabaseError, connection, transaction

from clb import clock
from clb.network.models import Branch, Organisation

from . import bulk, mapping, marc, reading
from .errors import CatalogueError
from .models import BibRecord, Item, ItemType, MaterialType, MergeLog, RecordIsbn
from .text import as_isbn13

BATCH = 500
# The advisory lock that serialises imports on PostgreSQL, so two imports of the same book
# cannot both create it. (SQLite has one writer at a time anyway.)
IMPORT_LOCK = 7_346_021


@dataclass
class RecordError:
    number: int
    control_number: str
    field: str
    reason: str
    file: str = ""

    def __str__(self):
        where = f"{self.file}: " if self.file else ""
        control = self.control_number or "zonder 001"
        return f"{where}record {self.number} ({control}): {self.field}: {self.reason}"


@dataclass
class ImportReport:
    imported: int = 0
    merged: int = 0
    unchanged: int = 0
    items: int = 0
    errors: list[RecordError] = field(default_factory=list)
    warnings: list[RecordError] = field(default_factory=list)
    read: int = 0

    @property
    def rejected(self) -> int:
        return len(self.errors)

    @property
    def invalid_isbns(self) -> list[str]:
        return [str(w) for w in self.warnings if w.field == "020"]

    def add(self, other: "ImportReport") -> None:
        self.imported += other.imported
        self.merged += other.merged
        self.unchanged += other.unchanged
        self.items += other.items
        self.errors += other.errors
        self.warnings += other.warnings

    def summary(self) -> str:
        return (
            f"imported {self.imported}, merged {self.merged}, items {self.items}, "
            f"rejected {self.rejected}"
        )


class _Rejected(Exception):
    def __init__(self, field_name: str, reason: str):
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


class _DryRun(Exception):
    pass


# --- holdings: where copies come from -----------------------------------------------------------


@dataclass
class _Copy:
    barcode: str
    branch: Branch
    call_number: str
    item_type: ItemType


class Holdings:
    """Turns holdings (from the record or the companion CSV) into copies of the organisation."""

    CSV_COLUMNS = ("barcode", "branch", "call_number", "item_type", "control_number", "isbn")

    def __init__(self, organisation: Organisation, default_branch: Branch | None, csv_path=None):
        self.organisation = organisation
        self.branches = {b.code.casefold(): b for b in organisation.branches.all()}
        only = next(iter(self.branches.values())) if len(self.branches) == 1 else None
        self.default_branch = default_branch or only
        self.types = {t.code: t for t in ItemType.objects.all()}
        self.by_control: dict[str, list[tuple[int, marc.Holding]]] = defaultdict(list)
        self.by_isbn: dict[str, list[tuple[int, marc.Holding]]] = defaultdict(list)
        self.unused: dict[int, str] = {}  # CSV line → its key, until a record claims it
        self.csv_name = Path(csv_path).name if csv_path else ""
        self.csv_errors: list[RecordError] = []
        if csv_path:
            self._read_csv(csv_path)

    def _read_csv(self, path) -> None:
        try:
            with open(path, newline="", encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh, delimiter=_delimiter(fh))
                missing = {"barcode"} - set(reader.fieldnames or [])
                if missing or not {"control_number", "isbn"} & set(reader.fieldnames or []):
                    raise CatalogueError(
                        f"{Path(path).name}: kolommen barcode en control_number of isbn zijn "
                        f"nodig (gevonden: {', '.join(reader.fieldnames or []) or 'geen'})",
                        field="holdings",
                    )
                for line, row in enumerate(reader, start=2):
                    self._csv_row(line, row)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise CatalogueError(f"{Path(path).name}: {exc}", field="holdings") from exc

    def _csv_row(self, line: int, row: dict) -> None:
        get = lambda key: (row.get(key) or "").strip()  # noqa: E731
        holding = marc.Holding(get("barcode"), get("branch"), get("call_number"),
                               get("item_type"), "csv")  # fmt: skip
        control, isbn = get("control_number"), get("isbn")
        if not holding.barcode:
            self.csv_errors.append(
                RecordError(line, control, "barcode", "barcode ontbreekt", self.csv_name)
            )
            return
        isbn13 = as_isbn13(isbn) if isbn else None
        if control:
            self.by_control[control].append((line, holding))
        elif isbn13:
            self.by_isbn[isbn13].append((line, holding))
        else:
            reason = f"ongeldig ISBN '{isbn}'" if isbn else "control_number of isbn ontbreekt"
            self.csv_errors.append(RecordError(line, "", "isbn", reason, self.csv_name))
            return
        self.unused[line] = control or isbn

    def of(
        self, in_record: list[marc.Holding], desc: marc.Description
    ) -> list[tuple[int | None, marc.Holding]]:
        found = [(None, h) for h in in_record]
        found += self.by_control.get(desc.control_number, []) if desc.control_number else []
        for isbn in desc.isbns:
            found += self.by_isbn.get(isbn, [])
        return found

    def claim(self, lines: Iterable[int | None]) -> None:
        for line in lines:
            self.unused.pop(line, None)

    def unclaimed(self) -> list[RecordError]:
        return [
            RecordError(
                line, key, "holdings", "geen record in de import met dit 001 of ISBN", self.csv_name
            )  # fmt: skip
            for line, key in sorted(self.unused.items())
        ]

    def copy(self, holding: marc.Holding, desc: marc.Description, warn) -> _Copy:
        where = f"{holding.tag} {holding.barcode}"
        branch = self.branches.get(holding.location.casefold()) if holding.location else None
        if branch is None:
            if self.default_branch is None:
                problem = (
                    f"onbekende vestiging '{holding.location}'"
                    if holding.location
                    else "vestiging ontbreekt"
                )
                raise _Rejected(
                    holding.tag,
                    f"{problem} voor exemplaar {holding.barcode} van {self.organisation.code} "
                    "(geef een vestiging met --branch)",
                )
            branch = self.default_branch
            if holding.location:
                warn(holding.tag, f"locatie '{holding.location}' is geen vestiging van "
                                  f"{self.organisation.code}: exemplaar in {branch.code}")  # fmt: skip
        item_type = self.types.get(holding.item_type) if holding.item_type else None
        if item_type is None:
            default = _default_type(desc)
            if default not in self.types:
                raise _Rejected(holding.tag, f"exemplaarsoort '{default}' bestaat niet")
            if holding.item_type:
                warn(holding.tag, f"exemplaarsoort '{holding.item_type}' onbekend: {default}")
            item_type = self.types[default]
        if len(holding.barcode) > 32:
            raise _Rejected(holding.tag, f"barcode {where} is langer dan 32 tekens")
        return _Copy(holding.barcode, branch, holding.call_number[:60], item_type)


def _delimiter(fh) -> str:
    sample = fh.read(4096)
    fh.seek(0)
    return ";" if sample.count(";") > sample.count(",") else ","


def _default_type(desc: marc.Description) -> str:
    return {
        MaterialType.DVD: "dvd",
        MaterialType.AUDIOBOOK: "luisterboek",
        MaterialType.MUSIC: "cd",
        MaterialType.MAGAZINE: "tijdschrift",
        MaterialType.GAME: "spel",
    }.get(desc.material_type, "jeugdboek" if desc.audience == "youth" else "boek")


# --- one record, checked ----------------------------------------------------------------------


@dataclass
class _Candidate:
    number: int
    control_number: str
    desc: marc.Description
    raw: str
    fingerprint: str
    holdings: list[tuple[int | None, marc.Holding]]
    row: dict  # the catalogue record's columns, should it be new
    copies: list[_Copy] = field(default_factory=list)
    warnings: list[RecordError] = field(default_factory=list)


def _prepare(entry: mapping.Mapped, source_name: str, holdings: Holdings) -> _Candidate:
    if entry.problem:
        raise _Rejected(*entry.problem)
    desc = entry.desc
    candidate = _Candidate(
        entry.number, entry.control_number, desc, entry.raw, entry.fingerprint,
        holdings.of(entry.holdings, desc), entry.row,
    )  # fmt: skip

    def warn(field_name, reason):
        candidate.warnings.append(
            RecordError(entry.number, entry.control_number, field_name, reason, source_name)
        )

    for tag, reason in entry.repairs:
        warn(tag, reason)
    for raw_isbn in desc.invalid_isbns:
        warn("020", f"ongeldig ISBN '{raw_isbn}' bewaard als ongeldig ISBN")
    if len(desc.control_number) < len(entry.control_number):
        warn("001", "controlenummer ingekort tot 64 tekens")
    seen = set()
    for _line, holding in candidate.holdings:
        if holding.barcode in seen:
            raise _Rejected(holding.tag, f"barcode {holding.barcode} staat twee keer in het record")
        seen.add(holding.barcode)
        candidate.copies.append(holdings.copy(holding, desc, warn))
    return candidate


# --- a batch of records -----------------------------------------------------------------------


class _Batch:
    """Matches a batch against the catalogue and against itself, then writes it."""

    def __init__(self, candidates: list[_Candidate], organisation, source_name, at):
        self.candidates = candidates
        self.organisation = organisation
        self.source_name = source_name
        self.at = at
        self.report = ImportReport()

    def run(self) -> ImportReport:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
        self._look_up()
        plans = [p for p in map(self._plan, self.candidates) if p is not None]
        self._write(plans)
        return self.report

    def _look_up(self) -> None:
        cands = self.candidates
        barcodes = [c.barcode for cand in cands for c in cand.copies]
        self.items = {
            row[0]: row[1:]
            for row in Item.objects.filter(barcode__in=barcodes).values_list(
                "barcode", "organisation_id", "record_id"
            )
        }
        fingerprints = [c.fingerprint for c in cands]
        self.by_fingerprint = {}
        for fp, pk in (
            BibRecord.objects.filter(fingerprint__in=fingerprints)
            .order_by("-id")
            .values_list("fingerprint", "id")
        ):
            self.by_fingerprint[fp] = pk  # the lowest id wins
        self.merged_before = dict(
            MergeLog.objects.filter(fingerprint__in=fingerprints, undone_at=None).values_list(
                "fingerprint", "target_id"
            )
        )
        isbns = [i for c in cands for i in c.desc.isbns]
        # Records made without the importer (by hand, in other rooms) have only BibRecord.isbn.
        found = list(
            RecordIsbn.objects.filter(isbn13__in=isbns).values_list("isbn13", "record_id")
        ) + list(BibRecord.objects.filter(isbn__in=isbns).values_list("isbn", "id"))
        self.by_isbn = {}
        for isbn, pk in sorted(found, key=lambda row: -row[1]):
            self.by_isbn[isbn] = pk  # the lowest id wins
        keys = [c.desc.match_key for c in cands if not c.desc.isbns]
        self.by_key = {}
        for key, pk in (
            BibRecord.objects.filter(match_key__in=keys)
            .order_by("-id")
            .values_list("match_key", "id")
        ):
            self.by_key[key] = pk
        self.claimed_barcodes: set[str] = set()

    def _plan(self, cand: _Candidate):
        """What to do with one record: (candidate, target, how, new copies); a target is an
        existing record id or the _Candidate that creates it in this batch."""
        try:
            copies = []
            for copy in cand.copies:
                known = self.items.get(copy.barcode)
                if copy.barcode in self.claimed_barcodes:
                    raise _Rejected("barcode", f"barcode {copy.barcode} komt al eerder voor")
                if known is not None:
                    if known[0] != self.organisation.pk:
                        raise _Rejected(
                            "barcode", f"barcode {copy.barcode} hoort bij een andere organisatie"
                        )
                    continue  # already ours: importing again adds nothing
                copies.append(copy)
        except _Rejected as exc:
            self.report.errors.append(
                RecordError(
                    cand.number, cand.control_number, exc.field, exc.reason, self.source_name
                )  # fmt: skip
            )
            return None
        self.claimed_barcodes.update(c.barcode for c in copies)
        target, how = self._match(cand)
        if target is None:
            target, how = cand, "new"
            self.by_fingerprint[cand.fingerprint] = cand
            for isbn in cand.desc.isbns:
                self.by_isbn.setdefault(isbn, cand)
            if not cand.desc.isbns:
                self.by_key.setdefault(cand.desc.match_key, cand)
        elif how != "unchanged":
            self.merged_before[cand.fingerprint] = target
        self.report.warnings += cand.warnings
        return cand, target, how, copies

    def _match(self, cand: _Candidate):
        if cand.fingerprint in self.by_fingerprint:
            return self.by_fingerprint[cand.fingerprint], "unchanged"
        if cand.fingerprint in self.merged_before:
            return self.merged_before[cand.fingerprint], "unchanged"
        for isbn in cand.desc.isbns:
            if isbn in self.by_isbn:
                return self.by_isbn[isbn], "isbn"
        if not cand.desc.isbns and cand.desc.match_key in self.by_key:
            return self.by_key[cand.desc.match_key], "title_key"
        return None, None

    def _write(self, plans) -> None:
        # Plain rows, not model instances: at a million records the ORM's per-field work was
        # the importer's largest cost (bulk.insert).
        new = [cand for cand, _t, how, _c in plans if how == "new"]
        created = bulk.insert(BibRecord, [c.row for c in new])
        ids = {id(cand): pk for cand, pk in zip(new, created, strict=True)}

        def target_id(target) -> int:
            return ids[id(target)] if isinstance(target, _Candidate) else target

        bulk.insert(
            RecordIsbn,
            [{"record_id": ids[id(c)], "isbn13": i} for c in new for i in c.desc.isbns],
        )
        items, logs = [], []
        organisation_id = self.organisation.pk
        for cand, target, how, copies in plans:
            record_id = target_id(target)
            items += [
                {
                    "barcode": c.barcode,
                    "record_id": record_id,
                    "organisation_id": organisation_id,
                    "home_branch_id": c.branch.pk,
                    "current_branch_id": c.branch.pk,
                    "item_type_id": c.item_type.pk,
                    "audience": cand.desc.audience,
                    "call_number": c.call_number,
                }
                for c in copies
            ]
            if how in ("isbn", "title_key"):
                logs.append(
                    MergeLog(
                        target_id=record_id,
                        matched_on=how,
                        source=f"{self.source_name}#{cand.number}"[:300],
                        control_number=cand.desc.control_number,
                        raw_marc=cand.raw,
                        fingerprint=cand.fingerprint,
                        item_barcodes=[c.barcode for c in copies],
                        organisation=self.organisation,
                        merged_at=self.at,
                    )
                )
            self.report.imported += how == "new"
            self.report.merged += how in ("isbn", "title_key")
            self.report.unchanged += how == "unchanged"
            self.report.items += len(copies)
        bulk.insert(Item, items)
        bulk.create(MergeLog, logs)


def record_from(d: marc.Description, raw: str, fingerprint: str) -> BibRecord:
    """An unsaved catalogue record holding a description and its stored MARCXML."""
    return BibRecord(**mapping.record_values(d, raw, fingerprint))


# --- the run ----------------------------------------------------------------------------------


def _batches(entries: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(entries, size)):
        yield chunk


def import_marc(
    paths: Iterable,
    organisation: Organisation,
    *,
    fmt: str = "auto",
    dry_run: bool = False,
    branch: Branch | None = None,
    holdings_csv=None,
    progress: Callable[[int, int], None] | None = None,
    at=None,
    batch_size: int = BATCH,
    workers: int | None = None,
) -> ImportReport:
    """Every file is checked as a whole first: one that cannot be read (empty, broken gzip,
    not XML) stops the run before anything is written (reading.FileUnreadable). `workers`:
    processes that read and describe records (mapping.workers() when None; 1: none)."""
    at = clock.now(at)
    if branch is not None and branch.organisation_id != organisation.pk:
        raise CatalogueError(
            f"--branch: {branch.code} is geen vestiging van {organisation.code}", field="branch"
        )
    sources = [reading.open_source(path, fmt) for path in paths]
    holdings = Holdings(organisation, branch, holdings_csv)
    report = ImportReport()
    report.errors += holdings.csv_errors
    total = sum(s.total for s in sources)
    done = 0
    try:
        with transaction.atomic() if dry_run else _nothing():
            for source in sources:
                for entries in _batches(mapping.mapped(source, workers), batch_size):
                    report.add(_import_batch(entries, source.name, organisation, holdings, at))
                    done += len(entries)
                    report.read = done
                    if progress:
                        progress(done, total)
            report.errors += holdings.unclaimed()
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


class _nothing:  # noqa: N801 (a context manager that does nothing, read as a keyword)
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _import_batch(entries, source_name, organisation, holdings: Holdings, at) -> ImportReport:
    rejected = ImportReport()
    candidates = []
    for entry in entries:
        try:
            candidates.append(_prepare(entry, source_name, holdings))
        except _Rejected as exc:
            rejected.errors.append(
                RecordError(
                    entry.number, entry.control_number, exc.field, exc.reason, source_name
                )  # fmt: skip
            )
    outcome = _write_batch(candidates, organisation, source_name, at)
    holdings.claim(line for cand in candidates for line, _h in cand.holdings if line is not None)
    outcome.add(rejected)
    outcome.errors.sort(key=lambda e: e.number)
    return outcome


def _write_batch(candidates, organisation, source_name, at) -> ImportReport:
    """The batch in one transaction; if the database refuses it, record by record."""
    if not candidates:
        return ImportReport()
    try:
        with transaction.atomic():
            return _Batch(candidates, organisation, source_name, at).run()
    except DatabaseError as exc:
        if len(candidates) == 1:
            cand = candidates[0]
            report = ImportReport()
            report.errors.append(
                RecordError(
                    cand.number,
                    cand.control_number,
                    "record",
                    f"database weigert het record: {str(exc).strip()}",
                    source_name,
                )  # fmt: skip
            )
            return report
    report = ImportReport()
    for cand in candidates:
        report.add(_write_batch([cand], organisation, source_name, at))
    return report
