"""Patron messages: status (23), information (63), enable (25), block (01).

What a patron owes, borrows and has reserved comes from circulation.patron_overview; who may
borrow from members.borrowing_blocks (through that overview). Whether a card may borrow is told
to any trusted request (also a card without a PIN at a kiosk that does not require one); who the
patron is, what they owe and what they borrow or reserved only after the right PIN."""

from decimal import Decimal

from django.utils.translation import gettext as _

from clb.circulation import services as circulation
from clb.circulation.models import HoldStatus
from clb.members.models import LedgerKind

from . import refusals, spec
from .codec import Reply
from .context import Context, Identity
from .values import ALL_PRIVILEGES_DENIED, amount, count, patron_status, yn

# Summary positions of message 63, and the field that lists each kind of item in message 64.
SUMMARY_FIELDS = ("AS", "AT", "AU", "AV", "BU", "CD")
MAX_LISTED = 100  # items in one response when the kiosk gives no range (BP/BQ)


def _look_up(ctx: Context) -> tuple[Identity, circulation.PatronOverview | None]:
    who = ctx.identify()
    if not who.trusted:
        return who, None
    return who, circulation.patron_overview(who.patron, ctx.session.organisation, at=ctx.now)


def _status(overview) -> str:
    if overview is None:
        return ALL_PRIVILEGES_DENIED
    denied = set()
    if overview.blocks:  # every block stops borrowing, renewing and reserving alike (services)
        denied |= {spec.CHARGE_DENIED, spec.RENEWAL_DENIED, spec.RECALL_DENIED, spec.HOLD_DENIED}
    for block in overview.blocks:
        denied |= refusals.answer(block.code).denies
    return patron_status(denied)


def _who_fields(ctx: Context, who: Identity, overview) -> list[tuple[str, object]]:
    patron = overview.patron if overview and who.proven else None
    return [
        ("AO", ctx.institution),
        ("AA", ctx.card),
        ("AE", f"{patron.first_name} {patron.last_name}" if patron else ""),
        ("BL", yn(who.patron is not None)),
        ("CQ", None if who.pin_ok is None else yn(who.pin_ok)),
    ]


def _screen(who: Identity, overview) -> list[tuple[str, object]]:
    if who.message:
        return [("AF", who.message)]
    if overview is None:
        return []
    if not who.proven:  # a block's reason and the amount owed are personal
        return [("AF", _("Voer uw pincode in om uw gegevens te zien."))]
    return [("AF", block.message) for block in overview.blocks]


def _fee_fields(who: Identity, overview) -> list[tuple[str, object]]:
    if overview is None or not who.proven:
        return []
    return [("BH", "EUR"), ("BV", amount(overview.balance))]


def patron_status_request(ctx: Context) -> Reply:
    who, overview = _look_up(ctx)
    return Reply(
        "24",
        {
            "patron_status": _status(overview),
            "language": ctx.language,
            "transaction_date": ctx.sip_now,
        },
        [*_who_fields(ctx, who, overview), *_fee_fields(who, overview), *_screen(who, overview)],
    )


def patron_enable(ctx: Context) -> Reply:
    """Blocks in CLB are staff decisions, fees or an expired membership: a kiosk cannot lift
    them, so this answers with the patron's standing and says where it can be sorted out."""
    who, overview = _look_up(ctx)
    screen = _screen(who, overview)
    if overview is not None and who.proven:
        screen.append(
            ("AF", _("Een blokkade kan alleen aan de balie worden opgeheven."))
            if overview.blocks
            else ("AF", _("Uw pas is actief."))
        )
    return Reply(
        "26",
        {
            "patron_status": _status(overview),
            "language": ctx.language,
            "transaction_date": ctx.sip_now,
        },
        [*_who_fields(ctx, who, overview), *screen],
    )


def block_patron(ctx: Context) -> Reply:
    """Blocking a card is a staff decision in CLB (with a reason on record); message 98 says so."""
    return ctx.refuse(_("Een pas blokkeren kan alleen aan de balie."), AE="")


def patron_information(ctx: Context) -> Reply:
    who, overview = _look_up(ctx)
    lists = _item_lists(overview if who.proven else None)
    fixed = {
        "patron_status": _status(overview),
        "language": ctx.language,
        "transaction_date": ctx.sip_now,
        "hold_items_count": count(len(lists["AS"])),
        "overdue_items_count": count(len(lists["AT"])),
        "charged_items_count": count(len(lists["AU"])),
        "fine_items_count": count(len(lists["AV"])),
        "recall_items_count": count(len(lists["BU"])),
        "unavailable_holds_count": count(len(lists["CD"])),
    }
    fields = [*_who_fields(ctx, who, overview), *_fee_fields(who, overview)]
    if overview is not None and who.proven:
        fields.append(("CC", amount(ctx.session.organisation.fee_block_threshold)))
        fields += _chosen_list(ctx, lists)
        patron = overview.patron
        address = " ".join(p for p in (patron.street, patron.postcode, patron.place) if p)
        fields += [
            ("BD", address or None),
            ("BE", patron.email or None),
            ("BF", patron.phone or None),
        ]
    return Reply("64", fixed, [*fields, *_screen(who, overview)])


def _item_lists(overview) -> dict[str, list[str]]:
    lists: dict[str, list[str]] = {tag: [] for tag in SUMMARY_FIELDS}
    if overview is None:
        return lists
    for hold, _position in overview.holds:
        if hold.status == HoldStatus.READY and hold.captured_item is not None:
            lists["AS"].append(hold.captured_item.barcode)
        else:
            lists["CD"].append(hold.record.title)
    lists["AT"] = [loan.item.barcode for loan in overview.overdue]
    lists["AU"] = [loan.item.barcode for loan in overview.loans]
    lists["AV"] = [
        f"{amount(open_amount)} {line.get_kind_display()}: {line.description}".rstrip(": ")
        for line, open_amount in open_charges(overview.patron)
    ]
    return lists


def _chosen_list(ctx: Context, lists) -> list[tuple[str, object]]:
    """The one kind of item the summary field asks for (the first Y), from BP to BQ."""
    summary = ctx.request.fixed["summary"]
    chosen = next(
        (tag for tag, flag in zip(SUMMARY_FIELDS, summary, strict=False) if flag == "Y"), None
    )
    if chosen is None:
        return []
    start = _number(ctx.request.get("BP"), 1)
    end = _number(ctx.request.get("BQ"), start + MAX_LISTED - 1)
    end = min(end, start + MAX_LISTED - 1)
    return [(chosen, value) for value in lists[chosen][start - 1 : end]]


def _number(text: str, default: int) -> int:
    return int(text) if text.isdigit() and int(text) > 0 else default


def open_charges(patron) -> list[tuple[object, Decimal]]:
    """Charges not yet paid, with what is still open of each. The ledger records payments
    against an organisation's balance, not against single charges, so for showing them a
    payment is taken to settle that organisation's oldest charges first."""
    lines = list(patron.ledger_lines.order_by("created_at", "id"))
    credit: dict[int, Decimal] = {}
    for line in lines:
        if line.kind in (LedgerKind.PAYMENT, LedgerKind.WAIVER):
            credit[line.organisation_id] = credit.get(line.organisation_id, 0) - line.amount
    still_open = []
    for line in lines:
        if line.amount <= 0:
            continue
        settled = min(credit.get(line.organisation_id, Decimal("0")), line.amount)
        credit[line.organisation_id] = credit.get(line.organisation_id, Decimal("0")) - settled
        if line.amount > settled:
            still_open.append((line, line.amount - settled))
    return still_open
