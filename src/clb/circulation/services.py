"""Circulation: the only code that changes loans, holds, transits and item status.

Every action is one transaction that starts by locking the item row, so two actions on one copy
queue behind each other; the database's partial unique indexes back that up. Every action writes
its anonymous statistics event in the same transaction. `at` is the injected clock."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clb import clock
from clb.catalogue.models import BibRecord, Item, ItemStatus
from clb.cockpit import events
from clb.cockpit.models import EventAction
from clb.members import services as members
from clb.members.cards import shelf_code
from clb.members.models import LedgerKind, LedgerLine, Patron
from clb.network.models import Branch

from . import rules, state
from .errors import CirculationError
from .models import ACTIVE_HOLD, Hold, HoldStatus, Loan, Transit

# --- what interfaces show ---------------------------------------------------------------------


@dataclass(frozen=True)
class Routing:
    """Where a copy goes after it passed the desk or a return chute."""

    kind: str  # "shelf" | "hold_shelf" | "transit"
    destination: Branch
    message: str
    hold: Hold | None = None
    # Who the copy waits for, as slips and kiosks may print it in any organisation's branch:
    # initials and the card's last four digits, never the card number (members.cards.shelf_code).
    shelf_code: str = ""


@dataclass(frozen=True)
class CheckoutResult:
    loan: Loan
    due_at: datetime
    message: str
    hold_fulfilled: Hold | None = None


@dataclass(frozen=True)
class CheckinResult:
    item: Item
    routing: Routing
    loan: Loan | None = None
    fine: Decimal = Decimal("0")
    messages: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RenewResult:
    loan: Loan
    due_at: datetime
    fine: Decimal = Decimal("0")


@dataclass(frozen=True)
class HoldResult:
    hold: Hold
    position: int
    fee: Decimal = Decimal("0")


# --- helpers ----------------------------------------------------------------------------------


def _lock_item(barcode: str) -> Item:
    try:
        return (
            Item.objects.select_for_update(of=("self",))
            .select_related("item_type", "organisation")
            .get(barcode=(barcode or "").strip())
        )
    except Item.DoesNotExist as exc:
        raise CirculationError(
            _("Onbekend exemplaar: %(barcode)s") % {"barcode": barcode},
            code="unknown_item",
            field="item_barcode",
        ) from exc


def _open_loan(item: Item) -> Loan | None:
    return (
        Loan.objects.select_for_update(of=("self",))
        .select_related("patron", "patron__municipality")
        .filter(item=item, returned_at__isnull=True)
        .first()
    )


def due_date(at: datetime, loan_days: int) -> datetime:
    """Loans are due at the end of the local day, loan_days after today."""
    day = clock.today(at) + timedelta(days=loan_days)
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def days_overdue(due_at: datetime, at: datetime) -> int:
    return max(0, (clock.today(at) - timezone.localdate(due_at)).days)


def _fine_for(loan: Loan, item: Item, at: datetime) -> Decimal:
    days = days_overdue(loan.due_at, at)
    if not days:
        return Decimal("0")
    rule = rules.resolve(loan.organisation, loan.patron_category, item.item_type)
    return min(rule.fine_per_day * days, rule.fine_cap)


def _charge_fine(loan: Loan, item: Item, at: datetime, staff) -> Decimal:
    fine = _fine_for(loan, item, at)
    if fine > 0 and loan.patron_id:
        days = days_overdue(loan.due_at, at)
        members.charge(
            loan.patron,
            loan.organisation,
            LedgerKind.FINE,
            fine,
            description=_("%(days)s dagen te laat") % {"days": days},
            loan=loan,
            item=item,
            staff=staff,
            at=at,
        )
    return fine


def _refuse_blocks(patron: Patron, organisation, at: datetime):
    """Raise when the patron may not borrow here; else return their valid membership."""
    membership = members.valid_membership(patron, clock.today(at))
    blocks = members.borrowing_blocks(patron, organisation, clock.today(at), membership)
    if blocks:
        raise CirculationError(" ".join(b.message for b in blocks), code=blocks[0].code)
    return membership


def queue_position(hold: Hold) -> int:
    """Derived from placement order, never stored: no gaps, no duplicates."""
    if hold.status != HoldStatus.WAITING:
        return 0
    earlier = Hold.objects.filter(record_id=hold.record_id, status=HoldStatus.WAITING).filter(
        Q(placed_at__lt=hold.placed_at) | Q(placed_at=hold.placed_at, id__lt=hold.id)
    )
    return earlier.count() + 1


def waiting_holds_for(item: Item):
    """Holds this copy could fill, oldest first: item-level on it or title-level on its record."""
    return (
        Hold.objects.filter(status=HoldStatus.WAITING, record_id=item.record_id)
        .filter(Q(item__isnull=True) | Q(item=item))
        .order_by("placed_at", "id")
    )


# --- checkout ---------------------------------------------------------------------------------


@transaction.atomic
def checkout(
    *, item_barcode: str, card_number: str, branch: Branch, staff=None, at=None
) -> CheckoutResult:
    at = clock.now(at)
    item = _lock_item(item_barcode)
    patron = members.find_patron(card_number, lock=True)  # serialises the loan-limit count
    organisation = branch.organisation
    membership = _refuse_blocks(patron, organisation, at)

    hold_to_fulfil = None
    if item.status == ItemStatus.ON_HOLD_SHELF:
        hold_to_fulfil = (
            Hold.objects.select_for_update()
            .filter(captured_item=item, status=HoldStatus.READY)
            .first()
        )
        if hold_to_fulfil is None or hold_to_fulfil.patron_id != patron.pk:
            raise CirculationError(
                _("Dit exemplaar ligt klaar voor een andere lener."), code="held_for_other"
            )
    elif item.status == ItemStatus.ON_LOAN:
        loan = Loan.objects.filter(item=item, returned_at__isnull=True).first()
        if loan and loan.patron_id == patron.pk:
            raise CirculationError(
                _("Dit exemplaar is al aan deze lener uitgeleend; verlengen kan."),
                code="already_on_loan_to_patron",
            )
        raise CirculationError(
            _("Dit exemplaar staat nog uitgeleend; neem het eerst in."), code="on_loan"
        )
    elif item.status != ItemStatus.AVAILABLE:
        raise CirculationError(
            _("Exemplaar %(barcode)s heeft status '%(status)s' en kan niet worden uitgeleend.")
            % {"barcode": item.barcode, "status": ItemStatus(item.status).label},
            code="not_loanable",
        )
    else:
        waiting = list(waiting_holds_for(item))
        if any(h.item_id == item.pk and h.patron_id != patron.pk for h in waiting):
            raise CirculationError(
                _("Op dit exemplaar rust een reservering van een andere lener."),
                code="item_hold_other",
            )
        hold_to_fulfil = next((h for h in waiting if h.patron_id == patron.pk), None)

    category = members.patron_category(patron, clock.today(at), membership)
    rule = rules.resolve(organisation, category, item.item_type)
    open_loans = Loan.objects.filter(
        patron=patron, organisation=organisation, returned_at__isnull=True
    ).count()
    if open_loans >= rule.loan_limit:
        raise CirculationError(
            _("Maximum van %(n)s uitleningen bereikt.") % {"n": rule.loan_limit},
            code="loan_limit",
        )

    due = due_date(at, rule.loan_days)
    try:
        loan = Loan.objects.create(
            item=item,
            patron=patron,
            organisation=organisation,
            branch=branch,
            patron_category=category,
            checked_out_at=at,
            due_at=due,
        )
    except IntegrityError as exc:  # the partial unique index: someone else was first
        # No savepoint needed: raising aborts the whole action's transaction.
        raise CirculationError(_("Dit exemplaar is zojuist uitgeleend."), code="on_loan") from exc
    state.move(item, ItemStatus.ON_LOAN, branch=branch)
    if hold_to_fulfil is not None:
        fulfilled = Hold.objects.filter(pk=hold_to_fulfil.pk, status=hold_to_fulfil.status).update(
            status=HoldStatus.FULFILLED, closed_at=at, captured_item=item
        )
        if not fulfilled:
            raise CirculationError(
                _("De reservering is zojuist gewijzigd; probeer opnieuw."), code="hold_changed"
            )
        events.record(
            EventAction.HOLD_FULFILLED,
            at=at,
            organisation=organisation,
            branch=branch,
            item=item,
            patron=patron,
        )
    events.record(
        EventAction.CHECKOUT,
        at=at,
        organisation=organisation,
        branch=branch,
        item=item,
        patron=patron,
    )
    message = _("Inleveren uiterlijk %(date)s") % {
        "date": timezone.localdate(due).strftime("%d-%m-%Y")
    }
    return CheckoutResult(loan=loan, due_at=due, message=message, hold_fulfilled=hold_to_fulfil)


# --- checkin and routing ----------------------------------------------------------------------


@transaction.atomic
def checkin(*, item_barcode: str, branch: Branch, staff=None, at=None) -> CheckinResult:
    at = clock.now(at)
    item = _lock_item(item_barcode)
    messages: list[str] = []
    loan = _open_loan(item)
    fine = Decimal("0")
    if loan is not None:
        patron = loan.patron
        loan.returned_at = at
        loan.return_branch = branch
        fine = _charge_fine(loan, item, at, staff)
        if fine:
            messages.append(_("Te-laat-geld € %(fine)s") % {"fine": fine})
        # The link stays only for a patron who keeps history, or until a fine is settled
        # (clb anonymise removes it after the retention period).
        if patron is not None and not patron.keep_history and not fine:
            loan.patron = None
            loan.anonymised = True
        loan.save(update_fields=["returned_at", "return_branch", "patron", "anonymised"])
        events.record(
            EventAction.CHECKIN,
            at=at,
            organisation=branch.organisation,
            branch=branch,
            item=item,
            patron=patron,
        )
    elif item.status in (ItemStatus.LOST, ItemStatus.MISSING, ItemStatus.CLAIMED_RETURNED):
        messages.append(_("Exemplaar teruggevonden."))
        _waive_lost_charge(item, at, staff)
    elif item.status == ItemStatus.ON_HOLD_SHELF:
        hold = Hold.objects.filter(captured_item=item, status=HoldStatus.READY).first()
        if hold is not None and hold.pickup_branch_id == branch.pk:
            return CheckinResult(
                item=item, routing=_hold_shelf_routing(hold, branch), messages=messages
            )
    elif item.status == ItemStatus.IN_TRANSIT:
        return _receive(item, branch, at, staff, messages)
    elif item.status in (ItemStatus.WITHDRAWN,):
        raise CirculationError(_("Dit exemplaar is afgeschreven."), code="withdrawn")
    routing = _route(item, branch, at)
    return CheckinResult(item=item, routing=routing, loan=loan, fine=fine, messages=messages)


def _waive_lost_charge(item: Item, at, staff) -> None:
    """A lost copy that turns up: what is still owed for its replacement is waived."""
    line = (
        LedgerLine.objects.filter(item=item, kind=LedgerKind.LOST).order_by("-created_at").first()
    )
    if line is None:
        return
    owed = members.balance(line.patron, line.organisation)
    amount = min(owed, line.amount)
    if amount > 0:
        members.pay(
            line.patron,
            line.organisation,
            amount,
            kind=LedgerKind.WAIVER,
            staff=staff,
            at=at,
            description=_("Vermist exemplaar teruggevonden"),
        )


def _route(item: Item, branch: Branch, at: datetime) -> Routing:
    """Decide where a copy that is here and free goes: a waiting hold first, else home."""
    hold = _capture(item, at)
    if hold is not None:
        events.record(
            EventAction.HOLD_CAPTURED,
            at=at,
            organisation=branch.organisation,
            branch=branch,
            item=item,
        )
        if hold.pickup_branch_id == branch.pk:
            _to_hold_shelf(hold, item, branch, at)
            return _hold_shelf_routing(hold, branch)
        hold.status = HoldStatus.IN_TRANSIT
        hold.save(update_fields=["status"])
        return _send(item, branch, hold.pickup_branch, Transit.Reason.HOLD, at, hold=hold)
    if (
        branch.pk == item.home_branch_id
        or item.organisation.floating_item_types.filter(pk=item.item_type_id).exists()
    ):
        state.move(item, ItemStatus.AVAILABLE, branch=branch)
        return Routing("shelf", branch, _("Terugzetten in de kast."))
    return _send(item, branch, item.home_branch, Transit.Reason.HOME, at)


def _capture(item: Item, at: datetime) -> Hold | None:
    """Claim the oldest waiting hold this copy can fill. The claim is a compare-and-set UPDATE
    (only while the hold still waits), so of two copies checked in at once exactly one wins,
    whatever the timing; the loser moves on to the next hold in line."""
    today = clock.today(at)
    open_pickup = Q(pickup_branch__closed_on__isnull=True) | Q(pickup_branch__closed_on__gt=today)
    for hold in waiting_holds_for(item).filter(open_pickup)[:50]:
        claimed = Hold.objects.filter(pk=hold.pk, status=HoldStatus.WAITING).update(
            status=HoldStatus.IN_TRANSIT,  # provisional; _route settles ready or transit
            captured_item=item,
            captured_at=at,
        )
        if claimed:
            return Hold.objects.select_related("pickup_branch", "patron").get(pk=hold.pk)
    return None


def _to_hold_shelf(hold: Hold, item: Item, branch: Branch, at: datetime) -> None:
    hold.status = HoldStatus.READY
    hold.ready_at = at
    hold.expires_at = due_date(at, branch.organisation.hold_shelf_days)
    hold.save(update_fields=["status", "ready_at", "expires_at"])
    state.move(item, ItemStatus.ON_HOLD_SHELF, branch=branch)


def _hold_shelf_routing(hold: Hold, branch: Branch) -> Routing:
    code = shelf_code(hold.patron)
    return Routing(
        "hold_shelf",
        branch,
        _("Naar de reserveringsplank: %(code)s.") % {"code": code},
        hold=hold,
        shelf_code=code,
    )


def _send(item, from_branch, to_branch, reason, at, hold=None) -> Routing:
    Transit.objects.create(
        item=item,
        from_branch=from_branch,
        to_branch=to_branch,
        reason=reason,
        hold=hold,
        created_at=at,
    )
    state.move(item, ItemStatus.IN_TRANSIT, branch=from_branch)
    return Routing(
        "transit",
        to_branch,
        _("Transport naar %(branch)s (%(org)s).")
        % {"branch": to_branch.name, "org": to_branch.organisation.name},
        hold=hold,
        shelf_code=shelf_code(hold.patron) if hold else "",
    )


def _receive(item: Item, branch: Branch, at, staff, messages) -> CheckinResult:
    transit = (
        Transit.objects.select_for_update().filter(item=item, received_at__isnull=True).first()
    )
    if transit is not None and transit.to_branch_id != branch.pk:
        return CheckinResult(
            item=item,
            routing=Routing(
                "transit",
                transit.to_branch,
                _("Nog onderweg naar %(b)s: doorsturen.") % {"b": transit.to_branch.name},
                hold=transit.hold,
            ),
            messages=messages,
        )
    if transit is not None:
        transit.received_at = at
        transit.sent_at = transit.sent_at or at
        transit.save(update_fields=["received_at", "sent_at"])
        hold = transit.hold
        if hold is not None:
            hold.refresh_from_db()
        if (
            hold is not None
            and hold.status == HoldStatus.IN_TRANSIT
            and hold.captured_item_id == item.pk
        ):
            _to_hold_shelf(hold, item, branch, at)
            return CheckinResult(
                item=item, routing=_hold_shelf_routing(hold, branch), messages=messages
            )
    item.current_branch = branch
    return CheckinResult(item=item, routing=_route(item, branch, at), messages=messages)


def receive_transit(*, item_barcode: str, branch: Branch, staff=None, at=None) -> CheckinResult:
    """Receiving a transit is a checkin at the destination."""
    return checkin(item_barcode=item_barcode, branch=branch, staff=staff, at=at)


@transaction.atomic
def send_transit(transit_id: int, *, at=None) -> Transit:
    transit = Transit.objects.select_for_update().get(pk=transit_id)
    if transit.sent_at is None:
        transit.sent_at = clock.now(at)
        transit.save(update_fields=["sent_at"])
    return transit


def transits_to_send(branch: Branch):
    return Transit.objects.filter(
        from_branch=branch, sent_at__isnull=True, received_at__isnull=True
    )


def transits_to_receive(branch: Branch):
    return Transit.objects.filter(to_branch=branch, received_at__isnull=True)


# --- renew ------------------------------------------------------------------------------------


@transaction.atomic
def renew(*, item_barcode: str, card_number: str | None = None, staff=None, at=None) -> RenewResult:
    at = clock.now(at)
    item = _lock_item(item_barcode)
    loan = _open_loan(item)
    if loan is None:
        raise CirculationError(_("Dit exemplaar is niet uitgeleend."), code="not_on_loan")
    if loan.patron is None or (card_number and loan.patron.card_number != card_number.strip()):
        raise CirculationError(
            _("Dit exemplaar is niet aan deze pas uitgeleend."), code="not_your_loan"
        )
    patron = loan.patron
    _refuse_blocks(patron, loan.organisation, at)
    rule = rules.resolve(loan.organisation, loan.patron_category, item.item_type)
    if loan.renewals >= rule.renewals:
        raise CirculationError(
            _("Verlengen kan niet meer: maximaal %(n)s keer.") % {"n": rule.renewals},
            code="renewal_limit",
        )
    if waiting_holds_for(item).exclude(patron=patron).exists():
        raise CirculationError(
            _("Verlengen kan niet: een andere lener heeft deze titel gereserveerd."),
            code="hold_waiting",
        )
    fine = _charge_fine(loan, item, at, staff)
    loan.due_at = due_date(at, rule.loan_days)
    loan.renewals += 1
    loan.save(update_fields=["due_at", "renewals"])
    events.record(
        EventAction.RENEW,
        at=at,
        organisation=loan.organisation,
        branch=loan.branch,
        item=item,
        patron=patron,
    )
    return RenewResult(loan=loan, due_at=loan.due_at, fine=fine)


def renew_all(
    *, card_number: str, staff=None, at=None
) -> list[tuple[str, RenewResult | CirculationError]]:
    """Each loan renews in its own transaction; a refusal of one does not stop the others."""
    patron = members.find_patron(card_number)
    outcome = []
    barcodes = Loan.objects.filter(patron=patron, returned_at__isnull=True).values_list(
        "item__barcode", flat=True
    )
    for barcode in list(barcodes):
        try:
            outcome.append(
                (barcode, renew(item_barcode=barcode, card_number=card_number, staff=staff, at=at))
            )
        except CirculationError as exc:
            outcome.append((barcode, exc))
    return outcome


# --- holds ------------------------------------------------------------------------------------


@transaction.atomic
def place_hold(
    *,
    card_number: str,
    pickup_branch: Branch,
    record: BibRecord | None = None,
    item_barcode: str | None = None,
    staff=None,
    at=None,
) -> HoldResult:
    at = clock.now(at)
    patron = members.find_patron(card_number)
    item = None
    if item_barcode:
        item = _lock_item(item_barcode)
        record = item.record
        if item.status in (ItemStatus.WITHDRAWN, ItemStatus.LOST, ItemStatus.MISSING):
            raise CirculationError(_("Dit exemplaar is niet beschikbaar."), code="not_holdable")
    if record is None:
        raise CirculationError(_("Kies een titel of exemplaar."), code="no_record", field="record")
    if not pickup_branch.is_open_on(clock.today(at)):
        raise CirculationError(
            _("Dit afhaalpunt is gesloten."), code="pickup_closed", field="pickup_branch"
        )
    membership = _refuse_blocks(patron, pickup_branch.organisation, at)
    copies = Item.objects.filter(record=record).exclude(status=ItemStatus.WITHDRAWN)
    sample = item or copies.select_related("item_type").first()
    if sample is None:
        raise CirculationError(_("Van deze titel zijn geen exemplaren."), code="no_copies")
    category = members.patron_category(patron, clock.today(at), membership)
    rule = rules.resolve(pickup_branch.organisation, category, sample.item_type)
    if not rule.holds_allowed:
        raise CirculationError(
            _("Reserveren is voor dit materiaal niet toegestaan."), code="holds_not_allowed"
        )
    if Hold.objects.filter(patron=patron, record=record, status__in=ACTIVE_HOLD).exists():
        raise CirculationError(_("U heeft deze titel al gereserveerd."), code="duplicate_hold")
    if Loan.objects.filter(patron=patron, item__record=record, returned_at__isnull=True).exists():
        raise CirculationError(_("U heeft deze titel al geleend."), code="already_borrowed")
    hold = Hold.objects.create(
        patron=patron, record=record, item=item, pickup_branch=pickup_branch, placed_at=at
    )
    fee = rule.hold_fee
    if fee > 0:
        members.charge(
            patron,
            pickup_branch.organisation,
            LedgerKind.HOLD_FEE,
            fee,
            description=record.title[:200],
            staff=staff,
            at=at,
        )
    events.record(
        EventAction.HOLD_PLACED,
        at=at,
        organisation=pickup_branch.organisation,
        branch=pickup_branch,
        item=sample,
        patron=patron,
    )
    return HoldResult(hold=hold, position=queue_position(hold), fee=fee)


@transaction.atomic
def cancel_hold(
    hold_id: int, *, card_number: str | None = None, staff=None, at=None
) -> Routing | None:
    """Cancel a hold. A copy already on the hold shelf for it goes to the next in line (or home);
    the routing for that copy is returned so the desk knows to pull it."""
    at = clock.now(at)
    hold = _lock_hold(hold_id)
    if hold is None or (card_number and hold.patron.card_number != card_number.strip()):
        raise CirculationError(_("Reservering niet gevonden."), code="unknown_hold", field="hold")
    if hold.status not in ACTIVE_HOLD:
        raise CirculationError(_("Deze reservering is al afgesloten."), code="hold_closed")
    return _close_hold(hold, HoldStatus.CANCELLED, EventAction.HOLD_CANCELLED, at)


def _lock_hold(hold_id: int) -> Hold | None:
    """Lock a hold and, first, the copy captured for it: items before holds, as checkin does,
    so the two never wait on each other in opposite order."""
    captured = (
        Hold.objects.filter(pk=hold_id).values_list("captured_item__barcode", flat=True).first()
    )
    if captured:
        _lock_item(captured)
    return (
        Hold.objects.select_for_update(of=("self",))
        .select_related("patron", "pickup_branch__organisation", "captured_item")
        .filter(pk=hold_id)
        .first()
    )


def _close_hold(hold: Hold, status: str, action: str, at) -> Routing | None:
    was_ready = hold.status == HoldStatus.READY
    item = hold.captured_item
    hold.status = status
    hold.closed_at = at
    hold.save(update_fields=["status", "closed_at"])
    events.record(
        action, at=at, organisation=hold.pickup_branch.organisation, branch=hold.pickup_branch
    )
    if was_ready and item is not None:
        item = Item.objects.select_related(
            "record", "item_type", "organisation", "home_branch", "current_branch"
        ).get(pk=item.pk)
        return _route(item, hold.pickup_branch, at)
    return None  # a copy in transit is re-routed when it arrives


def expire_holds(*, at=None, branch: Branch | None = None) -> list[Routing]:
    """Close holds not collected in time (at one pickup branch, or everywhere); each expiry
    serves the next in line."""
    at = clock.now(at)
    routings = []
    expired = Hold.objects.filter(status=HoldStatus.READY, expires_at__lt=at)
    if branch is not None:
        expired = expired.filter(pickup_branch=branch)
    for hold_id in expired.values_list("id", flat=True):
        with transaction.atomic():
            hold = _lock_hold(hold_id)
            if hold.status == HoldStatus.READY and hold.expires_at < at:
                routing = _close_hold(hold, HoldStatus.EXPIRED, EventAction.HOLD_EXPIRED, at)
                if routing:
                    routings.append(routing)
    return routings


def pull_list(branch: Branch):
    """Waiting holds that a copy on this branch's shelves could fill now (Koha's holds queue)."""
    available = Item.objects.filter(current_branch=branch, status=ItemStatus.AVAILABLE)
    return (
        Hold.objects.filter(status=HoldStatus.WAITING)
        .filter(Q(item__in=available) | Q(item__isnull=True, record__items__in=available))
        .select_related("record", "pickup_branch", "patron")
        .distinct()
        .order_by("placed_at", "id")
    )


def hold_shelf(branch: Branch):
    return (
        Hold.objects.filter(pickup_branch=branch, status=HoldStatus.READY)
        .select_related("captured_item", "patron", "record")
        .order_by("expires_at")
    )


# --- lost, missing ----------------------------------------------------------------------------


@transaction.atomic
def mark_lost(*, item_barcode: str, staff=None, at=None) -> Decimal:
    """The borrower lost it: the loan ends, the replacement price is charged to them."""
    at = clock.now(at)
    item = _lock_item(item_barcode)
    loan = _open_loan(item)
    if loan is None:
        raise CirculationError(
            _("Alleen een uitgeleend exemplaar kan als verloren worden gemeld."), code="not_on_loan"
        )
    state.move(item, ItemStatus.LOST)
    loan.returned_at = at
    loan.save(update_fields=["returned_at"])
    charged = Decimal("0")
    if loan.patron_id and item.replacement_price > 0:
        members.charge(
            loan.patron,
            loan.organisation,
            LedgerKind.LOST,
            item.replacement_price,
            description=_("Vervanging %(b)s") % {"b": item.barcode},
            loan=loan,
            item=item,
            staff=staff,
            at=at,
        )
        charged = item.replacement_price
    events.record(
        EventAction.LOST,
        at=at,
        organisation=loan.organisation,
        branch=loan.branch,
        item=item,
        patron=loan.patron,
    )
    return charged


@transaction.atomic
def set_item_status(*, item_barcode: str, status: str, staff=None, at=None) -> Item:
    """Missing, withdrawn, in repair, or back to available: status changes with no loan involved."""
    item = _lock_item(item_barcode)
    if _open_loan(item) is not None:
        raise CirculationError(_("Dit exemplaar is uitgeleend; neem het eerst in."), code="on_loan")
    state.move(item, status)
    return item


# --- privacy ----------------------------------------------------------------------------------


def anonymise(*, at=None, retention_days: int | None = None) -> int:
    """Remove the patron link from loans returned longer ago than the retention period, unless
    the patron keeps reading history. Idempotent: a second run finds nothing."""
    at = clock.now(at)
    days = settings.CLB_RETENTION_DAYS if retention_days is None else retention_days
    cutoff = at - timedelta(days=days)
    loans = Loan.objects.filter(
        returned_at__lt=cutoff, patron__isnull=False, patron__keep_history=False
    )
    with transaction.atomic():
        loan_ids = list(loans.values_list("id", flat=True))
        LedgerLine.objects.filter(loan_id__in=loan_ids).update(loan=None, item=None)
        return Loan.objects.filter(id__in=loan_ids).update(patron=None, anonymised=True)


def anonymise_history_of(patron: Patron) -> int:
    loans = Loan.objects.filter(patron=patron, returned_at__isnull=False)
    loan_ids = list(loans.values_list("id", flat=True))
    LedgerLine.objects.filter(loan_id__in=loan_ids).update(loan=None, item=None)
    return Loan.objects.filter(id__in=loan_ids).update(patron=None, anonymised=True)


# --- what a patron has ------------------------------------------------------------------------


@dataclass(frozen=True)
class PatronOverview:
    patron: Patron
    loans: list[Loan]
    holds: list[tuple[Hold, int]]
    balance: Decimal
    blocks: list
    overdue: list[Loan]


def patron_overview(patron: Patron, organisation, *, at=None) -> PatronOverview:
    at = clock.now(at)
    loans = list(
        Loan.objects.filter(patron=patron, returned_at__isnull=True)
        .select_related("item__record", "branch", "organisation")
        .order_by("due_at")
    )
    holds = [
        (hold, queue_position(hold))
        for hold in Hold.objects.filter(patron=patron, status__in=ACTIVE_HOLD).select_related(
            "record", "pickup_branch", "captured_item"
        )
    ]
    return PatronOverview(
        patron=patron,
        loans=loans,
        holds=holds,
        balance=members.balance(patron),
        blocks=members.borrowing_blocks(patron, organisation, clock.today(at)),
        overdue=[loan for loan in loans if loan.due_at < at],
    )


def reading_history(patron: Patron):
    return (
        Loan.objects.filter(patron=patron, returned_at__isnull=False)
        .select_related("item__record")
        .order_by("-returned_at")
    )
