"""Reading a migration package: a folder with MARC files, CSV files with a header row and an
optional mapping.toml (the format is in docs/migration.md). Column names are Koha's where a
Koha export has the column (import_patrons, items, issues, reserves, accountlines,
borrower_debarments), with FOLIO's and plain names as aliases; mapping.toml renames others.

A package that cannot be read as a whole (no such folder, a broken mapping.toml, a CSV file
without a column the format needs) is refused before anything is done; inside a readable file
every row stands on its own and is reported by its row number."""

import csv
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils import timezone

from clb.errors import DomainError
from clb.network import isil

MARC_SUFFIXES = (".mrc", ".marc", ".iso", ".xml", ".mrc.gz", ".marc.gz", ".xml.gz")


class PackageError(DomainError):
    code = "package"


class RowProblem(ValueError):
    """A value in one row that cannot be used; names the column."""

    def __init__(self, column: str, reason: str):
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason


# Canonical column (Koha's name) → other names it may have in an export, FOLIO's first.
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "patrons.csv": {
        "borrowernumber": ("id", "patron_id"),
        "cardnumber": ("barcode", "card_number"),
        "surname": ("personal.lastName", "last_name", "lastname"),
        "firstname": ("personal.firstName", "first_name"),
        "dateofbirth": ("personal.dateOfBirth", "birth_date", "birthdate"),
        "zipcode": ("personal.addresses.postalCode", "postcode", "postal_code"),
        "address": ("personal.addresses.addressLine1", "street"),
        "streetnumber": (),
        "city": ("personal.addresses.city", "place"),
        "email": ("personal.email",),
        "phone": ("personal.phone", "mobile"),
        "categorycode": ("patronGroup", "category"),
        "branchcode": ("branch",),
        "dateenrolled": ("enrollmentDate", "enrolled_on"),
        "dateexpiry": ("expirationDate", "expires_on"),
        "password": ("hash", "pin_hash"),
        "password_salt": ("salt",),
        "privacy": (),
        "contactname": ("guardian_name",),
        "contactfirstname": (),
        "altcontactphone": ("guardian_phone",),
        "guardian_email": ("contactemail",),
        "guarantor_id": ("guarantor",),
        "externalSystemId": ("external_id", "national_id"),
        "debarred": (),
        "debarredcomment": (),
    },
    "items.csv": {
        "itemnumber": ("id", "hrid", "item_id"),
        "biblionumber": ("instanceHrid", "record_id"),
        "isbn": (),
        "barcode": (),
        "homebranch": ("branch", "home_branch"),
        "holdingbranch": ("current_branch",),
        "itemcallnumber": ("callNumber", "call_number"),
        "itype": ("materialType", "item_type"),
        "replacementprice": ("price", "replacement_price"),
        "location": ("shelf",),
        "itemlost": (),
        "withdrawn": (),
        "damaged": (),
        "notforloan": (),
        "status": ("status.name",),
    },
    "loans.csv": {
        "issue_id": ("id", "loan_id"),
        "barcode": ("itemBarcode", "item_barcode"),
        "cardnumber": ("userBarcode", "patron_barcode", "card_number"),
        "issuedate": ("loanDate", "checkout_date", "checked_out_at"),
        "date_due": ("dueDate", "due_date", "due_at"),
        "renewals_count": ("renewalCount", "renewals"),
        "branchcode": ("checkoutServicePoint", "branch"),
    },
    "holds.csv": {
        "reserve_id": ("id", "hold_id"),
        "cardnumber": ("requesterBarcode", "card_number"),
        "biblionumber": ("instanceHrid", "record_id"),
        "barcode": ("itemBarcode", "item_barcode"),
        "reservedate": ("requestDate", "placed_at"),
        "branchcode": ("pickupServicePoint", "pickup_branch"),
        "priority": ("position",),
        "found": ("status",),
        "waitingdate": ("awaitingPickupDate", "ready_at"),
        "expirationdate": ("holdShelfExpirationDate", "expires_at"),
    },
    "fees.csv": {
        "accountlines_id": ("id", "fee_id"),
        "cardnumber": ("userBarcode", "card_number"),
        "amountoutstanding": ("remaining", "amount_outstanding", "amount"),
        "debit_type_code": ("feeFineType", "accounttype", "kind"),
        "date": ("dateCreated", "created"),
        "description": ("title",),
        "barcode": ("itemBarcode",),
    },
    "blocks.csv": {
        "borrower_debarment_id": ("id", "block_id"),
        "cardnumber": ("userBarcode", "card_number"),
        "type": (),
        "comment": ("desc", "description", "reason"),
        "expiration": ("expirationDate", "expires_on"),
    },
    "member-matches.csv": {
        "cardnumber": (),
        "clb_patron": (),
    },
}
REQUIRED = {
    "patrons.csv": ("cardnumber", "surname", "firstname", "dateofbirth", "zipcode"),
    "items.csv": ("barcode",),
    "loans.csv": ("barcode", "cardnumber", "issuedate", "date_due"),
    "holds.csv": ("cardnumber", "reservedate", "branchcode"),
    "fees.csv": ("cardnumber", "amountoutstanding"),
    "blocks.csv": ("cardnumber",),
    "member-matches.csv": ("cardnumber", "clb_patron"),
}
CSV_FILES = tuple(COLUMNS)

# Koha's debit types (accountlines.debit_type_code; accounttype before 20.05) → CLB ledger kinds.
FEE_KINDS = {
    "OVERDUE": "fine", "F": "fine", "FU": "fine", "O": "fine",
    "LOST": "lost", "L": "lost",
    "ACCOUNT": "subscription", "ACCOUNT_RENEW": "subscription", "A": "subscription",
    "RESERVE": "hold_fee", "RES": "hold_fee",
}  # fmt: skip


@dataclass
class Row:
    file: str
    number: int  # the spreadsheet's row number: 2 is the first row under the header
    values: dict[str, str]

    def get(self, column: str) -> str:
        return (self.values.get(column) or "").strip()


@dataclass
class Mapping:
    """mapping.toml: another system's codes → CLB's (a code that is CLB's own needs none)."""

    record_id: str = "001"
    marc: list[str] = field(default_factory=list)
    isil: str = ""  # the library's own ISIL, when the package names it
    isil_line: int = 0
    branches: dict[str, str] = field(default_factory=dict)
    locations: dict[str, str] = field(default_factory=dict)
    item_types: dict[str, str] = field(default_factory=dict)
    patron_categories: dict[str, str] = field(default_factory=dict)
    fee_kinds: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)

    def fee_kind(self, code: str) -> str | None:
        mine = {k.upper(): v for k, v in self.fee_kinds.items()}
        return mine.get(code.upper()) or FEE_KINDS.get(code.upper())


@dataclass
class Package:
    folder: Path
    mapping: Mapping
    marc_files: list[Path]
    csv_files: dict[str, Path]
    ignored: list[str]

    def rows(self, name: str) -> Iterator[Row]:
        path = self.csv_files.get(name)
        if path is None:
            return iter(())
        return _rows(path, name, self.mapping.columns.get(name.removesuffix(".csv"), {}))

    def count(self, name: str) -> int:
        path = self.csv_files.get(name)
        if path is None:
            return 0
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return max(0, sum(1 for _ in csv.reader(fh, delimiter=_delimiter(path))) - 1)


def read(folder) -> Package:
    folder = Path(folder)
    if not folder.is_dir():
        raise PackageError(f"pakket: map '{folder}' bestaat niet", field="package")
    mapping = _mapping(folder / "mapping.toml")
    marc_files, csv_files, ignored = [], {}, []
    for path in sorted(folder.iterdir()):
        name = path.name
        if name == "mapping.toml" or not path.is_file():
            continue
        if name in CSV_FILES:
            csv_files[name] = path
        elif name in mapping.marc if mapping.marc else name.lower().endswith(MARC_SUFFIXES):
            marc_files.append(path)
        else:
            ignored.append(name)
    missing = [m for m in mapping.marc if not (folder / m).is_file()]
    if missing:
        raise PackageError(f"mapping.toml: [package] marc noemt {', '.join(missing)}, "
                           "dat niet in het pakket staat", field="mapping")  # fmt: skip
    if not marc_files and "items.csv" in csv_files:
        raise PackageError("pakket: items.csv zonder MARC-bestand met de titels", field="package")
    if not (marc_files or "patrons.csv" in csv_files):
        raise PackageError(
            "pakket: geen MARC-bestand en geen patrons.csv: dit lijkt geen migratiepakket",
            field="package",
        )
    package = Package(folder, mapping, marc_files, csv_files, ignored)
    for name in csv_files:
        _check_header(package, name)
    return package


def _mapping(path: Path) -> Mapping:
    if not path.exists():
        return Mapping()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PackageError(f"mapping.toml: {exc}", field="mapping") from exc
    known = {"package", "branches", "locations", "item_types", "patron_categories", "fee_kinds",
             "columns"}  # fmt: skip
    unknown = sorted(set(data) - known)
    if unknown:
        raise PackageError(f"mapping.toml: onbekende tabel [{unknown[0]}] (bekend: "
                           f"{', '.join(sorted(known))})", field="mapping")  # fmt: skip
    tables = {}
    for name in known - {"package", "columns"}:
        table = data.get(name, {})
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise PackageError(f"mapping.toml: [{name}] hoort code = \"code\" te bevatten",
                               field="mapping")  # fmt: skip
        tables[name] = {str(k): v for k, v in table.items()}
    columns = data.get("columns", {})
    if not isinstance(columns, dict) or not all(
        isinstance(t, dict) and all(isinstance(v, str) for v in t.values())
        for t in columns.values()
    ):
        raise PackageError("mapping.toml: [columns.BESTAND] hoort kolom = \"naam in de export\" "
                           "te bevatten", field="mapping")  # fmt: skip
    package = data.get("package", {})
    record_id = str(package.get("record_id", "001"))
    if not re.fullmatch(r"00[1-9]|\d{3}\$[a-z0-9]", record_id):
        raise PackageError(f"mapping.toml: record_id '{record_id}' is geen 001 of TAG$code "
                           "(zoals 999$c)", field="mapping")  # fmt: skip
    marc = package.get("marc", [])
    found_isil = str(package.get("isil", "")).strip()
    if found_isil:
        try:
            found_isil = isil.check(found_isil, dutch=True)
        except ValidationError as exc:
            raise PackageError(f"mapping.toml: [package] isil: {' '.join(exc.messages)}",
                               field="mapping") from exc  # fmt: skip
    line = next((n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if text.strip().startswith("isil")), 0)  # fmt: skip
    return Mapping(record_id=record_id, marc=[str(m) for m in marc], isil=found_isil,
                   isil_line=line, columns=columns, **tables)  # fmt: skip


def _delimiter(path: Path) -> str:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        sample = fh.readline()
    return ";" if sample.count(";") > sample.count(",") else ","


def _header(path: Path, renames: dict[str, str]) -> dict[str, str]:
    """The export's column name for each canonical column it has."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        found = next(csv.reader(fh, delimiter=_delimiter(path)), [])
    found = [c.strip() for c in found]
    lower = {c.lower(): c for c in found}
    name = path.name
    out = {}
    for canonical, aliases in COLUMNS[name].items():
        for candidate in (renames.get(canonical, ""), canonical, *aliases):
            if candidate and candidate.lower() in lower:
                out[canonical] = lower[candidate.lower()]
                break
    return out


def _check_header(package: Package, name: str) -> None:
    path = package.csv_files[name]
    renames = package.mapping.columns.get(name.removesuffix(".csv"), {})
    try:
        have = _header(path, renames)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise PackageError(f"{name}: niet te lezen als CSV in UTF-8 ({exc})",
                           field=name) from exc  # fmt: skip
    missing = [c for c in REQUIRED[name] if c not in have]
    if name == "holds.csv" and not {"biblionumber", "barcode"} & set(have):
        missing.append("biblionumber of barcode")
    if name == "items.csv" and not {"biblionumber", "isbn"} & set(have):
        missing.append("biblionumber of isbn")
    if missing:
        raise PackageError(f"{name}: kolom {', '.join(missing)} ontbreekt", field=name)


def _rows(path: Path, name: str, renames: dict[str, str]) -> Iterator[Row]:
    columns = _header(path, renames)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=_delimiter(path))
        for number, raw in enumerate(reader, start=2):
            yield Row(name, number, {c: raw.get(src) or "" for c, src in columns.items()})


# --- values -------------------------------------------------------------------------------------

EMPTY_DATES = {"", "0000-00-00", "0000-00-00 00:00:00", "null", "NULL"}


def day(row: Row, column: str, *, required: bool = False) -> date | None:
    value = row.get(column)
    if value in EMPTY_DATES:
        if required:
            raise RowProblem(column, "ontbreekt")
        return None
    for parse in (date.fromisoformat, lambda v: datetime.strptime(v, "%d-%m-%Y").date()):
        try:
            return parse(value[:10])
        except ValueError:
            continue
    raise RowProblem(column, f"'{value}' is geen datum (JJJJ-MM-DD)")


def moment(row: Row, column: str, *, required: bool = False, end_of_day=False) -> datetime | None:
    """A date or date-time of the other system, in CLB's time zone; a bare date is the start
    of that day (or its end, for a due date)."""
    value = row.get(column)
    if value in EMPTY_DATES:
        if required:
            raise RowProblem(column, "ontbreekt")
        return None
    try:
        found = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        found = datetime.combine(day(row, column), time(0, 0))
    if len(value) <= 10:
        found = datetime.combine(found.date(), time(23, 59, 59) if end_of_day else time(0, 0))
    return found if timezone.is_aware(found) else timezone.make_aware(found)


def amount(row: Row, column: str) -> Decimal:
    value = row.get(column).replace("€", "").strip()
    if "," in value and "." not in value:
        value = value.replace(",", ".")
    try:
        found = Decimal(value)
    except InvalidOperation as exc:
        raise RowProblem(column, f"'{row.get(column)}' is geen bedrag") from exc
    if not found.is_finite():
        raise RowProblem(column, f"'{row.get(column)}' is geen bedrag")
    return found.quantize(Decimal("0.01"))


def whole(row: Row, column: str, default: int = 0) -> int:
    value = row.get(column)
    if not value:
        return default
    try:
        return int(Decimal(value))
    except (InvalidOperation, ValueError) as exc:
        raise RowProblem(column, f"'{value}' is geen getal") from exc
