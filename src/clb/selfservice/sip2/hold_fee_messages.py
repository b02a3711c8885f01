"""Holds (15) and fee payments (37), through circulation.place_hold / cancel_hold and members.pay."""

from django.utils.translation import gettext as _

from clb.catalogue.models import Item, ItemStatus
from clb.circulation import services as circulation
from clb.circulation.models import Hold
from clb.errors import DomainError
from clb.members import services as members
from clb.members.models import PaymentMethod
from clb.network.models import Branch

from . import spec
from .codec import Reply
from .context import Context
from .values import amount, parse_amount, yn


def hold(ctx: Context) -> Reply:
    mode = ctx.request.fixed["hold_mode"]
    if mode not in ("+", "-"):
        return ctx.refuse(_("Een reservering wijzigen kan aan de balie of in Mijn Bibliotheek."))
    if not ctx.barcode:
        # A title alone (AJ) is free text: a kiosk scans a copy to say which title it means.
        return ctx.refuse(_("Scan een exemplaar van de titel die u wilt reserveren."))
    refusal = ctx.pin_refusal()
    if refusal:
        return ctx.refuse(refusal)
    item = Item.objects.select_related("record").filter(barcode=ctx.barcode).first()
    if item is None:
        return ctx.refuse(_("Onbekend exemplaar: %(barcode)s") % {"barcode": ctx.barcode})
    try:
        if mode == "+":
            return _place(ctx, item)
        return _cancel(ctx, item)
    except DomainError as exc:
        return ctx.refuse(str(exc), AJ=item.record.title)


def _place(ctx: Context, item: Item) -> Reply:
    pickup_code = ctx.request.get("BS")
    pickup = ctx.session.branch
    if pickup_code:
        pickup = Branch.objects.select_related("organisation").filter(code=pickup_code).first()
        if pickup is None:
            return ctx.refuse(
                _("Onbekend afhaalpunt: %(code)s") % {"code": pickup_code}, AJ=item.record.title
            )
    specific = ctx.request.get("BY") == spec.HOLD_TYPE_SPECIFIC_COPY
    result = circulation.place_hold(
        card_number=ctx.card,
        pickup_branch=pickup,
        record=item.record,
        item_barcode=item.barcode if specific else None,
        at=ctx.now,
    )
    screen = [("AF", _("Gereserveerd; u bent nummer %(n)s in de rij.") % {"n": result.position})]
    if result.fee:
        screen.append(("AF", _("Reserveringskosten € %(fee)s") % {"fee": amount(result.fee)}))
    return Reply(
        "16",
        {
            "ok": "1",
            "available": yn(item.status == ItemStatus.AVAILABLE),
            "transaction_date": ctx.sip_now,
        },
        [
            ("BR", str(result.position)),
            ("BS", pickup.code),
            ("AO", ctx.institution),
            ("AA", ctx.card),
            ("AB", item.barcode),
            ("AJ", item.record.title),
            *screen,
        ],
    )


def _cancel(ctx: Context, item: Item) -> Reply:
    # SIP2 names a hold by patron and copy; the service by its id.
    existing = (
        Hold.objects.active()
        .filter(patron__card_number=ctx.card, record=item.record)
        .values_list("pk", flat=True)
        .first()
    )
    if existing is None:
        return ctx.refuse(_("U heeft deze titel niet gereserveerd."), AJ=item.record.title)
    circulation.cancel_hold(existing, card_number=ctx.card, at=ctx.now)
    return Reply(
        "16",
        {"ok": "1", "available": "N", "transaction_date": ctx.sip_now},
        [
            ("AO", ctx.institution),
            ("AA", ctx.card),
            ("AB", item.barcode),
            ("AJ", item.record.title),
            ("AF", _("Reservering geannuleerd.")),
        ],
    )


def fee_paid(ctx: Context) -> Reply:
    transaction_id = ctx.request.get("BK") or None
    currency = ctx.request.fixed["currency_type"]
    if currency.strip() and currency != "EUR":
        return ctx.refuse(
            _("Betalen kan alleen in euro, niet in %(currency)s.") % {"currency": currency},
            BK=transaction_id,
        )
    try:
        paid = parse_amount(ctx.request.get("BV"))
    except ValueError:
        return ctx.refuse(
            _("Ongeldig bedrag: %(amount)s") % {"amount": ctx.request.get("BV")}, BK=transaction_id
        )
    refusal = ctx.pin_refusal()
    if refusal:
        return ctx.refuse(refusal, BK=transaction_id)
    how = spec.PAYMENT_TYPES.get(
        ctx.request.fixed["payment_type"], ctx.request.fixed["payment_type"]
    )
    try:
        patron = members.find_patron(ctx.card)
        members.pay(
            patron,
            ctx.session.organisation,
            paid,
            at=ctx.now,
            method=PaymentMethod.CASH
            if ctx.request.fixed["payment_type"] == "00"
            else PaymentMethod.CARD,
            # Ledger text is data staff read later, not kiosk text: always Dutch.
            description=", ".join(
                part
                for part in (f"Zelfservice {ctx.session.kiosk.login}", how, transaction_id)
                if part
            ),
        )
    except DomainError as exc:
        if not ctx.identify().proven:  # "more than the balance of €…" would tell the balance
            return ctx.refuse(
                _("Betalen lukt hier niet. Voer uw pincode in of vraag het aan de balie."),
                BK=transaction_id,
            )
        return ctx.refuse(str(exc), BK=transaction_id)
    return Reply(
        "38",
        {"payment_accepted": "Y", "transaction_date": ctx.sip_now},
        [
            ("AO", ctx.institution),
            ("AA", ctx.card),
            ("BK", transaction_id),
            ("AF", _("Betaald: € %(amount)s") % {"amount": amount(paid)}),
        ],
    )
