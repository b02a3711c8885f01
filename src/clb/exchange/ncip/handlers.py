"""The NCIP services CLB answers, each a thin adapter over circulation, members and catalogue:
it reads the message, calls the same service the desk and the kiosks call, and writes the
answer's body (after the ResponseHeader). Refusals are raised as Problems.

Interlibrary loan, as a broker or partner system drives it:
  lending side (an item of ours):  RequestItem → CheckOutItem → (RenewItem) → CheckInItem
  borrowing side (for our patron): AcceptItem makes a temporary copy on the hold shelf; the
  desk lends it to the patron; at return circulation withdraws it (catalogue.ill)."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from clb import clock
from clb.catalogue import services as catalogue
from clb.catalogue import text
from clb.catalogue.models import BibRecord, Item, ItemStatus
from clb.circulation import services as circulation
from clb.circulation.models import Hold, Loan
from clb.members import services as members
from clb.network.models import Branch, Organisation

from .. import agency
from ..xmltext import el, wrap
from .messages import Message, Problem, ident

CIRCULATION_STATUS = {
    ItemStatus.AVAILABLE: "Available On Shelf",
    ItemStatus.ON_LOAN: "On Loan",
    ItemStatus.ON_HOLD_SHELF: "Available For Pickup",
    ItemStatus.IN_TRANSIT: "In Transit Between Library Locations",
    ItemStatus.LOST: "Lost",
    ItemStatus.CLAIMED_RETURNED: "Claimed Returned Or Never Borrowed",
    ItemStatus.MISSING: "Missing",
    ItemStatus.WITHDRAWN: "Not Available",
    ItemStatus.IN_REPAIR: "Not Available",
}


@dataclass
class Context:
    organisation: Organisation  # the CLB organisation addressed (ToAgencyId)
    branch: Branch | None  # the branch addressed, when the ISIL was a branch's
    caller_isil: str
    at: datetime

    @property
    def isil(self) -> str:
        return self.organisation.isil or ""


def _date(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _card(msg: Message) -> str:
    card = msg.text("UserId/UserIdentifierValue") or msg.authentication().get("barcode id", "")
    if not card:
        raise Problem(
            "Needed Data Missing", "UserId of AuthenticationInput (Barcode Id) ontbreekt", "UserId"
        )
    members.find_patron(card)  # Unknown User before anything else
    return card


def _item(msg: Message, ctx: Context, path: str = "ItemId/ItemIdentifierValue") -> Item:
    barcode = msg.require(path)
    item = Item.objects.select_related("record", "current_branch").filter(barcode=barcode).first()
    if item is None or item.organisation_id != ctx.organisation.pk:
        raise Problem(
            "Unknown Item", f"exemplaar {barcode} is niet van {ctx.isil}", "ItemId", barcode
        )
    return item


def _desk(ctx: Context, item: Item | None = None) -> Branch:
    """Where an action on this item happens: the addressed branch, else where the copy is (if it
    is ours), else the organisation's main branch."""
    if ctx.branch is not None:
        return ctx.branch
    if item is not None and item.current_branch.organisation_id == ctx.organisation.pk:
        return item.current_branch
    branch = agency.default_branch(ctx.organisation, at=ctx.at)
    if branch is None:
        raise Problem("Unknown Agency", f"{ctx.isil} heeft geen open vestiging", "ToAgencyId")
    return branch


def _branch_by_isil(isil: str, ctx: Context) -> Branch:
    found = agency.find(isil)
    if found is None or found.organisation.pk != ctx.organisation.pk:
        raise Problem(
            "Invalid Pickup Location",
            f"{isil} is geen vestiging van {ctx.isil}",
            "PickupLocation",
            isil,
        )
    return found.branch or _desk(ctx)


def _bibliographic(record: BibRecord, isil: str) -> str:
    inner = ""
    if record.main_author:
        inner += el("Author", record.main_author)
    if record.isbn:
        inner += wrap(
            "BibliographicItemId",
            el("BibliographicItemIdentifier", record.isbn)
            + el("BibliographicItemIdentifierCode", "ISBN"),
        )
    inner += wrap(
        "BibliographicRecordId",
        el("BibliographicRecordIdentifier", record.pk) + el("AgencyId", isil),
    )
    if record.year:
        inner += el("PublicationDate", record.year)
    if record.publisher:
        inner += el("Publisher", record.publisher)
    inner += el("Title", record.title)
    return wrap("BibliographicDescription", inner)


# --- services -------------------------------------------------------------------------------------


def lookup_agency(msg: Message, ctx: Context) -> str:
    asked = agency.find(msg.require("AgencyId"))
    if asked is None:
        raise Problem(
            "Unknown Agency",
            f"{msg.text('AgencyId')} is niet bekend",
            "AgencyId",
            msg.text("AgencyId"),
        )
    names = [("Full", asked.organisation.name)]
    names += [
        ("Branch", b.name)
        for b in asked.organisation.branches.order_by("name")
        if asked.branch in (None, b)
    ]
    inner = el("AgencyId", asked.isil)
    inner += "".join(
        wrap(
            "OrganizationNameInformation", el("OrganizationNameType", t) + el("OrganizationName", n)
        )
        for t, n in names
    )
    return inner


def lookup_user(msg: Message, ctx: Context) -> str:
    given = msg.authentication()
    card, pin = given.get("barcode id", ""), given.get("pin", "")
    if not card or not pin:
        raise Problem(
            "User Authentication Failed",
            "AuthenticationInput met Barcode Id en PIN is nodig",
            "AuthenticationInput",
        )
    patron = members.verify_pin(card, pin, at=ctx.at)
    loans = Loan.objects.open().filter(patron=patron).count()
    blocks = members.borrowing_blocks(patron, ctx.organisation, clock.today(ctx.at))
    inner = ident("User", patron.card_number, ctx.isil)
    inner += wrap(
        "LoanedItemsCount", el("CirculationStatus", "On Loan") + el("LoanedItemCountValue", loans)
    )
    if blocks:
        inner += wrap(
            "UserOptionalFields",
            "".join(
                wrap("BlockOrTrap", el("AgencyId", ctx.isil) + el("BlockOrTrapType", b.code))
                for b in blocks
            ),
        )
    return inner


def lookup_item(msg: Message, ctx: Context) -> str:
    item = _item(msg, ctx)
    waiting = circulation.waiting_holds_for(item).count()
    optional = _bibliographic(item.record, ctx.isil)
    optional += el("CirculationStatus", CIRCULATION_STATUS[item.status])
    optional += el("HoldQueueLength", waiting)
    if item.call_number:
        optional += wrap("ItemDescription", el("CallNumber", item.call_number))
    loan = Loan.objects.open().filter(item=item).first()
    if loan is not None:
        optional += el("DateDue", _date(loan.due_at))
    return ident("Item", item.barcode, ctx.isil) + wrap("ItemOptionalFields", optional)


def _request_target(msg: Message, ctx: Context) -> tuple[BibRecord | None, str | None]:
    """(record, item barcode) a RequestItem is for: an item of ours, or a title by our record id
    or ISBN."""
    if msg.text("ItemId/ItemIdentifierValue"):
        return None, _item(msg, ctx).barcode
    record_id = msg.text("BibliographicId/BibliographicRecordId/BibliographicRecordIdentifier")
    isbn = msg.text("BibliographicId/BibliographicItemId/BibliographicItemIdentifier")
    record = None
    if record_id.isdigit():
        record = BibRecord.objects.filter(pk=int(record_id)).first()
    elif isbn:
        record = BibRecord.objects.filter(isbns__isbn13=catalogue_isbn(isbn)).order_by("pk").first()
    if record is None:
        raise Problem(
            "Unknown Item",
            "geen titel met dit BibliographicId",
            "BibliographicId",
            record_id or isbn,
        )
    return record, None


def catalogue_isbn(value: str) -> str:
    return text.as_isbn13(value) or value.strip()


def request_item(msg: Message, ctx: Context) -> str:
    card = _card(msg)
    request_type = msg.require("RequestType")
    scope = msg.require("RequestScopeType")
    record, barcode = _request_target(msg, ctx)
    pickup_isil = msg.text("PickupLocation")
    pickup = _branch_by_isil(pickup_isil, ctx) if pickup_isil else _desk(ctx)
    result = circulation.place_hold(
        card_number=card, pickup_branch=pickup, record=record, item_barcode=barcode, at=ctx.at
    )
    inner = ident("Request", str(result.hold.pk), ctx.isil)
    if barcode:
        inner += ident("Item", barcode, ctx.isil)
    inner += (
        ident("User", card, ctx.isil)
        + el("RequestType", request_type)
        + el("RequestScopeType", scope)
    )
    return inner


def _hold(msg: Message, ctx: Context) -> Hold:
    value = msg.require("RequestId/RequestIdentifierValue")
    hold = (
        Hold.objects.filter(pk=int(value)).first() if value.isdigit() and len(value) < 19 else None
    )
    if hold is None:
        raise Problem("Unknown Request", f"reservering {value} bestaat niet", "RequestId", value)
    return hold


def cancel_request_item(msg: Message, ctx: Context) -> str:
    card = _card(msg)
    msg.require("RequestType")
    hold = _hold(msg, ctx)
    circulation.cancel_hold(hold.pk, card_number=card, at=ctx.at)
    return ident("Request", str(hold.pk), ctx.isil) + ident("User", card, ctx.isil)


def _loan(item: Item, card: str, result, ctx: Context) -> str:
    """The answer to a checkout or a renewal: whose loan, due when, renewed how often."""
    return (
        ident("Item", item.barcode, ctx.isil)
        + ident("User", card, ctx.isil)
        + el("DateDue", _date(result.due_at))
        + el("RenewalCount", result.loan.renewals)
    )


def check_out_item(msg: Message, ctx: Context) -> str:
    card = _card(msg)
    item = _item(msg, ctx)
    result = circulation.checkout(
        item_barcode=item.barcode, card_number=card, branch=_desk(ctx, item), at=ctx.at
    )
    return _loan(item, card, result, ctx)


def check_in_item(msg: Message, ctx: Context) -> str:
    item = _item(msg, ctx)
    result = circulation.checkin(item_barcode=item.barcode, branch=_desk(ctx, item), at=ctx.at)
    status = CIRCULATION_STATUS[result.item.status]
    return ident("Item", item.barcode, ctx.isil) + wrap(
        "ItemOptionalFields", el("CirculationStatus", status)
    )


def renew_item(msg: Message, ctx: Context) -> str:
    card = _card(msg)
    item = _item(msg, ctx)
    result = circulation.renew(item_barcode=item.barcode, card_number=card, at=ctx.at)
    return _loan(item, card, result, ctx)


def accept_item(msg: Message, ctx: Context) -> str:
    """An item from another library arrives for one of our patrons: a temporary copy on the hold
    shelf of the pickup branch, held for that patron."""
    request_id = msg.require("RequestId/RequestIdentifierValue")
    msg.require("RequestedActionType")
    card = _card(msg)
    lender = msg.text("ItemId/AgencyId") or msg.text("RequestId/AgencyId") or ctx.caller_isil
    their_barcode = msg.require("ItemId/ItemIdentifierValue")
    pickup_isil = msg.text("PickupLocation")
    pickup = _branch_by_isil(pickup_isil, ctx) if pickup_isil else _desk(ctx)
    description = "ItemOptionalFields/BibliographicDescription/"
    record_id = msg.text(description + "BibliographicRecordId/BibliographicRecordIdentifier")
    in_clb = agency.find(msg.text(description + "BibliographicRecordId/AgencyId")) is not None
    with transaction.atomic():
        record = catalogue.record_for_borrowed(
            title=msg.text(description + "Title"),
            author=msg.text(description + "Author"),
            isbn=msg.text(description + "BibliographicItemId/BibliographicItemIdentifier"),
            record_id=int(record_id)
            if in_clb and record_id.isdigit() and len(record_id) < 19
            else None,
        )
        barcode = their_barcode
        if Item.objects.filter(barcode=barcode).exists():
            barcode = f"IBL-{lender}-{their_barcode}"[:32]
        copy = catalogue.add_borrowed_copy(
            record=record, branch=pickup, barcode=barcode, lender_isil=lender
        )
        circulation.place_hold(
            card_number=card, pickup_branch=pickup, item_barcode=copy.barcode, at=ctx.at
        )
        circulation.checkin(item_barcode=copy.barcode, branch=pickup, at=ctx.at)
    return ident("Request", request_id, msg.text("RequestId/AgencyId") or lender) + ident(
        "Item", copy.barcode, ctx.isil
    )


SERVICES = {
    "LookupAgency": lookup_agency,
    "LookupUser": lookup_user,
    "LookupItem": lookup_item,
    "RequestItem": request_item,
    "CancelRequestItem": cancel_request_item,
    "CheckOutItem": check_out_item,
    "CheckInItem": check_in_item,
    "RenewItem": renew_item,
    "AcceptItem": accept_item,
}
