"""Circulation: the only code that changes loans, holds, transits and item status.

Every action is one transaction that starts by locking the item row, so two actions on one copy
queue behind each other; the database's partial unique indexes back that up. Every action writes
its anonymous statistics event in the same transaction. `at` is the injected clock."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Max, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from clb import clock, formatting
from clb.catalogue.models import BibRecord, Item, ItemStatus, ItemType
from clb.members import services as members
from clb.members.cards import shelf_code
from clb.members.errors import Code as MemberCode
from clb.members.models import LedgerKind, Patron
from clb.network.models import Branch, Municipality, Organisation
from clb.scoping import sees_everything
from clb.statistics import events as statistics
from clb.statistics.models import EventAction

from . import rules, state
from .availability import TitleAvailability, availability  # noqa: F401 (a service: re-exported)
from .errors import CirculationError, Code
from .models import ACTIVE_HOLD, CAPTURED_HOLD, Hold, HoldRefund, HoldStatus, Loan, Transit

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
    # Holds passed over by a staff override: they wait again, first in line.
    overridden: list[Hold] = field(default_factory=list)


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
class RenewalCheck:
    """Whether a loan may be renewed now, and if not why (in words naming the title)."""

    allowed: bool
    code: Code | MemberCode | None = None
    message: str = ""
    due_at: datetime | None = None  # the new due date, when allowed


@dataclass(frozen=True)
class HoldResult:
    hold: Hold
    position: int
    fee: Decimal = Decimal("0")


@dataclass(frozen=True)
class CancellationTerms:
    """What cancelling a hold costs: its fee and how much of it the rule gives back."""

    hold: Hold
    fee: Decimal
    refund: Decimal


@dataclass(frozen=True)
class CancelResult:
    refund: Decimal = Decimal("0")
    routing: Routing | None = None  # where a copy that lay ready for the hold goes now


# --- the hot path's reads, written by hand ----------------------------------------------------
# A checkout and a checkin are a dozen small statements each. Compiling them from querysets cost
# Django more time than the database took to answer them (bench/circulation.py), so the reads
# every checkout or checkin makes are written here as SQL, and their rows become model instances
# through the converters the ORM itself would apply. Everything else stays with the ORM.


class _Columns:
    """One model's columns under a table alias, and the way from a row back to an instance."""

    def __init__(self, model, alias: str):
        self.model = model
        self.alias = alias
        self.fields = model._meta.concrete_fields
        self.names = [f.attname for f in self.fields]
        self.sql = ", ".join(f'{alias}."{f.column}"' for f in self.fields)
        self._converters: dict[str, list] = {}

    def converters(self) -> list:
        """(position, converters, column) of the fields the backend converts (dates on SQLite,
        decimals, …), per database vendor, found once."""
        found = self._converters.get(connection.vendor)
        if found is None:
            found = []
            for position, f in enumerate(self.fields):
                column = f.get_col(self.alias)
                convert = connection.ops.get_db_converters(column) + column.get_db_converters(
                    connection
                )
                if convert:
                    found.append((position, convert, column))
            self._converters[connection.vendor] = found
        return found

    def instance(self, row, start: int = 0):
        values = list(row[start : start + len(self.fields)])
        for position, convert, column in self.converters():
            for converter in convert:
                values[position] = converter(values[position], column, connection)
        return self.model.from_db(connection.alias, self.names, values)


_ITEM = _Columns(Item, "i")
_ITEM_TYPE = _Columns(ItemType, "t")
_ORGANISATION = _Columns(Organisation, "o")
_LOAN = _Columns(Loan, "l")
_PATRON = _Columns(Patron, "p")
_MUNICIPALITY = _Columns(Municipality, "m")
_HOLD = _Columns(Hold, "h")


def _locking(*aliases: str) -> str:
    """FOR UPDATE of these tables' rows where the database has row locks (SQLite locks the whole
    database for the writing transaction instead: BEGIN IMMEDIATE)."""
    if not connection.features.has_select_for_update:
        return ""
    return f" FOR UPDATE OF {', '.join(aliases)}"


def _rows(sql: str, params) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_ITEM_FROM = (
    f"FROM {Item._meta.db_table} i"
    f" JOIN {ItemType._meta.db_table} t ON t.id = i.item_type_id"
    f" JOIN {Organisation._meta.db_table} o ON o.id = i.organisation_id"
)


def _item(row) -> Item:
    item = _ITEM.instance(row)
    item.item_type = _ITEM_TYPE.instance(row, len(_ITEM.fields))
    item.organisation = _ORGANISATION.instance(row, len(_ITEM.fields) + len(_ITEM_TYPE.fields))
    return item


def _lock_item(barcode: str) -> Item:
    """The copy, locked, with its item type and organisation."""
    rows = _rows(
        f"SELECT {_ITEM.sql}, {_ITEM_TYPE.sql}, {_ORGANISATION.sql} {_ITEM_FROM}"
        f" WHERE i.barcode = %s{_locking('i')}",
        [(barcode or "").strip()],
    )
    if not rows:
        raise unknown_item(barcode)
    return _item(rows[0])


def _lock_item_and_patron(barcode: str, card_number: str) -> tuple[Item, Patron]:
    """What a checkout acts on, in one statement that locks both rows in the order the actions
    take them (the copy, then the member: the member's lock serialises the loan-limit count).
    Either missing: the two lookups one by one, for the error that names what is unknown."""
    rows = _rows(
        f"SELECT {_ITEM.sql}, {_ITEM_TYPE.sql}, {_ORGANISATION.sql}, {_PATRON.sql},"
        f" {_MUNICIPALITY.sql} {_ITEM_FROM}"
        f" JOIN {Patron._meta.db_table} p ON p.card_number = %s"
        f" LEFT JOIN {Municipality._meta.db_table} m ON m.id = p.municipality_id"
        f" WHERE i.barcode = %s{_locking('i', 'p')}",
        [(card_number or "").strip(), (barcode or "").strip()],
    )
    if not rows:
        return _lock_item(barcode), members.find_patron(card_number, lock=True)
    start = len(_ITEM.fields) + len(_ITEM_TYPE.fields) + len(_ORGANISATION.fields)
    return _item(rows[0]), _patron(rows[0], start)


def _patron(row, start: int) -> Patron:
    """A member and their municipality (none for some) from a row, from column `start` on."""
    patron = _PATRON.instance(row, start)
    start += len(_PATRON.fields)
    patron.municipality = _MUNICIPALITY.instance(row, start) if row[start] is not None else None
    return patron


# --- helpers ----------------------------------------------------------------------------------


def unknown_item(barcode: str) -> CirculationError:
    return CirculationError(
        _("Onbekend exemplaar: %(barcode)s") % {"barcode": barcode},
        code=Code.UNKNOWN_ITEM,
        field="item_barcode",
    )


def _open_loan(item: Item) -> Loan | None:
    """The copy's open loan (one at most: a partial unique index), locked, with its member."""
    rows = _rows(
        f"SELECT {_LOAN.sql}, {_PATRON.sql}, {_MUNICIPALITY.sql}"
        f" FROM {Loan._meta.db_table} l"
        f" LEFT JOIN {Patron._meta.db_table} p ON p.id = l.patron_id"
        f" LEFT JOIN {Municipality._meta.db_table} m ON m.id = p.municipality_id"
        f" WHERE l.item_id = %s AND l.returned_at IS NULL{_locking('l')}",
        [item.pk],
    )
    if not rows:
        return None
    loan = _LOAN.instance(rows[0])
    if loan.patron_id is not None:
        loan.patron = _patron(rows[0], len(_LOAN.fields))
    return loan


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
    earlier = (
        Hold.objects.waiting()
        .filter(record_id=hold.record_id)
        .filter(Q(placed_at__lt=hold.placed_at) | Q(placed_at=hold.placed_at, id__lt=hold.id))
    )
    return earlier.count() + 1


def waiting_holds_for(item: Item):
    """Holds this copy could fill, oldest first: item-level on it or title-level on its record.
    A copy borrowed from another library serves only the hold it was borrowed for."""
    mine = Q(item=item) if item.ill_lender else Q(item__isnull=True) | Q(item=item)
    return (
        Hold.objects.waiting()
        .filter(record_id=item.record_id)
        .filter(mine)
        .order_by("placed_at", "id")
    )


def _open_on(path: str, day) -> Q:
    """Branches (at `path`) open on `day`: a hold waits for a pickup point that exists."""
    return Q(**{f"{path}closed_on__isnull": True}) | Q(**{f"{path}closed_on__gt": day})


def _holds_on(item: Item, at: datetime, *, limit: int | None = None) -> tuple[bool, list[Hold]]:
    """In one read: whether a hold has captured this copy, and the queue it serves: the waiting
    holds it can fill (waiting_holds_for) at a pickup point that is open, oldest first, at most
    `limit`. A capture of a copy needs the copy's lock,
    which the caller holds, so the answer to the first stays true; the captured hold itself the
    caller locks and reads again (it may have been cancelled meanwhile)."""
    captured = ", ".join(["%s"] * len(CAPTURED_HOLD))
    rows = _rows(
        f"SELECT {_HOLD.sql}, h.captured_item_id = %s AND h.status IN ({captured})"
        f" FROM {Hold._meta.db_table} h"
        f" JOIN {Branch._meta.db_table} b ON b.id = h.pickup_branch_id"
        f" WHERE (h.captured_item_id = %s AND h.status IN ({captured}))"
        f" OR (h.status = %s AND h.record_id = %s AND (h.item_id = %s OR (%s AND h.item_id IS NULL))"
        f" AND (b.closed_on IS NULL OR b.closed_on > %s))"
        f" ORDER BY h.placed_at, h.id" + (f" LIMIT {int(limit) + 1}" if limit else ""),
        [
            item.pk,
            *CAPTURED_HOLD,
            item.pk,
            *CAPTURED_HOLD,
            HoldStatus.WAITING,
            item.record_id,
            item.pk,
            not item.ill_lender,  # a copy borrowed from another library serves its own hold only
            clock.today(at),
        ],
    )
    is_captured = any(row[-1] for row in rows)
    queue = [_HOLD.instance(row) for row in rows if not row[-1]]
    return is_captured, queue[:limit] if limit else queue


def _title(item: Item) -> str:
    return item.record.title


def describe(action: str, *, at, organisation, branch=None, item=None, patron=None):
    """The anonymous statistics event of an action, in plain values: the copy and the member
    describe themselves (`statistics_traits`), the statistics room sees neither."""
    day = clock.today(at)
    return statistics.Event(
        action,
        on=day,
        organisation_id=organisation.pk,
        branch_id=branch.pk if branch else None,
        **(item.statistics_traits() if item else {}),
        **(patron.statistics_traits(day) if patron else {}),
    )


def record_event(action: str, *, source: str = "", **about) -> None:
    """Write the event of an action (`about`: see describe); `source`: see statistics.events."""
    statistics.write(describe(action, **about), source=source)


# --- checkout ---------------------------------------------------------------------------------


@transaction.atomic
def checkout(
    *,
    item_barcode: str,
    card_number: str,
    branch: Branch,
    staff=None,
    at=None,
    override_hold: bool = False,
) -> CheckoutResult:
    """Lend a copy that is here. A copy that a hold needs goes only to the member at the head
    of its queue; `override_hold` (a member of staff decides, and the desk logs it) lends it
    anyway and puts the passed-over holds back in line, first."""
    item, patron = _lock_item_and_patron(item_barcode, card_number)
    at = clock.now(at)  # after the locks: see clb.clock
    organisation = branch.organisation
    membership = _refuse_blocks(patron, organisation, at)
    _refuse_unloanable(item, patron)
    _refuse_elsewhere(item, branch)
    hold_to_fulfil, passed_over = _queue_verdict(item, patron, at, override_hold)

    category = members.patron_category(patron, clock.today(at), membership)
    book = rules.RuleBook(organisation, category)
    rule = book.rule_for(item.item_type)
    _refuse_over_limits(patron, organisation, book, rule)

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
        raise CirculationError(
            _("Dit exemplaar is zojuist uitgeleend."), code=Code.ON_LOAN
        ) from exc
    if item.status == ItemStatus.IN_TRANSIT:
        _end_transit(item, at)  # set aside for this member's hold, taken from the shelf here
    state.move(item, ItemStatus.ON_LOAN, branch=branch)
    if hold_to_fulfil is not None:
        if not state.claim_hold(
            hold_to_fulfil, HoldStatus.FULFILLED, closed_at=at, captured_item=item
        ):
            raise CirculationError(
                _("De reservering is zojuist gewijzigd; probeer opnieuw."), code=Code.HOLD_CHANGED
            )
        record_event(
            EventAction.HOLD_FULFILLED,
            at=at,
            organisation=organisation,
            branch=branch,
            item=item,
            patron=patron,
        )
    if passed_over:
        _set_aside(item.record_id, at)  # another copy on a shelf may serve them now
    record_event(
        EventAction.CHECKOUT,
        at=at,
        organisation=organisation,
        branch=branch,
        item=item,
        patron=patron,
    )
    message = _("Inleveren uiterlijk %(date)s") % {"date": formatting.day(due)}
    return CheckoutResult(
        loan=loan,
        due_at=due,
        message=message,
        hold_fulfilled=hold_to_fulfil,
        overridden=passed_over,
    )


def _refuse_unloanable(item: Item, patron: Patron) -> None:
    if item.status == ItemStatus.ON_LOAN:
        loan = Loan.objects.open().filter(item=item).first()
        if loan and loan.patron_id == patron.pk:
            raise CirculationError(
                _("Dit exemplaar is al aan deze lener uitgeleend; verlengen kan."),
                code=Code.ALREADY_ON_LOAN_TO_PATRON,
            )
        raise CirculationError(
            _("Dit exemplaar staat nog uitgeleend; neem het eerst in."), code=Code.ON_LOAN
        )
    # A copy in transit may go out only when it was set aside for a hold (see _queue_verdict).
    if item.status not in (ItemStatus.AVAILABLE, ItemStatus.ON_HOLD_SHELF, ItemStatus.IN_TRANSIT):
        raise CirculationError(
            _("Exemplaar %(barcode)s heeft status '%(status)s' en kan niet worden uitgeleend.")
            % {"barcode": item.barcode, "status": ItemStatus(item.status).label},
            code=Code.NOT_LOANABLE,
        )


def _refuse_elsewhere(item: Item, branch: Branch) -> None:
    """Lending happens where the copy is: a barcode typed at a desk or kiosk elsewhere in the
    network lends nothing. (Returning is allowed anywhere; it puts the copy here.)"""
    if item.current_branch_id == branch.pk:
        return
    where = Branch.objects.select_related("organisation").get(pk=item.current_branch_id)
    raise CirculationError(
        _(
            "Exemplaar %(barcode)s staat volgens CLB in %(branch)s (%(org)s), niet hier; "
            "uitlenen kan alleen waar het exemplaar is. Ligt het hier, neem het dan eerst in."
        )
        % {"barcode": item.barcode, "branch": where.name, "org": where.organisation.name},
        code=Code.NOT_HERE,
        field="item_barcode",
    )


def _queue_verdict(item: Item, patron: Patron, at, override: bool):
    """Which hold of this member the loan fulfils, and which holds of others an override
    passes over. Without an override, a copy that a hold of someone else needs first is refused:
    one captured for another member, or a free copy whose queue another member heads."""
    is_captured, queue = _holds_on(item, at)
    captured = None
    if is_captured:
        captured = (
            Hold.objects.select_for_update(of=("self",))
            .captured(item)
            .select_related("record")
            .first()
        )
    if captured is not None and captured.patron_id == patron.pk:
        return captured, []
    if captured is None and item.status == ItemStatus.IN_TRANSIT:
        raise CirculationError(
            _("Exemplaar %(barcode)s is onderweg en kan niet worden uitgeleend.")
            % {"barcode": item.barcode},
            code=Code.NOT_LOANABLE,
        )
    own = next((h for h in queue if h.patron_id == patron.pk), None)
    # Everyone in line before this member's own hold (the whole line when they have none).
    ahead = ([captured] if captured else []) + queue[: queue.index(own) if own else len(queue)]
    if not ahead:
        return own, []
    if not override:
        if captured is not None and captured.status == HoldStatus.READY:
            raise CirculationError(
                _("Dit exemplaar ligt klaar voor een andere lener."), code=Code.HELD_FOR_OTHER
            )
        raise CirculationError(
            _("‘%(title)s’ is gereserveerd door een andere lener die eerder aan de beurt is.")
            % {"title": _title(item)},
            code=Code.NEEDED_FOR_HOLD,
        )
    if captured is not None:
        _release(captured, item, at)
    return own, ahead


def _refuse_over_limits(patron: Patron, organisation, book: rules.RuleBook, rule) -> None:
    """A rule's limit counts the open loans that rule governs here; the patron category's
    overall limit (if any) counts them all."""
    per_type = _rows(
        f"SELECT i.item_type_id, COUNT(*) FROM {Loan._meta.db_table} l"
        f" JOIN {Item._meta.db_table} i ON i.id = l.item_id"
        f" WHERE l.returned_at IS NULL AND l.patron_id = %s AND l.organisation_id = %s"
        f" GROUP BY i.item_type_id",
        [patron.pk, organisation.pk],
    )
    governed = total = 0
    for type_id, n in per_type:
        total += n
        if book.governs(rule, type_id):
            governed += n
    if governed >= rule.loan_limit:
        what = rule.item_type.name if rule.item_type_id else ""
        message = (
            _("Maximum van %(n)s uitleningen (%(what)s) bereikt.")
            % {"n": rule.loan_limit, "what": what}
            if what
            else _("Maximum van %(n)s uitleningen bereikt.") % {"n": rule.loan_limit}
        )
        raise CirculationError(message, code=Code.LOAN_LIMIT)
    cap = rules.category_limit(organisation, book.patron_category)
    if cap is not None and total >= cap.max_loans:
        raise CirculationError(
            _("Maximum van %(n)s uitleningen samen bij %(org)s bereikt.")
            % {"n": cap.max_loans, "org": organisation.name},
            code=Code.OVERALL_LIMIT,
        )


# --- checkin and routing ----------------------------------------------------------------------


@transaction.atomic
def checkin(*, item_barcode: str, branch: Branch, staff=None, at=None) -> CheckinResult:
    item = _lock_item(item_barcode)
    at = clock.now(at)  # after the lock: see clb.clock
    messages: list[str] = []
    loan = _open_loan(item)
    fine = Decimal("0")
    if loan is not None:
        patron = loan.patron
        loan.returned_at = at
        loan.return_branch = branch
        fine = _charge_fine(loan, item, at, staff)
        if fine:
            messages.append(_("Te-laat-geld %(fine)s") % {"fine": formatting.money(fine)})
        # The link stays only for a patron who keeps history, or until a fine is settled
        # (clb anonymise removes it after the retention period).
        if patron is not None and not patron.keep_history and not fine:
            loan.patron = None
            loan.anonymised = True
        loan.save(update_fields=["returned_at", "return_branch", "patron", "anonymised"])
        record_event(
            EventAction.CHECKIN,
            at=at,
            organisation=branch.organisation,
            branch=branch,
            item=item,
            patron=patron,
        )
    elif item.status in (ItemStatus.LOST, ItemStatus.MISSING, ItemStatus.CLAIMED_RETURNED):
        messages.append(_("Exemplaar teruggevonden."))
        members.waive_replacement(
            item, description=_("Vermist exemplaar teruggevonden"), staff=staff, at=at
        )
    elif item.status == ItemStatus.ON_HOLD_SHELF:
        hold = (
            Hold.objects.select_for_update(of=("self",))
            .select_related("patron", "pickup_branch__organisation")
            .ready_for(item)
            .first()
        )
        if hold is not None and hold.pickup_branch_id == branch.pk:
            return CheckinResult(
                item=item, routing=_hold_shelf_routing(hold, branch), messages=messages
            )
        if hold is not None:  # taken from its hold shelf to another branch: back it goes
            state.move_hold(hold, HoldStatus.IN_TRANSIT, ready_at=None, expires_at=None)
            routing = _send(item, branch, hold.pickup_branch, Transit.Reason.HOLD, at, hold=hold)
            return CheckinResult(item=item, routing=routing, messages=messages)
    elif item.status == ItemStatus.IN_TRANSIT:
        return _receive(item, branch, at, staff, messages)
    elif item.status in (ItemStatus.WITHDRAWN,):
        raise CirculationError(_("Dit exemplaar is afgeschreven."), code=Code.WITHDRAWN)
    routing = _route(item, branch, at)
    return CheckinResult(item=item, routing=routing, loan=loan, fine=fine, messages=messages)


def _route(item: Item, branch: Branch, at: datetime) -> Routing:
    """Decide where a copy that is here and free goes: a waiting hold first, else home."""
    hold = _capture(item, at)
    if hold is not None:
        record_event(
            EventAction.HOLD_CAPTURED,
            at=at,
            organisation=branch.organisation,
            branch=branch,
            item=item,
        )
        if hold.pickup_branch_id == branch.pk:
            _to_hold_shelf(hold, item, branch, at)
            return _hold_shelf_routing(hold, branch)
        return _send(item, branch, hold.pickup_branch, Transit.Reason.HOLD, at, hold=hold)
    if item.ill_lender:  # borrowed for one patron, who is done with it: back to its library
        state.move(item, ItemStatus.AVAILABLE, branch=branch)  # returned, then out of the
        state.move(item, ItemStatus.WITHDRAWN)  # collection: two allowed steps
        return Routing(
            "return_to_lender",
            branch,
            _("Interbibliothecair leenverkeer: terugsturen naar %(isil)s.")
            % {"isil": item.ill_lender},
        )
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
    for hold in _holds_on(item, at, limit=50)[1]:
        # In transit until _route puts it on the hold shelf here, if the pickup point is here.
        if state.claim_hold(hold, HoldStatus.IN_TRANSIT, captured_item=item, captured_at=at):
            return Hold.objects.select_related("pickup_branch", "patron").get(pk=hold.pk)
    return None


def _to_hold_shelf(hold: Hold, item: Item, branch: Branch, at: datetime) -> None:
    expires_at = due_date(at, branch.organisation.hold_shelf_days)
    state.move_hold(hold, HoldStatus.READY, ready_at=at, expires_at=expires_at)
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
        # Scanned at a third branch: the copy is here now and travels on from here.
        transit.from_branch = branch
        transit.sent_at = None
        if transit.reason == Transit.Reason.PAGE:  # fetched from the shelf: in hand now
            transit.reason = Transit.Reason.HOLD
        transit.save(update_fields=["from_branch", "sent_at", "reason"])
        state.move(item, ItemStatus.IN_TRANSIT, branch=branch)
        return CheckinResult(
            item=item,
            routing=Routing(
                "transit",
                transit.to_branch,
                _("Nog onderweg naar %(b)s: doorsturen.") % {"b": transit.to_branch.name},
                hold=transit.hold,
                shelf_code=shelf_code(transit.hold.patron) if transit.hold else "",
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


def _end_transit(item: Item, at) -> None:
    """The copy's journey ends where it is: taken from the shelf it was set aside on."""
    Transit.objects.filter(item=item, received_at__isnull=True).update(received_at=at)


def _release(hold: Hold, item: Item, at) -> None:
    """Undo a capture: the hold waits again — first in line, as its place is its placement
    time — and the copy's transit for it ends where the copy is. The caller moves the copy."""
    state.move_hold(
        hold,
        HoldStatus.WAITING,
        captured_item=None,
        captured_at=None,
        ready_at=None,
        expires_at=None,
    )
    if item.status == ItemStatus.IN_TRANSIT:
        _end_transit(item, at)


def _set_aside(record_id: int, at, *, source: str = "") -> list[Routing]:
    """Serve waiting holds from copies that stand free on a shelf (FOLIO's paging), oldest hold
    first, each with the nearest free copy: at its pickup point, else of the pickup point's
    organisation, else anywhere in the network. The copy goes in transit from its shelf — to its
    own hold shelf when it already stands at the pickup point — and so onto that branch's pull
    list, and nobody else can borrow it meanwhile."""
    today = clock.today(at)
    holds = (
        Hold.objects.waiting()
        .filter(record_id=record_id)
        .filter(_open_on("pickup_branch__", today))
        .select_related("pickup_branch__organisation", "patron")
        .order_by("placed_at", "id")
    )
    routings = []
    for hold in holds[:50]:
        copy = _free_copy_for(hold, today)
        if copy is None:
            if hold.item_id is None:
                break  # no copy of the title stands free anywhere
            continue
        if not state.claim_hold(hold, HoldStatus.IN_TRANSIT, captured_item=copy, captured_at=at):
            continue
        shelf = copy.current_branch
        record_event(
            EventAction.HOLD_CAPTURED,
            at=at,
            organisation=shelf.organisation,
            branch=shelf,
            item=copy,
            source=source,
        )
        routings.append(_send(copy, shelf, hold.pickup_branch, Transit.Reason.PAGE, at, hold=hold))
    return routings


def _free_copy_for(hold: Hold, today) -> Item | None:
    copies = (
        Item.objects.select_for_update(of=("self",))
        .select_related("current_branch__organisation", "item_type")
        .filter(record_id=hold.record_id, status=ItemStatus.AVAILABLE)
        .filter(_open_on("current_branch__", today))
    )
    if hold.item_id:
        copies = copies.filter(pk=hold.item_id)
    nearest = Case(
        When(current_branch_id=hold.pickup_branch_id, then=Value(0)),
        When(current_branch__organisation_id=hold.pickup_branch.organisation_id, then=Value(1)),
        default=Value(2),
    )
    return copies.order_by(nearest, "id").first()


def receive_transit(*, item_barcode: str, branch: Branch, staff=None, at=None) -> CheckinResult:
    """Receiving a transit is a checkin at the destination."""
    return checkin(item_barcode=item_barcode, branch=branch, staff=staff, at=at)


def receive_transits(
    transit_ids, *, branch: Branch, staff=None, at=None
) -> list[tuple[int, CheckinResult | CirculationError]]:
    """Receive many at once (a crate unpacked): each copy is checked in in its own transaction,
    and a refusal of one does not stop the others."""
    outcome = []
    for transit_id in transit_ids:
        transit = (
            Transit.objects.filter(pk=transit_id, to_branch=branch, received_at__isnull=True)
            .select_related("item")
            .first()
        )
        if transit is None:
            outcome.append(
                (
                    transit_id,
                    CirculationError(
                        _("Transport %(id)s is niet onderweg hierheen.") % {"id": transit_id},
                        code=Code.UNKNOWN_TRANSIT,
                    ),
                )
            )
            continue
        try:
            result = checkin(item_barcode=transit.item.barcode, branch=branch, staff=staff, at=at)
        except CirculationError as exc:
            result = exc
        outcome.append((transit_id, result))
    return outcome


@transaction.atomic
def send_transit(transit_id: int, *, at=None) -> Transit:
    transit = Transit.objects.select_for_update().get(pk=transit_id)
    if transit.sent_at is None:
        transit.sent_at = clock.now(at)
        transit.save(update_fields=["sent_at"])
    return transit


@transaction.atomic
def send_transits(transit_ids, *, branch: Branch, at=None) -> int:
    """Mark transits leaving this branch as sent, all or none; returns how many."""
    ids = set(transit_ids)
    transits = Transit.objects.select_for_update().filter(
        pk__in=ids, from_branch=branch, received_at__isnull=True
    )
    if len(transits) != len(ids):
        raise CirculationError(
            _("Alleen transporten die vanuit deze vestiging vertrekken, kunnen worden verzonden."),
            code=Code.NOT_FROM_HERE,
        )
    return transits.filter(sent_at__isnull=True).update(sent_at=clock.now(at))


# A copy set aside from the shelves of its own pickup point "travels" from that branch to itself:
# it is on the pull list there, not in the transit crate.
_ELSEWHERE = ~Q(from_branch=F("to_branch"))


def transits_to_send(branch: Branch):
    return Transit.objects.filter(
        _ELSEWHERE, from_branch=branch, sent_at__isnull=True, received_at__isnull=True
    )


def transits_to_receive(branch: Branch):
    return Transit.objects.filter(_ELSEWHERE, to_branch=branch, received_at__isnull=True)


# --- renew ------------------------------------------------------------------------------------


def renewal_check(loan: Loan, *, at=None, blocks=None, book=None) -> RenewalCheck:
    """The one renewal rule, for the desk, Mijn Bibliotheek and SIP2 alike (renew() applies it,
    pages show it next to each loan): within the rule's number of renewals, no one else waiting
    for the title, and never a due date that is not later than the one the loan has — a renewal
    that gains nothing is refused, so it does not use up a renewal."""
    at = clock.now(at)
    item = loan.item
    if blocks:
        return RenewalCheck(
            False,
            blocks[0].code,
            _("‘%(title)s’ kan niet worden verlengd: %(why)s")
            % {"title": _title(item), "why": " ".join(b.message for b in blocks)},
        )
    book = book or rules.RuleBook(loan.organisation, loan.patron_category)
    rule = book.rule_for(item.item_type_id)
    if loan.renewals >= rule.renewals:
        return RenewalCheck(
            False,
            Code.RENEWAL_LIMIT,
            _("‘%(title)s’ is al %(n)s keer verlengd; vaker verlengen kan niet.")
            % {"title": _title(item), "n": loan.renewals},
        )
    if waiting_holds_for(item).exclude(patron_id=loan.patron_id).exists():
        return RenewalCheck(
            False,
            Code.HOLD_WAITING,
            _(
                "‘%(title)s’ kan niet worden verlengd: een andere lener heeft deze titel gereserveerd."
            )
            % {"title": _title(item)},
        )
    due = due_date(at, rule.loan_days)
    if due <= loan.due_at:
        current = timezone.localdate(loan.due_at)
        useful_from = current - timedelta(days=rule.loan_days - 1)
        return RenewalCheck(
            False,
            Code.RENEWAL_GAINS_NOTHING,
            _(
                "‘%(title)s’ verlengen levert nu niets op: inleveren blijft uiterlijk %(due)s. "
                "Verlengen kan vanaf %(from)s."
            )
            % {
                "title": _title(item),
                "due": formatting.day(current),
                "from": formatting.day(useful_from),
            },
        )
    return RenewalCheck(True, due_at=due)


@transaction.atomic
def renew(*, item_barcode: str, card_number: str | None = None, staff=None, at=None) -> RenewResult:
    item = _lock_item(item_barcode)
    at = clock.now(at)  # after the lock: see clb.clock
    loan = _open_loan(item)
    if loan is None:
        raise CirculationError(_("Dit exemplaar is niet uitgeleend."), code=Code.NOT_ON_LOAN)
    if loan.patron is None or (card_number and loan.patron.card_number != card_number.strip()):
        raise CirculationError(
            _("Dit exemplaar is niet aan deze pas uitgeleend."), code=Code.NOT_YOUR_LOAN
        )
    patron = loan.patron
    loan.item = item
    today = clock.today(at)
    blocks = members.borrowing_blocks(patron, loan.organisation, today)
    check = renewal_check(loan, at=at, blocks=blocks)
    if not check.allowed:
        raise CirculationError(check.message, code=check.code)
    fine = _charge_fine(loan, item, at, staff)
    loan.due_at = check.due_at
    loan.renewals += 1
    loan.save(update_fields=["due_at", "renewals"])
    record_event(
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
    barcodes = Loan.objects.open().filter(patron=patron).values_list("item__barcode", flat=True)
    for barcode in list(barcodes):
        try:
            outcome.append(
                (barcode, renew(item_barcode=barcode, card_number=card_number, staff=staff, at=at))
            )
        except CirculationError as exc:
            outcome.append((barcode, exc))
    return outcome


# --- actions a kiosk did offline --------------------------------------------------------------

# How long a kiosk may keep actions it did while CLB was unreachable before reporting them; older
# ones are for the desk, which can see what else happened to the copy and the patron meanwhile.
OFFLINE_WINDOW = timedelta(days=14)


@transaction.atomic
def record_offline(action, *, item_barcode: str, done_at: datetime | None, now=None, **kwargs):
    """Record a checkout, checkin or renewal (`action`) that a kiosk did offline at `done_at`
    ("store and forward"), as if CLB had been reachable then: due dates and fines count from
    that moment. Only a moment that can be true is taken: not in the future, at most
    OFFLINE_WINDOW ago, and not before the copy's last loan began or ended."""
    item = _lock_item(item_barcode)  # the action locks it again: the same transaction
    now = clock.now(now)
    if done_at is None:
        raise _offline_refusal(_("ongeldige datum"))
    if done_at > now:
        raise _offline_refusal(_("de datum ligt in de toekomst"))
    if done_at < now - OFFLINE_WINDOW:
        raise _offline_refusal(
            _("ouder dan %(days)s dagen; verwerk deze aan de balie") % {"days": OFFLINE_WINDOW.days}
        )
    last = Loan.objects.filter(item=item).aggregate(
        began=Max("checked_out_at"), ended=Max("returned_at")
    )
    latest = max((m for m in last.values() if m is not None), default=None)
    if latest is not None and done_at < latest:
        raise _offline_refusal(
            _("de datum ligt voor de uitlening of inname van %(when)s")
            % {"when": timezone.localtime(latest).strftime("%d-%m-%Y %H:%M")}
        )
    return action(item_barcode=item_barcode, at=done_at, **kwargs)


def _offline_refusal(reason: str) -> CirculationError:
    return CirculationError(
        _("Offline transactie niet verwerkt: %(reason)s.") % {"reason": reason},
        code=Code.OFFLINE_DATE,
        field="done_at",
    )


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
    """Place a hold. If a copy stands free on a shelf somewhere, it is set aside for the hold at
    once (see _set_aside), so it cannot be lent to anyone else meanwhile."""
    at = clock.now(at)
    patron = members.find_patron(card_number)
    item = _lock_item(item_barcode) if item_barcode else None
    record = check_hold(patron, pickup_branch, record, item, at)
    membership = _refuse_blocks(patron, pickup_branch.organisation, at)
    category = members.patron_category(patron, clock.today(at), membership)
    rule, sample = _hold_rule(category, record, item, pickup_branch)
    if sample is None:
        raise CirculationError(_("Van deze titel zijn geen exemplaren."), code=Code.NO_COPIES)
    check_holds_allowed(rule)
    hold = Hold.objects.create(
        patron=patron, record=record, item=item, pickup_branch=pickup_branch, placed_at=at
    )
    fee = rule.hold_fee
    if fee > 0:
        hold.fee_line = members.charge(
            patron,
            pickup_branch.organisation,
            LedgerKind.HOLD_FEE,
            fee,
            description=record.title[:200],
            staff=staff,
            at=at,
        )
        hold.save(update_fields=["fee_line"])
    record_event(
        EventAction.HOLD_PLACED,
        at=at,
        organisation=pickup_branch.organisation,
        branch=pickup_branch,
        item=sample,
        patron=patron,
    )
    position = queue_position(hold)
    _set_aside(record.pk, at)
    hold.refresh_from_db()
    return HoldResult(hold=hold, position=position, fee=fee)


def check_hold(patron, pickup_branch, record, item, at, *, held=None, borrowed=None) -> BibRecord:
    """What every hold needs, placed here or brought in from another system: a copy that is
    still there (or a title), an open pickup point, and not held or borrowed already by this
    member (`held`, `borrowed`: known already, for many holds at once; None: looked up).
    Returns the title held."""
    if item is not None:
        record = item.record
        if item.status in (ItemStatus.WITHDRAWN, ItemStatus.LOST, ItemStatus.MISSING):
            raise CirculationError(
                _("Exemplaar %(b)s is niet beschikbaar (%(s)s).")
                % {"b": item.barcode, "s": ItemStatus(item.status).label},
                code=Code.NOT_HOLDABLE,
                field="item_barcode",
            )
    if record is None:
        raise CirculationError(
            _("Kies een titel of exemplaar."), code=Code.NO_RECORD, field="record"
        )
    if not pickup_branch.is_open_on(clock.today(at)):
        raise CirculationError(
            _("Dit afhaalpunt is gesloten."), code=Code.PICKUP_CLOSED, field="pickup_branch"
        )
    if not pickup_branch.serves_pickup:
        raise CirculationError(
            _("%(b)s is geen afhaalpunt voor reserveringen.") % {"b": pickup_branch.name},
            code=Code.NOT_PICKUP_POINT,
            field="pickup_branch",
        )
    if held is None:
        held = Hold.objects.active().filter(patron=patron, record=record).exists()
    if held:
        raise CirculationError(_("U heeft deze titel al gereserveerd."), code=Code.DUPLICATE_HOLD)
    if borrowed is None:
        borrowed = Loan.objects.open().filter(patron=patron, item__record=record).exists()
    if borrowed:
        raise CirculationError(_("U heeft deze titel al geleend."), code=Code.ALREADY_BORROWED)
    return record


def check_holds_allowed(rule) -> None:
    if not rule.holds_allowed:
        raise CirculationError(
            _("Reserveren is voor dit materiaal niet toegestaan."), code=Code.HOLDS_NOT_ALLOWED
        )


def _hold_rule(category: str, record, item, pickup_branch):
    """The rule for a hold: the pickup organisation's, for the patron's category and the item
    type of the copy held (or of any copy of the title). Returns (rule, that copy or None)."""
    sample = item or (
        Item.objects.filter(record=record)
        .exclude(status=ItemStatus.WITHDRAWN)
        .select_related("item_type")
        .first()
    )
    item_type = sample.item_type if sample else None
    return rules.resolve(pickup_branch.organisation, category, item_type), sample


def cancellation_terms(hold_id: int, *, at=None) -> CancellationTerms:
    """What cancelling this hold would cost, for the confirmation a person sees first."""
    hold = (
        Hold.objects.select_related("fee_line", "record", "patron", "item__item_type")
        .select_related("pickup_branch__organisation")
        .get(pk=hold_id)
    )
    return _terms(hold, clock.now(at))


def _terms(hold: Hold, at) -> CancellationTerms:
    fee = hold.fee_line.amount if hold.fee_line_id else Decimal("0")
    if not fee:
        return CancellationTerms(hold, Decimal("0"), Decimal("0"))
    category = members.patron_category(hold.patron, clock.today(at))
    rule, _sample = _hold_rule(category, hold.record, hold.item, hold.pickup_branch)
    refunded = rule.hold_fee_refund == HoldRefund.ALWAYS or (
        rule.hold_fee_refund == HoldRefund.UNTIL_READY and hold.status != HoldStatus.READY
    )
    return CancellationTerms(hold, fee, fee if refunded else Decimal("0"))


@transaction.atomic
def cancel_hold(
    hold_id: int, *, card_number: str | None = None, staff=None, at=None
) -> CancelResult:
    """Cancel a hold; its fee comes back as far as the rule says. A copy set aside or lying
    ready for it goes to the next in line (or home): its routing is returned so the desk knows
    to pull it."""
    at = clock.now(at)
    hold = _lock_hold(hold_id)
    if hold is None or (card_number and hold.patron.card_number != card_number.strip()):
        raise CirculationError(
            _("Reservering niet gevonden."), code=Code.UNKNOWN_HOLD, field="hold"
        )
    if hold.status not in ACTIVE_HOLD:
        raise CirculationError(_("Deze reservering is al afgesloten."), code=Code.HOLD_CLOSED)
    terms = _terms(hold, at)
    routing = _close_hold(hold, HoldStatus.CANCELLED, EventAction.HOLD_CANCELLED, at)
    if terms.refund:
        members.refund(
            hold.fee_line,
            terms.refund,
            description=_("Reservering geannuleerd: %(title)s") % {"title": hold.record.title},
            staff=staff,
            at=at,
        )
    return CancelResult(refund=terms.refund, routing=routing)


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
        .select_related("patron", "pickup_branch__organisation", "captured_item", "record")
        .select_related("fee_line", "item__item_type")
        .filter(pk=hold_id)
        .first()
    )


def _close_hold(hold: Hold, status: str, action: str, at) -> Routing | None:
    """Close a hold and free its copy, wherever it is on its way: one still on the shelf it was
    set aside on stays there for whoever waits next; one in hand at a desk (on the hold shelf,
    or not sent yet) is routed from there; one in the van is routed when it arrives."""
    item = hold.captured_item
    was_ready = hold.status == HoldStatus.READY
    transit = None
    if item is not None and hold.status == HoldStatus.IN_TRANSIT:
        transit = Transit.objects.filter(item=item, hold=hold, received_at__isnull=True).first()
    state.move_hold(hold, status, closed_at=at)
    record_event(
        action, at=at, organisation=hold.pickup_branch.organisation, branch=hold.pickup_branch
    )
    if not (was_ready or (transit is not None and transit.sent_at is None)):
        return None
    item = Item.objects.select_related(
        "record", "item_type", "organisation", "home_branch", "current_branch"
    ).get(pk=item.pk)
    _end_transit(item, at)
    if transit is not None and transit.reason == Transit.Reason.PAGE:
        state.move(item, ItemStatus.AVAILABLE)
        _set_aside(item.record_id, at)
        return None
    return _route(item, item.current_branch, at)


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
    """Holds whose copy was set aside on this branch's shelves (Koha's holds queue): fetch it
    and check it in, and CLB says hold shelf or transit crate. `captured_item` is the copy."""
    return (
        Hold.objects.filter(
            status=HoldStatus.IN_TRANSIT,
            transit__reason=Transit.Reason.PAGE,
            transit__from_branch=branch,
            transit__received_at__isnull=True,
        )
        .select_related("record", "pickup_branch", "patron", "captured_item")
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
    """The borrower lost it: the loan ends, the replacement price is charged to them. The charge
    lands on the lending organisation's ledger, so only its staff (or national administrators)
    report it; without `staff` (a batch job) the caller decided."""
    at = clock.now(at)
    item = _lock_item(item_barcode)
    loan = _open_loan(item)
    if loan is None:
        raise CirculationError(
            _("Alleen een uitgeleend exemplaar kan als verloren worden gemeld."),
            code=Code.NOT_ON_LOAN,
        )
    if (
        staff is not None
        and not sees_everything(staff)
        and staff.organisation_id != loan.organisation_id
    ):
        raise CirculationError(
            _("Uitgeleend door %(org)s: alleen die bibliotheek meldt het verloren.")
            % {"org": loan.organisation.name},
            code=Code.NOT_LENDER,
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
    record_event(
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
    """Missing, withdrawn, in repair, or back to available: status changes with no loan involved.
    A copy set aside for a hold that goes missing (or to repair) leaves the hold waiting for
    another copy; a copy back on the shelf serves a waiting hold."""
    at = clock.now(at)
    item = _lock_item(item_barcode)
    if _open_loan(item) is not None:
        raise CirculationError(
            _("Dit exemplaar is uitgeleend; neem het eerst in."), code=Code.ON_LOAN
        )
    if status != item.status:
        captured = Hold.objects.select_for_update(of=("self",)).captured(item).first()
        if captured is not None:
            _release(captured, item, at)
        elif item.status == ItemStatus.IN_TRANSIT:
            _end_transit(item, at)
    state.move(item, status)
    _set_aside(item.record_id, at)
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
        return _anonymise(loans)


def _anonymise(loans) -> int:
    loan_ids = list(loans.values_list("id", flat=True))
    members.forget_loans(loan_ids)
    return Loan.objects.filter(id__in=loan_ids).update(patron=None, anonymised=True)


def anonymise_history_of(patron: Patron) -> int:
    return _anonymise(Loan.objects.returned().filter(patron=patron))


@transaction.atomic
def set_keep_history(patron: Patron, keep: bool) -> int:
    """Opt in or out of keeping reading history. Opting out forgets the history at once;
    returns how many past loans were anonymised."""
    members.record_history_choice(patron, keep)
    return 0 if keep else anonymise_history_of(patron)


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
    """What a patron has. Each loan carries `renewal`, a RenewalCheck: whether it can be
    renewed now and, if not, why — so a renew button is shown only where renewing works."""
    at = clock.now(at)
    loans = list(
        Loan.objects.open()
        .filter(patron=patron)
        .select_related("item__record", "item__item_type", "branch", "organisation")
        .order_by("due_at")
    )
    blocks_at, books = {}, {}
    for loan in loans:
        key = (loan.organisation_id, loan.patron_category)
        if loan.organisation_id not in blocks_at:
            blocks_at[loan.organisation_id] = members.borrowing_blocks(
                patron, loan.organisation, clock.today(at)
            )
        if key not in books:
            books[key] = rules.RuleBook(loan.organisation, loan.patron_category)
        loan.renewal = renewal_check(
            loan, at=at, blocks=blocks_at[loan.organisation_id], book=books[key]
        )
    holds = [
        (hold, queue_position(hold))
        for hold in Hold.objects.active()
        .filter(patron=patron)
        .select_related("record", "pickup_branch", "captured_item")
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
        Loan.objects.returned()
        .filter(patron=patron)
        .select_related("item__record")
        .order_by("-returned_at")
    )
