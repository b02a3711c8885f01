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
ahead of this process, which matches and writes, in the file's order. While one thread writes a
batch, this one prepares the next (_written_in_turn)."""

import csv
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path

import pymarc
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from clb import clock
from clb.network.models import Branch, Organisation

from . import bulk, mapping, marc, reading, search_schema
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
    current_branch: Branch | None = None
    price: Decimal | None = None
    line: int | None = None  # the line of the copy list it came from (None: from the record)


@dataclass
class CopyRow:
    """A copy given apart from its record: a line of the companion CSV or of a migration
    package's list of copies. It finds its record by `record_key` (the record's 001, or what
    the import's `record_key` reads from a record) or else by ISBN-13."""

    line: int
    holding: marc.Holding
    record_key: str = ""
    isbn: str = ""


@dataclass
class Written:
    """One record as the import wrote it, for a caller that keeps its own map of what came in
    (import_marc's `on_written`)."""

    file: str
    number: int
    record: pymarc.Record
    record_id: int
    how: str  # "new", "isbn" or "title_key" (merged into record_id), "unchanged"
    items: list[tuple[int | None, str, int]]  # new copies: (list line or None, barcode, item id)
    kept: list[str]  # barcodes of copies the organisation had already


class Holdings:
    """Turns holdings (from the record or from a list of copies) into copies of the organisation.

    `branch_codes` and `type_codes` translate another system's location and item-type codes
    to CLB's (a code that is CLB's own needs no entry). With `copy_errors` a copy that cannot
    come in is refused on its own and the record imports with its other copies; without, the
    record is refused (a cataloguer's file is corrected and imported again)."""

    CSV_COLUMNS = ("barcode", "branch", "call_number", "item_type", "control_number", "isbn")

    def __init__(
        self,
        organisation: Organisation,
        default_branch: Branch | None,
        csv_path=None,
        *,
        copies: Iterable[CopyRow] = (),
        copies_name: str = "",
        branch_codes: Mapping[str, str] | None = None,
        type_codes: Mapping[str, str] | None = None,
        record_key: Callable[[pymarc.Record], str] | None = None,
        copy_errors: bool = False,
    ):
        self.organisation = organisation
        self.branches = organisation.branches_by_code()
        only = next(iter(self.branches.values())) if len(set(self.branches.values())) == 1 else None
        self.default_branch = default_branch or only
        self.types = {t.code: t for t in ItemType.objects.all()}
        self.branch_codes = {k.casefold(): v for k, v in (branch_codes or {}).items()}
        self.type_codes = {k.casefold(): v for k, v in (type_codes or {}).items()}
        self.record_key = record_key
        self.copy_errors = copy_errors
        self.by_control: dict[str, list[tuple[int, marc.Holding]]] = defaultdict(list)
        self.by_isbn: dict[str, list[tuple[int, marc.Holding]]] = defaultdict(list)
        self.unused: dict[int, str] = {}  # list line → its key, until a record claims it
        # Barcodes this import placed, so a barcode given twice is an error in any batch.
        self.placed: dict[str, str] = {}
        self.csv_name = Path(csv_path).name if csv_path else copies_name
        self.csv_errors: list[RecordError] = []
        if csv_path:
            self._read_csv(csv_path)
        for row in copies:
            self._add(row)

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
                    get = lambda key, row=row: (row.get(key) or "").strip()  # noqa: E731
                    holding = marc.Holding(get("barcode"), get("branch"), get("call_number"),
                                           get("item_type"), "csv")  # fmt: skip
                    self._add(CopyRow(line, holding, get("control_number"), get("isbn")))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise CatalogueError(f"{Path(path).name}: {exc}", field="holdings") from exc

    def _add(self, row: CopyRow) -> None:
        holding, control, isbn = row.holding, row.record_key, row.isbn
        if not holding.barcode:
            self.csv_errors.append(
                RecordError(row.line, control, "barcode", "barcode ontbreekt", self.csv_name)
            )
            return
        isbn13 = as_isbn13(isbn) if isbn else None
        if control:
            self.by_control[control].append((row.line, holding))
        elif isbn13:
            self.by_isbn[isbn13].append((row.line, holding))
        else:
            reason = f"ongeldig ISBN '{isbn}'" if isbn else "control_number of isbn ontbreekt"
            self.csv_errors.append(RecordError(row.line, "", "isbn", reason, self.csv_name))
            return
        self.unused[row.line] = control or isbn

    def of(self, entry: mapping.Mapped) -> list[tuple[int | None, marc.Holding]]:
        """The copies of a record: those in it and those listed apart for it."""
        desc = entry.desc
        found = [(None, h) for h in entry.holdings]
        key = self.record_key(entry.record) if self.record_key else desc.control_number
        found += self.by_control.get(key, []) if key else []
        for isbn in desc.isbns:
            found += self.by_isbn.get(isbn, [])
        return found

    def claim(self, lines: Iterable[int | None]) -> None:
        for line in lines:
            self.unused.pop(line, None)

    def unclaimed(self) -> list[RecordError]:
        what = "001" if self.record_key is None else "recordnummer"
        return [
            RecordError(
                line,
                key,
                "holdings",
                f"geen record in de import met dit {what} of ISBN",
                self.csv_name,
            )  # fmt: skip
            for line, key in sorted(self.unused.items())
        ]

    def _branch(self, code: str) -> Branch | None:
        if not code:
            return None
        code = self.branch_codes.get(code.casefold(), code)
        return self.branches.get(code.casefold())

    def copy(self, holding: marc.Holding, desc: marc.Description, warn) -> _Copy:
        where = f"{holding.tag} {holding.barcode}"
        branch = self._branch(holding.location)
        if branch is None:
            if self.default_branch is None:
                translated = (
                    " en niet in de vertaling van locatiecodes" if self.branch_codes else ""
                )
                problem = (
                    f"onbekende locatie '{holding.location}'{translated}"
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
        current = branch
        if holding.current_location:
            current = self._branch(holding.current_location)
            if current is None:
                warn(holding.tag, f"huidige locatie '{holding.current_location}' van exemplaar "
                                  f"{holding.barcode} onbekend: in {branch.code}")  # fmt: skip
                current = branch
        type_code = self.type_codes.get(holding.item_type.casefold(), holding.item_type)
        item_type = self.types.get(type_code) if type_code else None
        if item_type is None:
            default = _default_type(desc)
            if default not in self.types:
                raise _Rejected(holding.tag, f"exemplaarsoort '{default}' bestaat niet")
            if holding.item_type:
                warn(holding.tag, f"exemplaarsoort '{holding.item_type}' onbekend: {default}")
            item_type = self.types[default]
        if len(holding.barcode) > 32:
            raise _Rejected(holding.tag, f"barcode {where} is langer dan 32 tekens")
        return _Copy(
            holding.barcode, branch, holding.call_number[:60], item_type, current,
            _price(holding, warn),
        )  # fmt: skip

    def refusal(self, line, record_number, control, source_name, exc) -> RecordError:
        """A copy refused on its own: named by its list line, or by its record."""
        if line is not None:
            return RecordError(line, control, exc.field, exc.reason, self.csv_name)
        return RecordError(record_number, control, exc.field, exc.reason, source_name)


def _price(holding: marc.Holding, warn) -> Decimal | None:
    if not holding.price:
        return None
    try:
        price = Decimal(holding.price.replace(",", "."))
    except ArithmeticError:
        price = None
    if price is None or not price.is_finite() or not 0 <= price < 1_000_000:
        warn(holding.tag, f"vervangingsprijs '{holding.price}' van exemplaar {holding.barcode} "
                          "is geen bedrag: standaardprijs")  # fmt: skip
        return None
    return price.quantize(Decimal("0.01"))


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
    record: pymarc.Record | None  # only when the run keeps records (mapping.mapped)
    source_name: str
    copies: list[_Copy] = field(default_factory=list)
    warnings: list[RecordError] = field(default_factory=list)
    refused: list[RecordError] = field(default_factory=list)  # copies refused on their own


def _prepare(entry: mapping.Mapped, source_name: str, holdings: Holdings) -> _Candidate:
    if entry.problem:
        raise _Rejected(*entry.problem)
    desc = entry.desc
    candidate = _Candidate(
        entry.number, entry.control_number, desc, entry.raw, entry.fingerprint,
        holdings.of(entry), entry.row, entry.record, source_name,
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
    for line, holding in candidate.holdings:
        try:
            if holding.barcode in seen:
                raise _Rejected(
                    holding.tag, f"barcode {holding.barcode} staat twee keer in het record"
                )
            seen.add(holding.barcode)
            copy = holdings.copy(holding, desc, warn)
        except _Rejected as exc:
            if not holdings.copy_errors:
                raise
            candidate.refused.append(
                holdings.refusal(line, entry.number, entry.control_number, source_name, exc)
            )
            continue
        copy.line = line
        candidate.copies.append(copy)
    return candidate


# --- a batch of records -----------------------------------------------------------------------


class _Batch:
    """Matches a batch against the catalogue and against itself, then writes it."""

    def __init__(self, candidates: list[_Candidate], run: "_Run"):
        self.candidates = candidates
        self.context = run
        self.organisation = run.organisation
        self.at = run.at
        self.report = ImportReport()
        self.written: list[Written] = []

    def run(self) -> ImportReport:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
        self._look_up()
        plans = [p for p in map(self._plan, self.candidates) if p is not None]
        self._write(plans)
        if self.context.on_written:
            self.context.on_written(self.written)
        return self.report

    def _look_up(self) -> None:
        cands = self.candidates
        barcodes = [c.barcode for cand in cands for c in cand.copies]
        self.items = {
            row[0]: row[1:]
            for row in Item.objects.filter(_among("barcode", barcodes)).values_list(
                "barcode", "organisation_id", "record_id"
            )
        }
        fingerprints = [c.fingerprint for c in cands]
        self.by_fingerprint = {}
        for fp, pk in (
            BibRecord.objects.filter(_among("fingerprint", fingerprints))
            .order_by("-id")
            .values_list("fingerprint", "id")
        ):
            self.by_fingerprint[fp] = pk  # the lowest id wins
        self.merged_before = dict(
            MergeLog.objects.filter(
                _among("fingerprint", fingerprints), undone_at=None
            ).values_list("fingerprint", "target_id")
        )
        isbns = [i for c in cands for i in c.desc.isbns]
        # Records made without the importer (by hand, in other rooms) have only BibRecord.isbn.
        found = list(
            RecordIsbn.objects.filter(_among("isbn13", isbns)).values_list("isbn13", "record_id")
        ) + list(BibRecord.objects.filter(_among("isbn", isbns)).values_list("isbn", "id"))
        self.by_isbn = {}
        for isbn, pk in sorted(found, key=lambda row: -row[1]):
            self.by_isbn[isbn] = pk  # the lowest id wins
        keys = [c.desc.match_key for c in cands if not c.desc.isbns]
        self.by_key = {}
        for key, pk in (
            BibRecord.objects.filter(_among("match_key", keys))
            .order_by("-id")
            .values_list("match_key", "id")
        ):
            self.by_key[key] = pk
        self.claimed_barcodes: set[str] = set()

    def _plan(self, cand: _Candidate):
        """What to do with one record: (candidate, target, how, new copies, copies it had);
        a target is an existing record id or the _Candidate that creates it in this batch."""
        holdings = self.context.holdings
        copies, kept, refused = [], [], list(cand.refused)
        try:
            for copy in cand.copies:
                try:
                    if self._barcode_known(copy, holdings):
                        kept.append(copy.barcode)  # already ours: importing again adds nothing
                    else:
                        copies.append(copy)
                except _Rejected as exc:
                    if not holdings.copy_errors:
                        raise
                    refused.append(
                        holdings.refusal(
                            copy.line, cand.number, cand.control_number, cand.source_name, exc
                        )
                    )
        except _Rejected as exc:
            self.report.errors.append(
                RecordError(
                    cand.number, cand.control_number, exc.field, exc.reason, cand.source_name
                )  # fmt: skip
            )
            return None
        self.report.errors += refused
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
        return cand, target, how, copies, kept

    def _barcode_known(self, copy: _Copy, holdings: Holdings) -> bool:
        """Whether the copy is the organisation's already; refused when it is someone else's
        or when this import gave the barcode before."""
        earlier = holdings.placed.get(copy.barcode)
        if copy.barcode in self.claimed_barcodes or earlier:
            before = f" ({earlier})" if earlier else ""
            raise _Rejected("barcode", f"barcode {copy.barcode} komt al eerder voor{before}")
        known = self.items.get(copy.barcode)
        if known is not None and known[0] != self.organisation.pk:
            raise _Rejected("barcode", f"barcode {copy.barcode} hoort bij een andere organisatie")
        return known is not None

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
        # The search index is written once per batch, set-wise, for the records that got rows,
        # in this batch's transaction (search_schema.deferred).
        with search_schema.deferred(connection) as indexed:
            self._write_rows(plans, indexed)

    def _write_rows(self, plans, indexed: set[int]) -> None:
        # Plain rows, not model instances: at a million records the ORM's per-field work was
        # the importer's largest cost (bulk.insert).
        new = [cand for cand, _t, how, _c, _k in plans if how == "new"]
        created = bulk.insert(BibRecord, [c.row for c in new])
        ids = {id(cand): pk for cand, pk in zip(new, created, strict=True)}

        def target_id(target) -> int:
            return ids[id(target)] if isinstance(target, _Candidate) else target

        bulk.insert(
            RecordIsbn,
            [{"record_id": ids[id(c)], "isbn13": i} for c in new for i in c.desc.isbns],
        )
        items, logs, record_ids = [], [], []
        organisation_id = self.organisation.pk
        indexed.update(created)
        for cand, target, how, copies, _kept in plans:
            record_id = target_id(target)
            record_ids.append(record_id)
            if copies:
                indexed.add(record_id)
            items += [_item(c, record_id, organisation_id, cand.desc.audience) for c in copies]
            if how in ("isbn", "title_key"):
                logs.append(
                    MergeLog(
                        target_id=record_id,
                        matched_on=how,
                        source=f"{cand.source_name}#{cand.number}"[:300],
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
        item_ids = iter(bulk.insert(Item, items))
        bulk.create(MergeLog, logs)
        for (cand, _t, how, copies, kept), record_id in zip(plans, record_ids, strict=True):
            self.written.append(
                Written(
                    cand.source_name,
                    cand.number,
                    cand.record,
                    record_id,
                    how,
                    [(c.line, c.barcode, next(item_ids)) for c in copies],
                    kept,
                )  # fmt: skip
            )


def _among(column: str, values: list[str]):
    """A filter: the column's value is one of a batch's values. On PostgreSQL one parameter, the
    values as one JSON text, unpacked by the server into the array of `= ANY` (index scans and
    all: the array is computed once, before the scan). A list of 500 values was 500 parameters,
    each quoted in Python (client-side binding) and parsed by the server, which cost the writer
    more than the look-ups themselves; as an array parameter psycopg still quoted every element
    (some 1.2 ms a look-up of 500, against 0.2 ms for the one JSON string)."""
    if connection.vendor != "postgresql":
        return Q(**{f"{column}__in": values})
    return RawSQL(
        f"{connection.ops.quote_name(column)} = ANY(ARRAY("
        "SELECT json_array_elements_text(%s::json)))",
        (json.dumps(list(values)),),
        output_field=BooleanField(),
    )


def _item(copy: _Copy, record_id: int, organisation_id: int, audience) -> dict:
    """A copy's columns as a plain row (bulk.insert); an unknown price is the column's default."""
    row = {
        "barcode": copy.barcode,
        "record_id": record_id,
        "organisation_id": organisation_id,
        "home_branch_id": copy.branch.pk,
        "current_branch_id": (copy.current_branch or copy.branch).pk,
        "item_type_id": copy.item_type.pk,
        "audience": audience,
        "call_number": copy.call_number,
    }
    if copy.price is not None:
        row["replacement_price"] = copy.price
    return row


def record_from(d: marc.Description, raw: str, fingerprint: str) -> BibRecord:
    """An unsaved catalogue record holding a description and its stored MARCXML."""
    return BibRecord(**mapping.record_values(d, raw, fingerprint))


# --- the run ----------------------------------------------------------------------------------


def _batches(entries: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(entries, size)):
        yield chunk


@dataclass
class _Run:
    organisation: Organisation
    holdings: Holdings
    at: object
    on_written: Callable[[list[Written]], None] | None = None

    @property
    def keeps_records(self) -> bool:
        """Whether the records themselves are needed after mapping: a record key read from
        them, or a caller hearing of each record written. Only then do workers send them back."""
        return self.holdings.record_key is not None or self.on_written is not None


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
    copies: Iterable[CopyRow] = (),
    copies_name: str = "",
    branch_codes: Mapping[str, str] | None = None,
    type_codes: Mapping[str, str] | None = None,
    record_key: Callable[[pymarc.Record], str] | None = None,
    copy_errors: bool = False,
    on_written: Callable[[list[Written]], None] | None = None,
    workers: int | None = None,
) -> ImportReport:
    """Every file is checked as a whole first: one that cannot be read (empty, broken gzip,
    not XML) stops the run before anything is written (reading.FileUnreadable).

    Copies come from the records (852/949/952), from `holdings_csv` and from `copies` (a list
    the caller read, named `copies_name` in errors); see Holdings for `branch_codes`,
    `type_codes`, `record_key` and `copy_errors`. `on_written` hears of every record written,
    inside the transaction of its batch, so what the caller writes there lands or vanishes
    with it. `workers`: processes that read and describe records (mapping.default_workers()
    when None; 1: none)."""
    at = clock.now(at)
    if branch is not None and branch.organisation_id != organisation.pk:
        raise CatalogueError(
            f"--branch: {branch.code} is geen vestiging van {organisation.code}", field="branch"
        )
    sources = [reading.open_source(path, fmt) for path in paths]
    holdings = Holdings(
        organisation, branch, holdings_csv, copies=copies, copies_name=copies_name,
        branch_codes=branch_codes, type_codes=type_codes, record_key=record_key,
        copy_errors=copy_errors,
    )  # fmt: skip
    run = _Run(organisation, holdings, at, on_written)
    report = ImportReport()
    report.errors += holdings.csv_errors
    total = sum(s.total for s in sources)
    done = 0
    try:
        with transaction.atomic() if dry_run else _nothing():
            for source in sources:
                mapped = mapping.mapped(source, workers, keep_records=run.keeps_records)
                prepared = (
                    _prepare_batch(b, source.name, run) for b in _batches(mapped, batch_size)
                )
                for outcome, count in _written_in_turn(prepared, run):
                    report.add(outcome)
                    done += count
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


@dataclass
class _Prepared:
    """A batch checked record by record, ready to be matched and written."""

    count: int  # records read
    candidates: list[_Candidate]
    rejected: ImportReport


def _prepare_batch(entries, source_name, run: _Run) -> _Prepared:
    """Needs no database: runs while the writer writes the batch before (_written_in_turn)."""
    rejected = ImportReport()
    candidates = []
    for entry in entries:
        try:
            candidates.append(_prepare(entry, source_name, run.holdings))
        except _Rejected as exc:
            rejected.errors.append(
                RecordError(
                    entry.number, entry.control_number, exc.field, exc.reason, source_name
                )  # fmt: skip
            )
    return _Prepared(len(entries), candidates, rejected)


def _import_batch(prepared: _Prepared, run: _Run) -> ImportReport:
    outcome = _write_batch(prepared.candidates, run)
    run.holdings.claim(
        line for cand in prepared.candidates for line, _h in cand.holdings if line is not None
    )
    outcome.add(prepared.rejected)
    outcome.errors.sort(key=lambda e: e.number)
    return outcome


def _written_in_turn(
    prepared: Iterator[_Prepared], run: _Run
) -> Iterator[tuple[ImportReport, int]]:
    """Each batch's outcome and size, in order. One thread writes a batch (matching, COPY, the
    search index: mostly waiting for the database) while this one prepares the next (records
    from the workers, checks, copies), which took turns with the database before.

    The writer uses this thread's own connection, shared for the purpose as Django's live
    server shares it: so every batch is still one transaction of the caller's connection,
    inside the caller's transaction if any (a dry run, a migration, a test). Only one thread
    touches the connection at a time: preparing needs no database, and the caller hears of a
    batch (progress, which may use the database) only once its writing is over and before the
    next is handed over. Batches are written one after another, so each sees what the one
    before wrote and its barcodes, as when written in line."""
    conn = connections[DEFAULT_DB_ALIAS]
    conn.inc_thread_sharing()
    try:
        # leaving the with waits for a batch still being written, whatever went wrong here
        with ThreadPoolExecutor(1, initializer=_share, initargs=(conn,)) as writer:
            pending = None  # (the batch being written, its size)
            for batch in prepared:
                if pending is not None:
                    (done, count), pending = pending, None
                    yield done.result(), count
                pending = writer.submit(_import_batch, batch, run), batch.count
            if pending is not None:
                yield pending[0].result(), pending[1]
    finally:
        conn.dec_thread_sharing()


def _share(conn) -> None:
    connections[conn.alias] = conn


def _write_batch(candidates, run: _Run) -> ImportReport:
    """The batch in one transaction; if the database refuses it, record by record."""
    if not candidates:
        return ImportReport()
    try:
        with transaction.atomic():
            batch = _Batch(candidates, run)
            report = batch.run()
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
                    cand.source_name,
                )  # fmt: skip
            )
            return report
    else:
        for written in batch.written:
            for _line, barcode, _pk in written.items:
                run.holdings.placed[barcode] = f"{written.file} record {written.number}"
        return report
    report = ImportReport()
    for cand in candidates:
        report.add(_write_batch([cand], run))
    return report
