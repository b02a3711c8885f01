"""Each SIP2 request, translated to the circulation and members services and back.

No circulation logic lives here: rules, blocks, routing and fees are the services'. A handler
returns (code, fixed fields, variable fields) for the codec to format. They run in a worker thread
(the ORM is synchronous) with the session of one kiosk connection."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from clb import clock
from clb.catalogue.models import Item, ItemStatus, MaterialType
from clb.circulation import services as circulation
from clb.circulation.models import ACTIVE_HOLD, Hold
from clb.errors import DomainError
from clb.members import services as members
from clb.members.models import LedgerKind
from clb.network.models import Branch

from ..models import KioskAccount
from .codec import Request, amount, count, sip_date, yn

Reply = tuple[str, list[str], list[tuple[str, object]]]

# The messages this server answers, in the order of the BX field of message 98.
SUPPORTED = "YYYNYYYYYYYNYYYY"  # 23 11 09 01 99 97 93 63 35 37 17 19 25 15 29 65
MEDIA = {MaterialType.BOOK: "001", MaterialType.MAGAZINE: "002", MaterialType.AUDIOBOOK: "006",
         MaterialType.DVD: "006", MaterialType.MUSIC: "006"}  # fmt: skip
CIRCULATION_STATUS = {
    ItemStatus.AVAILABLE: "03", ItemStatus.ON_LOAN: "04", ItemStatus.ON_HOLD_SHELF: "08",
    ItemStatus.IN_TRANSIT: "10", ItemStatus.CLAIMED_RETURNED: "11", ItemStatus.LOST: "12",
    ItemStatus.MISSING: "13", ItemStatus.IN_REPAIR: "06", ItemStatus.WITHDRAWN: "01",
}  # fmt: skip
SORT_BIN = {"shelf": "1", "hold_shelf": "2", "transit": "3"}


@dataclass
class Session:
    """What one kiosk connection knows: which account logged in, and the last answer (97)."""

    kiosk: KioskAccount | None = None
    last_response: str | None = None
    peer: str = ""

    @property
    def branch(self) -> Branch:
        return self.kiosk.branch

    @property
    def institution(self) -> str:
        return self.kiosk.branch.organisation.code if self.kiosk else ""


def dispatch(session: Session, request: Request) -> Reply:
    return HANDLERS[request.code](session, request, clock.now())


def _now_fields(now) -> str:
    return sip_date(timezone.localtime(now))


# --- login and status -------------------------------------------------------------------------


def login(session: Session, req: Request, now) -> Reply:
    account = (
        KioskAccount.objects.select_related("branch__organisation")
        .filter(login=req.get("CN"), active=True)
        .first()
    )
    ok = account is not None and account.check_password(req.get("CO"))
    if ok:
        session.kiosk = account
        KioskAccount.objects.filter(pk=account.pk).update(last_login_at=now)
    return "94", ["1" if ok else "0"], []


def sc_status(session: Session, req: Request, now) -> Reply:
    org = session.kiosk.branch.organisation if session.kiosk else None
    return (
        "98",
        ["Y", "Y", "Y", "Y", "N", "N", "030", "003", _now_fields(now), "2.00"],
        [
            ("AO", session.institution),
            ("AM", org.name if org else "CLB"),
            ("BX", SUPPORTED),
            ("AN", session.branch.code if session.kiosk else None),
            ("AF", None if session.kiosk else "Log eerst in (93)."),
        ],
    )


# --- patrons ----------------------------------------------------------------------------------


def _patron_and_pin(req: Request, now, *, pin_required=False):
    """(patron or None, valid-PIN flag or None when no PIN was asked, message)."""
    try:
        patron = members.find_patron(req.get("AA"))
    except DomainError as exc:
        return None, None, str(exc)
    if "AD" not in req.fields and not pin_required:
        return patron, None, ""
    try:
        members.verify_pin(patron.card_number, req.get("AD"), at=now)
    except DomainError as exc:
        return patron, False, str(exc)
    return patron, True, ""


def _status_field(patron, blocks) -> str:
    """14 positions, Y where a privilege is denied."""
    flags = [" "] * 14
    if patron is None or blocks:
        flags[0:4] = ["Y"] * 4  # charge, renew, recall, hold privileges denied
    codes = {b.code for b in blocks}
    if "card_blocked" in codes:
        flags[4] = "Y"
    if "fees" in codes:
        flags[10] = flags[11] = "Y"
    return "".join(flags)


def _patron_summary(session, req, now, code: str, fixed_prefix: list[str]) -> tuple:
    patron, pin_ok, message = _patron_and_pin(req, now)
    if patron is None:
        return None, (
            code,
            [_status_field(None, []), *fixed_prefix],
            [
                ("AO", session.institution),
                ("AA", req.get("AA")),
                ("AE", ""),
                ("BL", "N"),
                ("AF", message),
            ],
        )
    overview = circulation.patron_overview(patron, session.branch.organisation, at=now)
    fields = [
        ("AO", session.institution),
        ("AA", patron.card_number),
        ("AE", f"{patron.first_name} {patron.last_name}"),
        ("BL", "Y"),
        ("CQ", None if pin_ok is None else yn(pin_ok)),
        ("BH", "EUR"),
        ("BV", amount(overview.balance)),
    ]
    messages = [message] if message else [b.message for b in overview.blocks]
    return overview, (
        code,
        [_status_field(patron, overview.blocks), *fixed_prefix],
        fields + [("AF", " ".join(messages) or None)],
    )


def patron_status(session: Session, req: Request, now) -> Reply:
    _, reply = _patron_summary(session, req, now, "24", [req.fixed[0:3], _now_fields(now)])
    return reply


def patron_enable(session: Session, req: Request, now) -> Reply:
    # Blocks in CLB are staff decisions or fees; a kiosk cannot lift them, so this reports them.
    _, reply = _patron_summary(session, req, now, "26", ["000", _now_fields(now)])
    return reply


def patron_information(session: Session, req: Request, now) -> Reply:
    summary = req.fixed[21:31]
    overview, (code, fixed, fields) = _patron_summary(session, req, now, "64", [])
    lists = {"AS": [], "AT": [], "AU": [], "AV": [], "BU": [], "CD": []}
    if overview is not None:
        ready = [h for h, _pos in overview.holds if h.captured_item_id and h.status == "ready"]
        waiting = [h for h, _pos in overview.holds if h not in ready]
        lists["AS"] = [h.captured_item.barcode for h in ready]
        lists["CD"] = [h.record.title for h in waiting]
        lists["AT"] = [loan.item.barcode for loan in overview.overdue]
        lists["AU"] = [loan.item.barcode for loan in overview.loans]
        lists["AV"] = (
            [
                f"{line.description or line.get_kind_display()} {amount(line.amount)}"
                for line in overview.patron.ledger_lines.exclude(
                    kind__in=[LedgerKind.PAYMENT, LedgerKind.WAIVER]
                )
            ]
            if overview.balance > 0
            else []
        )
    counts = [count(len(lists[t])) for t in ("AS", "AT", "AU", "AV", "BU", "CD")]
    fixed = [fixed[0], req.fixed[0:3], _now_fields(now), *counts]
    start = max(1, _int(req.get("BP"), 1))
    end = max(start, _int(req.get("BQ"), start + 9))
    chosen = [
        tag
        for pos, tag in enumerate(("AS", "AT", "AU", "AV", "BU", "CD"))
        if summary[pos : pos + 1] == "Y"
    ]
    items = [(tag, value) for tag in chosen[:1] for value in lists[tag][start - 1 : end]]
    fields = (
        fields[:3]
        + [("BZ", "0099"), ("CA", "0099"), ("CB", "0099")]
        + fields[3:-1]
        + items
        + [
            ("BD", overview.patron.street if overview else None),
            ("BE", overview.patron.email if overview else None),
            ("BF", overview.patron.phone if overview else None),
            fields[-1],
        ]
    )
    return code, fixed, fields


def _int(text: str, default: int) -> int:
    return int(text) if text.isdigit() else default


def end_session(session: Session, req: Request, now) -> Reply:
    return (
        "36",
        ["Y", _now_fields(now)],
        [("AO", session.institution), ("AA", req.get("AA")), ("AF", "Tot ziens!")],
    )


# --- items ------------------------------------------------------------------------------------


def _media(item) -> str:
    return MEDIA.get(item.item_type.material_type, "000")


def _pin_refusal(session, req, now) -> str | None:
    if "AD" in req.fields or session.kiosk.require_pin:
        _patron, pin_ok, message = _patron_and_pin(req, now, pin_required=True)
        if not pin_ok:
            return message or "Verkeerde pincode."
    return None


def checkout(session: Session, req: Request, now) -> Reply:
    barcode, card = req.get("AB"), req.get("AA")
    base = [("AO", session.institution), ("AA", card), ("AB", barcode)]
    refusal = _pin_refusal(session, req, now)
    if refusal:
        return (
            "12",
            ["0", "N", "U", "N", _now_fields(now)],
            base + [("AJ", ""), ("AH", ""), ("AF", refusal)],
        )
    try:
        result = circulation.checkout(
            item_barcode=barcode, card_number=card, branch=session.branch, at=now
        )
        due, renewed, message = result.due_at, "N", result.message
    except DomainError as exc:
        if exc.code == "already_on_loan_to_patron" and req.fixed[0:1] == "Y":
            return _renew_reply("12", session, req, now, renewal_ok_field=True)
        return (
            "12",
            ["0", "N", "U", "N", _now_fields(now)],
            base + [("AJ", _title(barcode)), ("AH", ""), ("AF", str(exc))],
        )
    item = result.loan.item
    return (
        "12",
        ["1", renewed, "N", "Y", _now_fields(now)],
        base
        + [
            ("AJ", item.record.title),
            ("AH", sip_date(timezone.localtime(due))),
            ("CK", _media(item)),
            ("AF", message),
            ("AG", f"{item.record.title} — {message}"),
        ],
    )


def _title(barcode: str) -> str:
    item = Item.objects.select_related("record").filter(barcode=barcode).first()
    return item.record.title if item else ""


def checkin(session: Session, req: Request, now) -> Reply:
    barcode = req.get("AB")
    try:
        result = circulation.checkin(item_barcode=barcode, branch=session.branch, at=now)
    except DomainError as exc:
        return (
            "10",
            ["0", "N", "U", "N", _now_fields(now)],
            [
                ("AO", session.institution),
                ("AB", barcode),
                ("AQ", ""),
                ("AJ", _title(barcode)),
                ("AF", str(exc)),
            ],
        )
    item, routing = result.item, result.routing
    alert = routing.kind != "shelf"
    alert_type = None
    if routing.kind == "hold_shelf":
        alert_type = "01"
    elif routing.kind == "transit":
        alert_type = "02" if routing.hold else "04"
    screen = " ".join([routing.message, *result.messages])
    return (
        "10",
        ["1", "Y", "N", yn(alert), _now_fields(now)],
        [
            ("AO", session.institution),
            ("AB", item.barcode),
            ("AQ", item.home_branch.code),
            ("AJ", item.record.title),
            ("CL", SORT_BIN[routing.kind]),
            ("CT", routing.destination.code if alert else None),
            ("CV", alert_type),
            ("CY", routing.card_number or None),
            ("CS", item.call_number or None),
            ("CK", _media(item)),
            ("AF", screen),
            ("AG", f"{item.barcode} {routing.message}"),
        ],
    )


def _renew_reply(code: str, session, req, now, renewal_ok_field=False) -> Reply:
    barcode, card = req.get("AB"), req.get("AA")
    base = [("AO", session.institution), ("AA", card), ("AB", barcode)]
    try:
        result = circulation.renew(item_barcode=barcode, card_number=card, at=now)
    except DomainError as exc:
        return (
            code,
            ["0", "N", "U", "N", _now_fields(now)],
            base + [("AJ", _title(barcode)), ("AH", ""), ("AF", str(exc))],
        )
    due = sip_date(timezone.localtime(result.due_at))
    fee = [("BT", "01"), ("BH", "EUR"), ("BV", amount(result.fine))] if result.fine else []
    return (
        code,
        ["1", "Y", "N", "Y", _now_fields(now)],
        base
        + [
            ("AJ", result.loan.item.record.title),
            ("AH", due),
            *fee,
            ("AF", f"Verlengd tot {due[:8]}"),
        ],
    )


def renew(session: Session, req: Request, now) -> Reply:
    refusal = _pin_refusal(session, req, now)
    if refusal:
        return (
            "30",
            ["0", "N", "U", "N", _now_fields(now)],
            [
                ("AO", session.institution),
                ("AA", req.get("AA")),
                ("AB", req.get("AB")),
                ("AJ", ""),
                ("AH", ""),
                ("AF", refusal),
            ],
        )
    return _renew_reply("30", session, req, now)


def renew_all(session: Session, req: Request, now) -> Reply:
    card = req.get("AA")
    refusal = _pin_refusal(session, req, now)
    try:
        outcome = [] if refusal else circulation.renew_all(card_number=card, at=now)
    except DomainError as exc:
        refusal = str(exc)
        outcome = []
    renewed = [b for b, r in outcome if not isinstance(r, DomainError)]
    refused = [b for b, r in outcome if isinstance(r, DomainError)]
    return (
        "66",
        ["0" if refusal else "1", count(len(renewed)), count(len(refused)), _now_fields(now)],
        [
            ("AO", session.institution),
            *[("BM", b) for b in renewed],
            *[("BN", b) for b in refused],
            ("AF", refusal or f"{len(renewed)} verlengd, {len(refused)} niet verlengd"),
        ],
    )


def item_information(session: Session, req: Request, now) -> Reply:
    barcode = req.get("AB")
    item = (
        Item.objects.select_related(
            "record", "item_type", "organisation", "home_branch", "current_branch"
        )
        .filter(barcode=barcode)
        .first()
    )
    if item is None:
        return (
            "18",
            ["01", "00", "01", _now_fields(now)],
            [("AB", barcode), ("AJ", ""), ("AF", f"Onbekend exemplaar: {barcode}")],
        )
    queue = circulation.waiting_holds_for(item).count()
    loan = item.loans.filter(returned_at__isnull=True).first()
    ready = Hold.objects.filter(captured_item=item, status="ready").first()
    return (
        "18",
        [CIRCULATION_STATUS.get(item.status, "01"), "00", "01", _now_fields(now)],
        [
            ("CF", count(queue)),
            ("AH", sip_date(timezone.localtime(loan.due_at)) if loan else None),
            (
                "CM",
                sip_date(timezone.localtime(ready.expires_at))
                if ready and ready.expires_at
                else None,
            ),
            ("AB", item.barcode),
            ("AJ", item.record.title),
            ("BG", item.organisation.code),
            ("BH", "EUR"),
            ("BV", amount(item.replacement_price)),
            ("CK", _media(item)),
            ("AQ", item.home_branch.code),
            ("AP", item.current_branch.code),
            ("AF", ItemStatus(item.status).label),
        ],
    )


# --- holds and fees ---------------------------------------------------------------------------


def hold(session: Session, req: Request, now) -> Reply:
    mode, card, barcode = req.fixed[0:1], req.get("AA"), req.get("AB")
    pickup_code = req.get("BS")
    pickup = (
        Branch.objects.select_related("organisation").filter(code=pickup_code).first()
        if pickup_code
        else session.branch
    )
    base = [("AO", session.institution), ("AA", card), ("AB", barcode)]

    def refuse(message: str) -> Reply:
        return "16", ["0", "N", _now_fields(now)], base + [("AF", message)]

    refusal = _pin_refusal(session, req, now)
    if refusal:
        return refuse(refusal)
    if pickup is None:
        return refuse(f"Onbekend afhaalpunt: {pickup_code}")
    item = Item.objects.select_related("record").filter(barcode=barcode).first()
    if item is None:
        return refuse(f"Onbekend exemplaar: {barcode}")
    try:
        if mode == "+":
            result = circulation.place_hold(
                card_number=card,
                pickup_branch=pickup,
                at=now,
                item_barcode=barcode if req.get("BY") == "2" else None,
                record=item.record,
            )
            available = item.status == ItemStatus.AVAILABLE
            return (
                "16",
                ["1", yn(available), _now_fields(now)],
                base
                + [
                    ("BR", str(result.position)),
                    ("BS", pickup.code),
                    ("AJ", item.record.title),
                    ("AF", f"Gereserveerd; plaats in de rij: {result.position}"),
                ],
            )
        if mode == "-":
            existing = Hold.objects.filter(
                patron__card_number=card, record=item.record, status__in=ACTIVE_HOLD
            ).first()
            if existing is None:
                return refuse("Geen reservering op deze titel.")
            circulation.cancel_hold(existing.pk, card_number=card, at=now)
            return (
                "16",
                ["1", "N", _now_fields(now)],
                base + [("AJ", item.record.title), ("AF", "Reservering geannuleerd.")],
            )
    except DomainError as exc:
        return refuse(str(exc))
    return refuse("Wijzigen van een reservering kan aan de balie of in Mijn Bibliotheek.")


def fee_paid(session: Session, req: Request, now) -> Reply:
    card, currency = req.get("AA"), req.fixed[22:25]
    base = [("AO", session.institution), ("AA", card), ("BK", req.get("BK") or None)]
    if currency.strip() and currency != "EUR":
        return (
            "38",
            ["N", _now_fields(now)],
            base + [("AF", f"Valuta {currency} wordt niet aanvaard.")],
        )
    try:
        paid = Decimal(req.get("BV").replace(",", "."))
    except InvalidOperation:
        return "38", ["N", _now_fields(now)], base + [("AF", f"Ongeldig bedrag: {req.get('BV')}")]
    try:
        patron = members.find_patron(card)
        members.pay(
            patron,
            session.branch.organisation,
            paid,
            at=now,
            description=f"zelfservice {session.kiosk.login}",
        )
    except DomainError as exc:
        return "38", ["N", _now_fields(now)], base + [("AF", str(exc))]
    return "38", ["Y", _now_fields(now)], base + [("AF", f"Betaald: € {amount(paid)}")]


HANDLERS = {
    "93": login, "99": sc_status, "23": patron_status, "25": patron_enable, "63": patron_information,
    "35": end_session, "11": checkout, "09": checkin, "29": renew, "65": renew_all,
    "17": item_information, "15": hold, "37": fee_paid,
}  # fmt: skip
