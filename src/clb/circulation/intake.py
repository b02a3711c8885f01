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
from clb.cockpit import events
from clb.cockpit.models import EventAction
from clb.errors import DomainError
from clb.members import services as members
from clb.network.models import Branch

from . import rules, state
from .errors import CirculationError
from .models import Hold, HoldStatus, Loan, Transit
from .services import (
    _lock_item,
    _set_aside,
    check_hold,
    check_holds_allowed,
    due_date,
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
        Loan.objects.filter(patron__in=[p.pk for p in patrons.values()], returned_at__isnull=True)
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
    by_organisation = defaultdict(list)
    for t in taken:
        by_organisation[t.obj.organisation].append((t.obj.branch, t.obj.item, t.obj.patron))
    for organisation, rows in by_organisation.items():
        events.record_history(EventAction.CHECKOUT, at=at, source=source,
                              organisation=organisation, rows=rows)  # fmt: skip
    return results


def _loan(loan: LoanIn, items, patrons, memberships, held, lent, cache, day, at) -> Taken:
    if loan.due_at < loan.checked_out_at:
        raise CirculationError(
            _("Inleverdatum %(due)s ligt voor de uitleendatum %(out)s.")
            % {"due": formatting.day(loan.due_at), "out": formatting.day(loan.checked_out_at)},
            code="due_before_checkout",
            field="date_due",
        )
    if loan.checked_out_at > at:
        raise CirculationError(_("De uitleendatum ligt in de toekomst."), code="future_checkout",
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
            code="not_ours",
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
            code="not_loanable",
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
def update_loan(loan_id: int, *, due_at: datetime, renewals: int, state_was: str) -> bool:
    """A loan the other system renewed since the migration's last run; only while nothing
    happened to it here. Returns whether it changed."""
    loan = Loan.objects.select_for_update().get(pk=loan_id)
    if loan_state(loan) != state_was:
        raise CirculationError(_("De uitlening is sindsdien gewijzigd."), code="changed")
    if (loan.due_at, loan.renewals) == (due_at, renewals):
        return False
    loan.due_at, loan.renewals = due_at, renewals
    loan.save(update_fields=["due_at", "renewals"])
    return True


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
    cache = cache or RuleCache()
    patron = members.find_patron(card_number)
    item = _lock_item(item_barcode) if item_barcode else None
    record = check_hold(patron, pickup_branch, record, item, at)
    sample = item or (
        Item.objects.filter(record=record)
        .exclude(status__in=(ItemStatus.WITHDRAWN, ItemStatus.LOST, ItemStatus.MISSING))
        .select_related("item_type")
        .first()
    )
    if sample is None:
        raise CirculationError(
            _("Van deze titel is geen exemplaar meer: de reservering kan niet worden vervuld."),
            code="no_copies",
            field="record",
        )
    category = members.patron_category(patron, clock.today(at))
    check_holds_allowed(cache.book(pickup_branch.organisation, category).rule_for(sample.item_type))
    hold = Hold(patron=patron, record=record, item=item, pickup_branch=pickup_branch,
                placed_at=placed_at)  # fmt: skip
    notes = []
    if status in (HoldStatus.READY, HoldStatus.IN_TRANSIT):
        notes += _capture(hold, captured_barcode or item_barcode, status, ready_at, expires_at, at)
    else:
        hold.save()
    events.record(EventAction.HOLD_PLACED, at=at, organisation=pickup_branch.organisation,
                  branch=pickup_branch, item=sample, patron=patron, source=source)  # fmt: skip
    return Taken(hold, notes)


def _capture(hold: Hold, barcode: str, status, ready_at, expires_at, at) -> list[str]:
    """The copy set aside for the hold: on the hold shelf of the pickup point, or on its way."""
    if not barcode:
        raise CirculationError(
            _("Een klaarliggende reservering noemt het exemplaar dat klaarligt."),
            code="no_captured_item",
            field="barcode",
        )
    item = _lock_item(barcode)
    if item.record_id != hold.record_id:
        raise CirculationError(_("Exemplaar %(b)s is van een andere titel.") % {"b": barcode},
                               code="other_title", field="barcode")  # fmt: skip
    if item.status != ItemStatus.AVAILABLE:
        raise CirculationError(
            _("Exemplaar %(b)s heeft status '%(s)s' en kan niet klaarliggen.")
            % {"b": barcode, "s": ItemStatus(item.status).label},
            code="not_loanable",
            field="barcode",
        )
    notes = []
    pickup = hold.pickup_branch
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
    for record_id in sorted(set(record_ids)):
        with transaction.atomic():
            served += len(_set_aside(record_id, at, source=source))
    return served


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
            code="changed",
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
