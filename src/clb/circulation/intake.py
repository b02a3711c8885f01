"""Open loans and holds that come in from another library system (a migration), through the
same rules as a checkout and a hold placed here: the loan rule of the lending organisation for
the member's category and the copy's item type, the item state machine, FIFO queues by
placement time. What the rules would refuse at a desk but is a fact already (a loan past the
limit, renewed more often than the rule allows) comes in and is reported; what cannot be true
(a copy that is lost, gone or lent to someone else) is refused with the reason.

Each action is one transaction and writes its statistics event with the migration as source,
so the cockpit does not count an old loan as a new one."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from clb import clock, formatting
from clb.catalogue.models import BibRecord, Item, ItemStatus
from clb.errors import DomainError
from clb.members import services as members
from clb.network.models import Branch
from clb.statistics import events
from clb.statistics.models import EventAction

from . import rules, state
from .errors import CirculationError, Code
from .models import Hold, HoldStatus, Loan, Transit
from .services import (
    _lock_item,
    _set_aside,
    check_hold,
    check_holds_allowed,
    describe,
    due_date,
    record_event,
    unknown_item,
)

NOT_LOANABLE = (ItemStatus.LOST, ItemStatus.MISSING, ItemStatus.WITHDRAWN, ItemStatus.IN_REPAIR,
                ItemStatus.CLAIMED_RETURNED)  # fmt: skip


@dataclass
class Taken:
    """What came in, and what the rules had to say about it."""

    obj: Loan | Hold
    notes: list[str] = field(default_factory=list)


class RuleCache:
    """Rule books per (organisation, category), fetched once for a whole migration."""

    def __init__(self):
        self.books: dict = {}

    def book(self, organisation, category) -> rules.RuleBook:
        key = (organisation.pk, category)
        if key not in self.books:
            self.books[key] = rules.RuleBook(organisation, category)
        return self.books[key]


@dataclass
class LoanIn:
    """An open loan as the other system has it. No branch: where the copy is."""

    item_barcode: str
    card_number: str
    checked_out_at: datetime
    due_at: datetime
    renewals: int = 0
    branch: Branch | None = None


@transaction.atomic
def open_loans(
    loans: list[LoanIn], *, source: str, at=None, cache: RuleCache | None = None
) -> list[Taken | DomainError]:
    """Many open loans in one transaction and a handful of statements (a migration brings in
    tens of thousands): for each, in order, the Taken or the error that refuses it. Each is
    checked as a checkout here would be; a copy named twice is lent once."""
    at = clock.now(at)
    day = clock.today(at)
    cache = cache or RuleCache()
    items = {
        i.barcode: i
        for i in Item.objects.select_for_update(of=("self",))
        .select_related("item_type", "organisation", "current_branch__organisation")
        .filter(barcode__in={(loan.item_barcode or "").strip() for loan in loans})
    }
    patrons = members.find_patrons([loan.card_number for loan in loans], lock=True)
    memberships = members.valid_memberships(patrons.values(), day)
    held = defaultdict(int)  # (patron, organisation, item type) → open loans
    for key in (
        Loan.objects.open()
        .filter(patron__in=[p.pk for p in patrons.values()])
        .values_list("patron_id", "organisation_id", "item__item_type")
        .annotate(n=Count("id"))
    ):
        held[key[:3]] = key[3]
    results: list[Taken | DomainError] = []
    lent: set[int] = set()
    for loan in loans:
        try:
            results.append(_loan(loan, items, patrons, memberships, held, lent, cache, day, at))
        except DomainError as exc:
            results.append(exc)
    taken = [r for r in results if isinstance(r, Taken)]
    Loan.objects.bulk_create([t.obj for t in taken], batch_size=500)
    state.move_many([(t.obj.item, t.obj.branch) for t in taken], ItemStatus.ON_LOAN)
    history = []
    for loan in (t.obj for t in taken):  # its checkout, and the renewals it had, back then
        for action in [EventAction.CHECKOUT] + [EventAction.RENEW] * loan.renewals:
            history.append(describe(action, at=loan.checked_out_at, organisation=loan.organisation,
                                    branch=loan.branch, item=loan.item, patron=loan.patron))  # fmt: skip
    events.record_history(history, source=source)
    return results


def _loan(loan: LoanIn, items, patrons, memberships, held, lent, cache, day, at) -> Taken:
    if loan.due_at < loan.checked_out_at:
        raise CirculationError(
            _("Inleverdatum %(due)s ligt voor de uitleendatum %(out)s.")
            % {"due": formatting.day(loan.due_at), "out": formatting.day(loan.checked_out_at)},
            code=Code.DUE_BEFORE_CHECKOUT,
            field="date_due",
        )
    if loan.checked_out_at > at:
        raise CirculationError(_("De uitleendatum ligt in de toekomst."), code=Code.FUTURE_CHECKOUT,
                               field="issuedate")  # fmt: skip
    item = items.get((loan.item_barcode or "").strip())
    if item is None:
        raise unknown_item(loan.item_barcode)
    branch = loan.branch or item.current_branch
    organisation = branch.organisation
    if item.organisation_id != organisation.pk:
        raise CirculationError(
            _("Exemplaar %(b)s hoort niet bij %(org)s.")
            % {"b": item.barcode, "org": organisation.code},
            code=Code.NOT_OURS,
            field="barcode",
        )
    patron = patrons.get((loan.card_number or "").strip())
    if patron is None:
        raise members.unknown_patron(loan.card_number)
    if item.status != ItemStatus.AVAILABLE or item.pk in lent:
        status = ItemStatus.ON_LOAN if item.pk in lent else item.status
        raise CirculationError(
            _("Exemplaar %(b)s heeft status '%(s)s' en kan niet uitgeleend zijn.")
            % {"b": item.barcode, "s": ItemStatus(status).label},
            code=Code.NOT_LOANABLE,
            field="barcode",
        )
    category = members.patron_category(patron, day, memberships.get(patron.pk))
    book = cache.book(organisation, category)
    rule = book.rule_for(item.item_type)
    notes = []
    if loan.renewals > rule.renewals:
        notes.append(
            _("%(n)s keer verlengd, de regel staat %(max)s toe")
            % {"n": loan.renewals, "max": rule.renewals}
        )
    governed = sum(n for (pid, oid, type_id), n in held.items()
                   if pid == patron.pk and oid == organisation.pk and book.governs(rule, type_id))  # fmt: skip
    if governed >= rule.loan_limit:
        notes.append(_("boven het maximum van %(n)s uitleningen") % {"n": rule.loan_limit})
    held[(patron.pk, organisation.pk, item.item_type_id)] += 1
    lent.add(item.pk)
    obj = Loan(item=item, patron=patron, organisation=organisation, branch=branch,
               patron_category=category, checked_out_at=loan.checked_out_at, due_at=loan.due_at,
               renewals=loan.renewals)  # fmt: skip
    return Taken(obj, notes)


def _moment(value: datetime | None) -> str:
    return "" if value is None else str(value.timestamp())


def loan_state(loan: Loan) -> str:
    return f"{_moment(loan.due_at)}|{loan.renewals}|{_moment(loan.returned_at)}|{loan.patron_id}"


@transaction.atomic
def update_loans(
    changes: dict[int, tuple[datetime, int, str, str]], *, at=None
) -> dict[int, Loan | str]:
    """Loans the other system renewed since the migration's last run, given as {id: (due
    date, renewals, the state the migration left, the source of its events)}; only while
    nothing happened to them here. Returns {id: the loan (changed or not), or why it was left
    as it is}. Renewals since come with their events (history, as when the loan came in)."""
    at = clock.now(at)
    found = {}
    changed = []
    for loan in (
        Loan.objects.select_for_update(of=("self",))
        .select_related("item__item_type", "patron__municipality", "branch", "organisation")
        .filter(pk__in=list(changes))
    ):
        due_at, renewals, state_was, source = changes[loan.pk]
        if loan_state(loan) != state_was:
            found[loan.pk] = _("De uitlening is sindsdien gewijzigd.")
            continue
        if (loan.due_at, loan.renewals) != (due_at, renewals):
            more = [describe(EventAction.RENEW, at=at, organisation=loan.organisation,
                             branch=loan.branch, item=loan.item,
                             patron=loan.patron)] * max(0, renewals - loan.renewals)  # fmt: skip
            events.record_history(more, source=source)
            loan.due_at, loan.renewals = due_at, renewals
            changed.append(loan)
        found[loan.pk] = loan
    Loan.objects.bulk_update(changed, ["due_at", "renewals"], batch_size=500)
    return found


@transaction.atomic
def remove_loans(states: dict[int, str]) -> dict[int, str]:
    """Take out loans a migration opened, given as {id: the state it left them in}, while
    nothing happened to them since: each copy is back where it was, available. Returns the
    loans that stay, {id: why}."""
    kept, gone = {}, []
    loans = Loan.objects.select_for_update(of=("self",)).filter(pk__in=list(states))
    items = {
        i.pk: i
        for i in Item.objects.select_for_update().filter(
            pk__in=loans.values_list("item_id", flat=True)
        )
    }
    for loan in loans:
        item = items[loan.item_id]
        if loan_state(loan) != states[loan.pk] or item.status != ItemStatus.ON_LOAN:
            kept[loan.pk] = _("Uitlening van %(b)s is sindsdien verlengd, ingeleverd of "
                              "gewijzigd.") % {"b": item.barcode}  # fmt: skip
        else:
            gone.append(loan)
    Loan.objects.filter(pk__in=[loan.pk for loan in gone]).delete()
    state.move_many([(items[loan.item_id], None) for loan in gone], ItemStatus.AVAILABLE)
    return kept


# --- holds --------------------------------------------------------------------------------------


@transaction.atomic
def place_hold(
    *,
    card_number: str,
    pickup_branch: Branch,
    placed_at: datetime,
    record: BibRecord | None = None,
    item_barcode: str = "",
    status: str = HoldStatus.WAITING,
    captured_barcode: str = "",
    ready_at: datetime | None = None,
    expires_at: datetime | None = None,
    source: str,
    at=None,
    cache: RuleCache | None = None,
) -> Taken:
    """A hold as the other system had it: waiting in the queue (its place follows from
    placed_at), on its way to the pickup point, or ready on the hold shelf with its own
    shelf expiry. Waiting holds are served from free copies afterwards (serve_waiting)."""
    at = clock.now(at)
    wanted = HoldIn(card_number, pickup_branch, placed_at, record, item_barcode)
    checked = _checked_holds([wanted], at, cache or RuleCache())[0]
    if isinstance(checked, DomainError):
        raise checked
    hold, sample = checked
    notes = []
    if status in (HoldStatus.READY, HoldStatus.IN_TRANSIT):
        notes += _capture(hold, captured_barcode or item_barcode, status, ready_at, expires_at, at)
    else:
        hold.save()
    record_event(EventAction.HOLD_PLACED, at=placed_at, organisation=pickup_branch.organisation,
                 branch=pickup_branch, item=sample, patron=hold.patron, source=source)  # fmt: skip
    return Taken(hold, notes)


@dataclass
class HoldIn:
    """A hold waiting in the other system's queue: on a title, or on one copy."""

    card_number: str
    pickup_branch: Branch
    placed_at: datetime
    record: BibRecord | None = None
    item_barcode: str = ""


GONE = (ItemStatus.WITHDRAWN, ItemStatus.LOST, ItemStatus.MISSING)


@transaction.atomic
def place_waiting_holds(
    holds: list[HoldIn], *, source: str, at=None, cache: RuleCache | None = None
) -> list[Taken | DomainError]:
    """Many waiting holds in one transaction and a handful of statements, checked as
    place_hold checks one: for each, in order (the queue's order, kept by placed_at and then
    by this order), the Taken or the error that refuses it. Serve them afterwards
    (serve_waiting)."""
    at = clock.now(at)
    checked = _checked_holds(holds, at, cache or RuleCache())
    placed = [c for c in checked if not isinstance(c, DomainError)]
    Hold.objects.bulk_create([hold for hold, _sample in placed], batch_size=500)
    events.record_history(
        [describe(EventAction.HOLD_PLACED, at=hold.placed_at,
                  organisation=hold.pickup_branch.organisation, branch=hold.pickup_branch,
                  item=sample, patron=hold.patron) for hold, sample in placed],
        source=source,
    )  # fmt: skip
    return [c if isinstance(c, DomainError) else Taken(c[0]) for c in checked]


def _checked_holds(holds: list[HoldIn], at, cache: RuleCache) -> list:
    """Each hold checked as a hold placed here is (check_hold, a copy left, the rules allow
    it), with what it needs looked up for all at once: (the unsaved hold, a copy of its title)
    or the error that refuses it. A member's second hold on a title in the list is refused."""
    day = clock.today(at)
    patrons = members.find_patrons([h.card_number for h in holds])
    memberships = members.valid_memberships(patrons.values(), day)
    items = {
        i.barcode: i
        for i in Item.objects.select_for_update(of=("self",))
        .select_related("item_type", "record")
        .filter(barcode__in={h.item_barcode.strip() for h in holds if h.item_barcode})
    }
    records = {h.record.pk for h in holds if h.record} | {i.record_id for i in items.values()}
    samples = {}  # a copy of each title, for its item type
    for item in (
        Item.objects.filter(record__in=records).exclude(status__in=GONE)
        .select_related("item_type").order_by("-pk")
    ):  # fmt: skip
        samples[item.record_id] = item
    ids = [p.pk for p in patrons.values()]
    held = set(Hold.objects.active().filter(patron__in=ids, record__in=records)
               .values_list("patron_id", "record_id"))  # fmt: skip
    borrowed = set(
        Loan.objects.open()
        .filter(patron__in=ids, item__record__in=records)
        .values_list("patron_id", "item__record_id")
    )
    checked = []
    for wanted in holds:
        try:
            patron = patrons.get(wanted.card_number.strip())
            if patron is None:
                raise members.unknown_patron(wanted.card_number)
            item = None
            if wanted.item_barcode:
                item = items.get(wanted.item_barcode.strip())
                if item is None:
                    raise unknown_item(wanted.item_barcode)
            record = item.record if item else wanted.record
            key = (patron.pk, record.pk if record else None)
            record = check_hold(patron, wanted.pickup_branch, record, item, at,
                                held=key in held, borrowed=key in borrowed)  # fmt: skip
            sample = item or samples.get(record.pk)
            if sample is None:
                raise CirculationError(
                    _("Van deze titel is geen exemplaar meer: de reservering kan niet worden "
                      "vervuld."), code=Code.NO_COPIES, field="record")  # fmt: skip
            category = members.patron_category(patron, day, memberships.get(patron.pk))
            book = cache.book(wanted.pickup_branch.organisation, category)
            check_holds_allowed(book.rule_for(sample.item_type))
        except DomainError as exc:
            checked.append(exc)
            continue
        held.add(key)
        hold = Hold(patron=patron, record=record, item=item, pickup_branch=wanted.pickup_branch,
                    placed_at=wanted.placed_at)  # fmt: skip
        checked.append((hold, sample))
    return checked


def _capture(hold: Hold, barcode: str, status, ready_at, expires_at, at) -> list[str]:
    """The copy set aside for the hold: on the hold shelf of the pickup point, or on its way."""
    if not barcode:
        raise CirculationError(
            _("Een klaarliggende reservering noemt het exemplaar dat klaarligt."),
            code=Code.NO_CAPTURED_ITEM,
            field="barcode",
        )
    item = _lock_item(barcode)
    if item.record_id != hold.record_id:
        raise CirculationError(_("Exemplaar %(b)s is van een andere titel.") % {"b": barcode},
                               code=Code.OTHER_TITLE, field="barcode")  # fmt: skip
    if item.status != ItemStatus.AVAILABLE:
        raise CirculationError(
            _("Exemplaar %(b)s heeft status '%(s)s' en kan niet klaarliggen.")
            % {"b": barcode, "s": ItemStatus(item.status).label},
            code=Code.NOT_LOANABLE,
            field="barcode",
        )
    notes = []
    pickup = hold.pickup_branch
    # The hold is created with the status it had there, not moved into it; its copy, which
    # stood on a shelf here, does move through the item state machine.
    hold.captured_item, hold.captured_at, hold.status = item, ready_at or at, status
    if status == HoldStatus.READY:
        hold.ready_at = ready_at or at
        hold.expires_at = expires_at or due_date(hold.ready_at, pickup.organisation.hold_shelf_days)
        if hold.expires_at < at:
            notes.append(_("lag tot %(d)s klaar: verloopt bij de eerstvolgende ronde van clb "
                           "expire-holds") % {"d": formatting.day(hold.expires_at)})  # fmt: skip
        hold.save()
        state.move(item, ItemStatus.ON_HOLD_SHELF, branch=pickup)
    else:
        hold.save()
        Transit.objects.create(item=item, from_branch=item.current_branch, to_branch=pickup,
                               reason=Transit.Reason.HOLD, hold=hold, created_at=at)  # fmt: skip
        state.move(item, ItemStatus.IN_TRANSIT)
    return notes


def serve_waiting(record_ids, *, source: str, at=None) -> int:
    """Waiting holds served from copies that stand free, as placing a hold here does: the
    oldest first, each copy set aside on its shelf's pull list. Returns how many."""
    at = clock.now(at)
    served = 0
    for record_id in servable(record_ids):
        with transaction.atomic():
            served += len(_set_aside(record_id, at, source=source))
    return served


def servable(record_ids) -> list[int]:
    """The titles among these with a copy that stands free: the only ones serving can serve."""
    return sorted(
        set(
            Item.objects.filter(record__in=set(record_ids), status=ItemStatus.AVAILABLE)
            .values_list("record_id", flat=True)
            .distinct()
        )
    )


def hold_state(hold: Hold) -> str:
    return (
        f"{hold.status}|{hold.captured_item_id}|{_moment(hold.expires_at)}|{hold.pickup_branch_id}"
    )


def remove_holds(states: dict[int, str]) -> dict[int, str]:
    """Take out holds a migration placed, given as {id: the state it left them in}, while
    nothing happened to them since (a copy the migration set aside goes back on the shelf).
    Returns the holds that stay, {id: why}."""
    kept = {}
    for hold_id, state_was in states.items():
        try:
            _remove_hold(hold_id, state_was)
        except CirculationError as exc:
            kept[hold_id] = str(exc)
    return kept


@transaction.atomic
def _remove_hold(hold_id: int, state_was: str) -> None:
    """Take out a hold a migration placed, while nothing happened to it since (a copy the
    migration set aside for it goes back on the shelf)."""
    hold = Hold.objects.select_for_update().filter(pk=hold_id).first()
    if hold is None:
        return
    changed = hold_state(hold) != state_was
    transit = None
    if not changed and hold.captured_item_id:
        item = _lock_item(hold.captured_item.barcode)
        transit = Transit.objects.filter(hold=hold, received_at__isnull=True).first()
        changed = transit is not None and transit.sent_at is not None
    if changed:
        raise CirculationError(
            _("Reservering %(id)s is sindsdien gewijzigd of onderweg.") % {"id": hold.pk},
            code=Code.CHANGED,
        )
    if hold.captured_item_id:
        Transit.objects.filter(hold=hold).delete()
        hold.delete()
        state.move(item, ItemStatus.AVAILABLE)
    else:
        hold.delete()


def items_in_use(item_ids) -> set[int]:
    """Copies that loans, holds or transits name: they stay when a migration is undone."""
    ids = set(item_ids)
    used = set(Loan.objects.filter(item_id__in=ids).values_list("item_id", flat=True))
    used |= set(Transit.objects.filter(item_id__in=ids).values_list("item_id", flat=True))
    used |= set(Hold.objects.filter(item_id__in=ids).values_list("item_id", flat=True))
    used |= set(Hold.objects.filter(captured_item_id__in=ids).values_list("captured_item_id",
                                                                           flat=True))  # fmt: skip
    return used


def records_in_use(record_ids) -> set[int]:
    """Titles that holds name."""
    return set(Hold.objects.filter(record_id__in=set(record_ids)).values_list("record_id",
                                                                              flat=True))  # fmt: skip
