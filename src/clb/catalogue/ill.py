"""Copies borrowed from another library (interlibrary loan): a temporary copy for the one patron
it was requested for. Circulation withdraws it when that patron returns it; the exchange room's
outputs (SRU, OAI-PMH, holdings feed) never show it as a holding."""

from django.db import transaction

from clb.network.models import Branch

from . import text
from .errors import CatalogueError
from .models import BibRecord, Item, ItemType, RecordIsbn


def record_for_borrowed(
    *, title: str, author: str = "", isbn: str = "", record_id: int | None = None
) -> BibRecord:
    """The national record of a borrowed book: the record a CLB lender named, or found by ISBN
    when the catalogue has it, else a short record made from what the lending library sent."""
    if record_id is not None:
        found = BibRecord.objects.filter(pk=record_id).first()
        if found is not None:
            return found
    isbn13 = text.as_isbn13(isbn) if isbn else None
    if isbn13:
        found = RecordIsbn.objects.filter(isbn13=isbn13).order_by("record_id").first()
        if found is not None:
            return found.record
    if not (title or "").strip():
        raise CatalogueError("Titel ontbreekt voor het geleende exemplaar.", field="title")
    return BibRecord.objects.create(
        title=title.strip()[:500],
        authors=[author.strip()] if author.strip() else [],
        isbn=isbn13 or "",
    )


@transaction.atomic
def add_borrowed_copy(
    *, record: BibRecord, branch: Branch, barcode: str, lender_isil: str, item_type: str = "boek"
) -> Item:
    barcode = (barcode or "").strip()
    if not barcode:
        raise CatalogueError("Barcode ontbreekt.", field="barcode")
    if Item.objects.filter(barcode=barcode).exists():
        raise CatalogueError(f"Barcode {barcode} bestaat al.", field="barcode")
    kind = ItemType.objects.filter(code=item_type).first()
    if kind is None:
        raise CatalogueError(f"Onbekende exemplaarsoort {item_type}.", field="item_type")
    return Item.objects.create(
        barcode=barcode,
        record=record,
        organisation=branch.organisation,
        home_branch=branch,
        current_branch=branch,
        item_type=kind,
        audience=record.audience,
        ill_lender=lender_isil,
    )
