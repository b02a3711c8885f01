"""Item messages: checkout (11), checkin (09), renew (29), renew all (65), item information (17),
item status update (19). Each is one call of a circulation service; what the service decides
(due date, routing, refusal) is only written down in SIP2's terms."""

import textwrap

from django.utils import timezone
from django.utils.translation import gettext as _

from clb.catalogue.models import Item, ItemStatus, MaterialType
from clb.circulation import services as circulation
from clb.circulation.models import Hold
from clb.errors import DomainError

from . import refusals, spec
from .codec import Reply
from .context import Context
from .values import amount, count, sip_date

MEDIA = {
    MaterialType.BOOK: spec.MEDIA_BOOK,
    MaterialType.MAGAZINE: spec.MEDIA_MAGAZINE,
    MaterialType.AUDIOBOOK: spec.MEDIA_CD,
    MaterialType.MUSIC: spec.MEDIA_CD,
    MaterialType.DVD: spec.MEDIA_CD,
}
CIRCULATION_STATUS = {
    ItemStatus.AVAILABLE: spec.CIRCULATION_AVAILABLE,
    ItemStatus.ON_LOAN: spec.CIRCULATION_CHARGED,
    ItemStatus.ON_HOLD_SHELF: spec.CIRCULATION_ON_HOLD_SHELF,
    ItemStatus.IN_TRANSIT: spec.CIRCULATION_IN_TRANSIT,
    ItemStatus.CLAIMED_RETURNED: spec.CIRCULATION_CLAIMED_RETURNED,
    ItemStatus.LOST: spec.CIRCULATION_LOST,
    ItemStatus.MISSING: spec.CIRCULATION_MISSING,
    ItemStatus.IN_REPAIR: spec.CIRCULATION_IN_PROCESS,
}
# Sort bins (CL) of a return chute: back on the shelf, to the hold shelf, into the transit crate.
SORT_BIN = {"shelf": "1", "hold_shelf": "2", "transit": "3", "return_to_lender": "3"}


def _media(item: Item) -> str:
    return MEDIA.get(item.item_type.material_type, spec.MEDIA_OTHER)


def _magnetic(item: Item) -> str:
    # Books and magazines carry no magnetic media; for discs and tapes CLB does not know.
    return "N" if _media(item) in (spec.MEDIA_BOOK, spec.MEDIA_MAGAZINE) else "U"


def print_lines(ctx: Context, *texts: str) -> list[tuple[str, str]]:
    """Receipt lines (AG), wrapped to the printer width the kiosk gave in message 99."""
    width = ctx.session.print_width or 40
    return [("AG", line) for text in texts for line in textwrap.wrap(text, width)]


def checkout(ctx: Context) -> Reply:
    refusal = ctx.pin_refusal()
    if refusal:
        return ctx.refuse(refusal, AJ=ctx.title_of(ctx.barcode))
    try:
        result = ctx.circulate(
            circulation.checkout,
            "transaction_date",
            item_barcode=ctx.barcode,
            card_number=ctx.card,
            branch=ctx.session.branch,
        )
    except DomainError as exc:
        kiosk = refusals.answer(exc.code)
        if kiosk.renew_instead and ctx.request.fixed["sc_renewal_policy"] == "Y":
            return _renewal(ctx, "12", desensitize="Y")
        message = " ".join(filter(None, (ctx.unproven_refusal(exc), str(kiosk.advice))))
        return ctx.refuse(message, AJ=ctx.title_of(ctx.barcode))
    item = result.loan.item
    title = item.record.title
    return Reply(
        "12",
        {
            "ok": "1",
            "renewal_ok": "N",
            "magnetic_media": _magnetic(item),
            "desensitize": "Y",
            "transaction_date": ctx.sip_now,
        },
        [
            ("AO", ctx.institution),
            ("AA", ctx.card),
            ("AB", item.barcode),
            ("AJ", title),
            ("AH", sip_date(result.due_at)),
            ("CK", _media(item)),
            ("AF", result.message),
            *print_lines(ctx, title, result.message),
        ],
    )


def renew(ctx: Context) -> Reply:
    if not ctx.barcode:
        return ctx.refuse(_("Scan het exemplaar om te verlengen."))
    refusal = ctx.pin_refusal()
    if refusal:
        return ctx.refuse(refusal, AJ=ctx.title_of(ctx.barcode))
    return _renewal(ctx, "30", desensitize="U")


def _renewal(ctx: Context, code: str, *, desensitize: str) -> Reply:
    try:
        result = ctx.circulate(
            circulation.renew, "transaction_date", item_barcode=ctx.barcode, card_number=ctx.card
        )
    except DomainError as exc:
        return ctx.refuse(ctx.unproven_refusal(exc), AJ=ctx.title_of(ctx.barcode))
    item = result.loan.item
    due = sip_date(result.due_at)
    message = _("Verlengd tot %(date)s") % {
        "date": timezone.localdate(result.due_at).strftime("%d-%m-%Y")
    }
    fee = []
    if result.fine:
        fee = [("BT", spec.FEE_OVERDUE), ("BH", "EUR"), ("BV", amount(result.fine))]
        message += " " + _("Te-laat-geld € %(fine)s") % {"fine": amount(result.fine)}
    return Reply(
        code,
        {
            "ok": "1",
            "renewal_ok": "Y",
            "magnetic_media": _magnetic(item),
            "desensitize": desensitize,
            "transaction_date": ctx.sip_now,
        },
        [
            ("AO", ctx.institution),
            ("AA", ctx.card),
            ("AB", item.barcode),
            ("AJ", item.record.title),
            ("AH", due),
            *fee,
            ("CK", _media(item)),
            ("AF", message),
            *print_lines(ctx, item.record.title, message),
        ],
    )


def renew_all(ctx: Context) -> Reply:
    refusal = ctx.pin_refusal()
    if refusal:
        return ctx.refuse(refusal)
    try:
        outcome = circulation.renew_all(card_number=ctx.card, at=ctx.session.clock)
    except DomainError as exc:
        return ctx.refuse(ctx.unproven_refusal(exc))
    renewed = [barcode for barcode, result in outcome if not isinstance(result, DomainError)]
    refused = [(barcode, r) for barcode, r in outcome if isinstance(r, DomainError)]
    summary = _("%(renewed)s verlengd, %(refused)s niet verlengd.") % {
        "renewed": len(renewed),
        "refused": len(refused),
    }
    # Which copies a card has on loan is personal: listed only after the right PIN.
    shown = ctx.identify().proven
    return Reply(
        "66",
        {
            "ok": "1",
            "renewed_count": count(len(renewed)),
            "unrenewed_count": count(len(refused)),
            "transaction_date": ctx.sip_now,
        },
        [
            ("AO", ctx.institution),
            *[("BM", barcode) for barcode in renewed if shown],
            *[("BN", barcode) for barcode, _error in refused if shown],
            ("AF", summary),
            *[("AF", str(error)) for _barcode, error in refused if shown],  # each names its title
        ],
    )


def checkin(ctx: Context) -> Reply:
    try:
        result = ctx.circulate(
            circulation.checkin, "return_date", item_barcode=ctx.barcode, branch=ctx.session.branch
        )
    except DomainError as exc:
        return ctx.refuse(str(exc), AJ=ctx.title_of(ctx.barcode))
    item, routing = result.item, result.routing
    # One query for what the answer shows that the service did not load.
    title, home = (
        Item.objects.filter(pk=item.pk).values_list("record__title", "home_branch__code").get()
    )
    alert_type = None
    if routing.kind == "hold_shelf":
        alert_type = spec.ALERT_HOLD_HERE
    elif routing.kind == "transit":
        alert_type = spec.ALERT_HOLD_ELSEWHERE if routing.hold else spec.ALERT_SEND_ELSEWHERE
    elif routing.kind == "return_to_lender":  # interlibrary loan: staff send it back
        alert_type = spec.ALERT_SEND_ELSEWHERE
    return Reply(
        "10",
        {
            "ok": "1",
            "resensitize": "Y",
            "magnetic_media": _magnetic(item),
            "alert": "Y" if alert_type else "N",
            "transaction_date": ctx.sip_now,
        },
        [
            ("AO", ctx.institution),
            ("AB", item.barcode),
            ("AQ", home),
            ("AJ", title),
            ("CL", SORT_BIN[routing.kind]),
            ("CK", _media(item)),
            ("CS", item.call_number or None),
            ("CT", routing.destination.code if alert_type else None),
            ("CV", alert_type),
            ("CY", routing.shelf_code or None),  # who it waits for, without the card number
            ("AF", routing.message),
            *[("AF", message) for message in result.messages],
            *print_lines(ctx, title, routing.message),
        ],
    )


def item_information(ctx: Context) -> Reply:
    item = (
        Item.objects.select_related(
            "record", "item_type", "organisation", "home_branch", "current_branch"
        )
        .filter(barcode=ctx.barcode)
        .first()
    )
    if item is None:
        return ctx.refuse(_("Onbekend exemplaar: %(barcode)s") % {"barcode": ctx.barcode}, AJ="")
    loan = item.loans.open().first()
    ready = Hold.objects.ready_for(item).first()
    return Reply(
        "18",
        {
            "circulation_status": CIRCULATION_STATUS.get(item.status, spec.CIRCULATION_OTHER),
            "security_marker": spec.SECURITY_OTHER,
            "fee_type": spec.FEE_OTHER,
            "transaction_date": ctx.sip_now,
        },
        [
            ("CF", count(circulation.waiting_holds_for(item).count())),
            ("AH", sip_date(loan.due_at) if loan else None),
            ("CM", sip_date(ready.expires_at) if ready and ready.expires_at else None),
            ("AB", item.barcode),
            ("AJ", item.record.title),
            ("BG", item.organisation.code),
            ("CK", _media(item)),
            ("AQ", item.home_branch.code),
            ("AP", item.current_branch.code),
            ("CS", item.call_number or None),
            ("AF", ItemStatus(item.status).label),
        ],
    )


def item_status_update(ctx: Context) -> Reply:
    """Item properties are catalogue data kept by staff; message 98 says this is not offered."""
    return ctx.refuse(_("Exemplaargegevens wijzigen kan alleen aan de balie."))
