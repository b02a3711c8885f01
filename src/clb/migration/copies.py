"""Titles and copies: the package's MARC through the catalogue's import (deduplicated against
the national catalogue), copies from the records (Koha's 952) or from items.csv, each copy's
status as the other system had it through the item state machine."""

from clb.catalogue import services as catalogue
from clb.catalogue.importer import CopyRow, Written
from clb.catalogue.marc import Holding
from clb.catalogue.models import Item, ItemStatus
from clb.catalogue.text import as_isbn13
from clb.circulation import services as circulation
from clb.errors import DomainError

from .context import Context, batched
from .models import IdMapEntry, Kind
from .package import Row, RowProblem, amount
from .report import CREATED, MERGED, REFUSED, UNCHANGED, UPDATED, WARNING

ITEMS = "items.csv"
# FOLIO item status names → CLB (a copy on loan or on the hold shelf gets that from its loan or
# hold; here it is available until then).
FOLIO_STATUS = {
    "available": ItemStatus.AVAILABLE, "checked out": ItemStatus.AVAILABLE,
    "awaiting pickup": ItemStatus.AVAILABLE, "in transit": ItemStatus.AVAILABLE,
    "paged": ItemStatus.AVAILABLE, "missing": ItemStatus.MISSING, "long missing": ItemStatus.MISSING,
    "withdrawn": ItemStatus.WITHDRAWN, "declared lost": ItemStatus.LOST,
    "aged to lost": ItemStatus.LOST, "lost and paid": ItemStatus.LOST,
    "claimed returned": ItemStatus.CLAIMED_RETURNED, "in process": ItemStatus.IN_REPAIR,
    "unavailable": ItemStatus.IN_REPAIR, "restricted": ItemStatus.IN_REPAIR,
}  # fmt: skip


def koha_status(lost: str, withdrawn: str, damaged: str, notforloan: str) -> tuple[str, str]:
    """Koha's item flags (itemlost 4 is "missing") → (CLB status, what to report)."""
    flag = lambda v: (v or "0").strip() not in ("", "0")  # noqa: E731
    if flag(withdrawn):
        return ItemStatus.WITHDRAWN, ""
    if flag(lost):
        return (ItemStatus.MISSING if lost.strip() == "4" else ItemStatus.LOST), ""
    if flag(damaged):
        return ItemStatus.IN_REPAIR, "beschadigd in de bron: 'in reparatie'"
    if flag(notforloan):
        return ItemStatus.IN_REPAIR, (f"niet uitleenbaar in de bron (notforloan {notforloan}): "
                                      "'in reparatie', zodat het niet wordt uitgeleend")  # fmt: skip
    return ItemStatus.AVAILABLE, ""


def record_key(field: str):
    """The function that reads a record's id in the other system: 001 or TAG$code."""
    if field.startswith("00"):
        return lambda r: next((f.data.strip() for f in r.get_fields(field)), "")
    tag, code = field.split("$")
    return lambda r: next((f.get(code, "").strip() for f in r.get_fields(tag)), "")


def run(ctx: Context) -> None:
    mapping = ctx.package.mapping
    key_of = record_key(mapping.record_id)
    copies, meta = _listed_copies(ctx)
    # (barcode, status, file, row, source id, whether an earlier run brought the copy in)
    changes: list[tuple[str, str, str, int, str, bool]] = []
    known_items = ctx.idmap.of(Kind.ITEM)

    def written(batch: list[Written]) -> None:
        kept = {
            barcode: (pk, status)
            for barcode, pk, status in Item.objects.filter(
                organisation=ctx.organisation, barcode__in=[b for w in batch for b in w.kept]
            ).values_list("barcode", "pk", "status")
        }
        for w in batch:
            key = key_of(w.record) or w.record_id
            _record_line(ctx, w, key)
            embedded = _embedded(w)
            for line, barcode, pk in w.items:
                sid, status, file, row = meta.get(barcode) or embedded.get(barcode) or (
                    barcode, ItemStatus.AVAILABLE, w.file, w.number)  # fmt: skip
                ctx.items[barcode] = pk
                ctx.item_numbers[sid] = barcode
                if sid not in known_items:  # state: the status the copy has in CLB now
                    ctx.idmap.add(Kind.ITEM, sid, pk, state=ItemStatus.AVAILABLE)
                if line is not None:
                    ctx.report.add(ITEMS, line, sid, CREATED, f"exemplaar {barcode}")
                if status != ItemStatus.AVAILABLE:
                    changes.append((barcode, status, file, row, sid, False))
            for barcode in w.kept:
                sid, status, file, row = meta.get(barcode) or embedded.get(barcode) or (
                    barcode, "", w.file, w.number)  # fmt: skip
                pk, now = kept[barcode]
                ctx.items[barcode] = pk
                ctx.item_numbers[sid] = barcode
                entry = known_items.get(sid)
                # A copy an earlier run brought in and nothing happened to since: it takes the
                # status the other system gives it now (or the one a stopped run did not set).
                if entry is not None and status and now == entry.state != status:
                    changes.append((barcode, status, file, row, sid, True))
                elif file == ITEMS:
                    ctx.report.add(ITEMS, row, sid, UNCHANGED, f"exemplaar {barcode} al in CLB")
        ctx.idmap.flush()

    if ctx.package.marc_files:
        result = catalogue.import_marc(
            ctx.package.marc_files,
            ctx.organisation,
            copies=copies,
            copies_name=ITEMS,
            branch_codes=mapping.branches,
            type_codes=mapping.item_types,
            record_key=key_of,
            copy_errors=True,
            on_written=written,
            progress=lambda done, total: ctx.progress("titels", done, total),
            at=ctx.at,
        )
        for e in result.errors:
            ctx.report.add(e.file, e.number, e.control_number, REFUSED, e.reason, e.field)
        for w in result.warnings:
            ctx.report.add(w.file, w.number, w.control_number, WARNING, w.reason, w.field)
    _statuses(ctx, changes)


def _record_line(ctx: Context, w: Written, key: str) -> None:
    records = ctx.idmap.of(Kind.RECORD)
    ctx.records[key] = w.record_id
    copies = f"{len(w.items)} nieuwe exemplaren" if w.items else "geen nieuwe exemplaren"
    if w.how == "unchanged":
        ctx.report.add(w.file, w.number, key, UNCHANGED, f"titel {w.record_id} al in CLB; {copies}")
    elif w.how == "new":
        ctx.report.add(w.file, w.number, key, CREATED, f"titel {w.record_id}; {copies}")
    else:
        on = "ISBN" if w.how == "isbn" else "titel, auteur en jaar"
        ctx.report.add(w.file, w.number, key, MERGED,
                       f"samengevoegd met titel {w.record_id} (zelfde {on}); {copies}")  # fmt: skip
    if key not in records:
        ctx.idmap.add(Kind.RECORD, key, w.record_id, created=w.how == "new")


def _embedded(w: Written) -> dict[str, tuple[str, str, str, int]]:
    """Koha's own item fields of a record: barcode → (itemnumber, status, file, record)."""
    found = {}
    for f in w.record.get_fields("952"):
        barcode = (f.get("p") or "").strip()
        if barcode:
            status, _why = koha_status(f.get("1", ""), f.get("0", ""), f.get("4", ""),
                                       f.get("7", ""))  # fmt: skip
            found[barcode] = ((f.get("9") or barcode).strip(), status, w.file, w.number)
    return found


def _listed_copies(ctx: Context):
    """items.csv checked row by row: the copies for the import, and per barcode its source id,
    status and row."""
    mapping = ctx.package.mapping
    shelves = {k.casefold(): v for k, v in mapping.locations.items()}
    copies, meta, seen = [], {}, {}
    for row in ctx.package.rows(ITEMS):
        barcode, sid = row.get("barcode"), row.get("itemnumber") or row.get("barcode")
        if row.get("itemnumber") and not ctx.once(row, sid, "itemnumber"):
            continue
        try:
            if not barcode:
                raise RowProblem("barcode", "ontbreekt")
            if barcode in seen:
                raise RowProblem("barcode", f"barcode {barcode} staat al in rij {seen[barcode]}")
            seen[barcode] = row.number
            home = ctx.branch(row.get("homebranch"))
            if home is None:
                raise RowProblem("homebranch", ctx.unknown_branch(row.get("homebranch")) if
                                 row.get("homebranch") else "ontbreekt")  # fmt: skip
            current = ctx.branch(row.get("holdingbranch")) or home
            if row.get("holdingbranch") and ctx.branch(row.get("holdingbranch")) is None:
                ctx.report.add(ITEMS, row.number, sid, WARNING,
                               ctx.unknown_branch(row.get("holdingbranch")) + f": in {home.code}",
                               "holdingbranch")  # fmt: skip
            status, why = _status(row)
            if why:
                ctx.report.add(ITEMS, row.number, sid, WARNING, why, "status")
            isbn = row.get("isbn")
            if isbn and not as_isbn13(isbn):
                ctx.report.add(ITEMS, row.number, sid, WARNING, f"ongeldig ISBN '{isbn}'", "isbn")
                if not row.get("biblionumber"):
                    raise RowProblem("isbn", f"ongeldig ISBN '{isbn}' en geen biblionumber")
            call = row.get("itemcallnumber")
            location = row.get("location")
            if location and shelves and location.casefold() not in shelves:
                ctx.report.add(ITEMS, row.number, sid, WARNING,
                               f"onbekende plaatsingslocatie '{location}' (niet in mapping.toml "
                               "[locations]): plaatsingscode zonder locatie", "location")  # fmt: skip
            prefix = shelves.get(location.casefold(), "") if location else ""
            if prefix:
                call = f"{prefix} {call}".strip()
            if row.get("replacementprice"):
                amount(row, "replacementprice")  # reported here, by column, when it is no amount
        except RowProblem as problem:
            ctx.refused(row, sid, problem.column, problem.reason)
            continue
        holding = Holding(barcode, home.code, call, row.get("itype"), ITEMS,
                          current_location=current.code, price=row.get("replacementprice"))  # fmt: skip
        copies.append(CopyRow(row.number, holding, row.get("biblionumber"), isbn))
        meta[barcode] = (sid, status, ITEMS, row.number)
    return copies, meta


def _status(row: Row) -> tuple[str, str]:
    if row.get("status"):
        name = row.get("status").casefold()
        if name not in FOLIO_STATUS:
            raise RowProblem("status", f"onbekende status '{row.get('status')}'")
        return FOLIO_STATUS[name], ""
    return koha_status(row.get("itemlost"), row.get("withdrawn"), row.get("damaged"),
                       row.get("notforloan"))  # fmt: skip


@batched
def _statuses(ctx: Context, changes) -> None:
    """Lost, missing, withdrawn, in repair: through the item state machine, one by one, each
    with the state the id map keeps for it (so a run stopped here is finished by the next)."""
    for i, (barcode, status, file, row, sid, again) in enumerate(changes, start=1):
        ctx.progress("exemplaarstatus", i, len(changes))
        try:
            with ctx.batches.row():
                circulation.set_item_status(item_barcode=barcode, status=status, at=ctx.at)
                IdMapEntry.objects.filter(
                    organisation=ctx.organisation, kind=Kind.ITEM, source_id=sid
                ).update(state=status)
        except DomainError as exc:
            ctx.report.add(file, row, sid, WARNING, f"status niet gezet: {exc}", "status")
            continue
        if sid in ctx.idmap.of(Kind.ITEM):
            ctx.idmap.of(Kind.ITEM)[sid].state = status
        if again:
            ctx.report.add(file, row, sid, UPDATED,
                           f"exemplaar {barcode}: status '{ItemStatus(status).label}'", "status")  # fmt: skip
