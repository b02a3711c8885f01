"""What must hold in CLB's data whatever happened: after a crash, a database restart, a killed
worker, or on a restored backup. One place for all of it, used by `clb invariants`, the fault
tests and the restore drill.

Each check returns what it found wrong, as text naming the rows, so that an operator can look
them up. They read; they never repair (the services are the only writers)."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate

from clb.catalogue.models import Item, ItemStatus
from clb.circulation.models import Hold, HoldStatus, Loan, Transit
from clb.cockpit.simulation import simulated_organisations
from clb.members.models import LedgerKind, LedgerLine
from clb.services import tallies as registration_tallies
from clb.statistics.models import (
    ArchivedCount,
    ArchivedMonth,
    CirculationEvent,
    EventAction,
    PlaceTally,
    ResidenceTally,
)
from clb.statistics.tallies import disagreements, half_year_of

SHOWN = 10  # examples per broken invariant; the count says how many there are in all


@dataclass(frozen=True)
class Violation:
    check: str
    count: int
    examples: list[str]

    def __str__(self) -> str:
        return f"{self.check}: {self.count}× — " + "; ".join(self.examples)


def check() -> list[Violation]:
    """Every invariant; an empty list means all hold."""
    found = []
    for name, rule in CHECKS.items():
        wrong = list(rule())
        if wrong:
            found.append(Violation(name, len(wrong), wrong[:SHOWN]))
    return found


# --- loans and item status ----------------------------------------------------------------------


def one_open_loan_per_item():
    doubled = Loan.objects.open().values("item__barcode").annotate(n=Count("id")).filter(n__gt=1)
    return [f"exemplaar {row['item__barcode']}: {row['n']} open uitleningen" for row in doubled]


# An open loan keeps the copy on loan (or claimed returned, until staff decide).
WITH_OPEN_LOAN = {ItemStatus.ON_LOAN, ItemStatus.CLAIMED_RETURNED}


def status_matches_loans():
    open_loan = Loan.objects.open()
    lent_out = Item.objects.filter(status=ItemStatus.ON_LOAN).exclude(
        pk__in=open_loan.values("item_id")
    )
    lent_but_not_out = Item.objects.filter(pk__in=open_loan.values("item_id")).exclude(
        status__in=WITH_OPEN_LOAN
    )
    return [f"exemplaar {i.barcode}: uitgeleend zonder open uitlening" for i in lent_out] + [
        f"exemplaar {i.barcode}: open uitlening maar status {i.status}" for i in lent_but_not_out
    ]


def loans_end_after_they_begin():
    backwards = Loan.objects.filter(returned_at__lt=F("checked_out_at"))
    return [
        f"uitlening {loan.pk}: ingenomen {loan.returned_at} voor uitgeleend {loan.checked_out_at}"
        for loan in backwards
    ]


def status_matches_transits():
    open_transit = Transit.objects.filter(received_at__isnull=True)
    travelling = Item.objects.filter(status=ItemStatus.IN_TRANSIT).exclude(
        pk__in=open_transit.values("item_id")
    )
    not_travelling = Item.objects.filter(pk__in=open_transit.values("item_id")).exclude(
        status=ItemStatus.IN_TRANSIT
    )
    return [f"exemplaar {i.barcode}: onderweg zonder open transport" for i in travelling] + [
        f"exemplaar {i.barcode}: open transport maar status {i.status}" for i in not_travelling
    ]


def status_matches_holds():
    ready = Hold.objects.filter(status=HoldStatus.READY)
    shelved = Item.objects.filter(status=ItemStatus.ON_HOLD_SHELF).exclude(
        pk__in=ready.values("captured_item_id")
    )
    wrong = [
        f"exemplaar {i.barcode}: op de plank zonder klaarliggende reservering" for i in shelved
    ]
    for hold in ready.select_related("captured_item"):
        item = hold.captured_item
        if (
            item.status != ItemStatus.ON_HOLD_SHELF
            or item.current_branch_id != hold.pickup_branch_id
        ):
            wrong.append(
                f"reservering {hold.pk}: klaar, maar exemplaar {item.barcode} heeft status "
                f"{item.status} in vestiging {item.current_branch_id}"
            )
    travelling = Hold.objects.filter(status=HoldStatus.IN_TRANSIT).select_related("captured_item")
    for hold in travelling:
        item = hold.captured_item
        on_its_way = Transit.objects.filter(
            item=item, hold=hold, to_branch_id=hold.pickup_branch_id, received_at__isnull=True
        ).exists()
        if item.status != ItemStatus.IN_TRANSIT or not on_its_way:
            wrong.append(
                f"reservering {hold.pk}: onderweg, maar exemplaar {item.barcode} heeft status "
                f"{item.status} zonder transport naar het afhaalpunt"
            )
    return wrong


# --- statistics ---------------------------------------------------------------------------------


def events_match_tallies():
    """The tallies are kept in the transaction of each event: they must add up exactly, with
    the counts kept of archived months. The tallies of an organisation with simulated
    statistics (`clb load-demo --national`) have no events by design and are left out, as
    `clb rebuild-tallies` leaves them."""
    halves = {half_year_of(m) for m in CirculationEvent.objects.dates("occurred_on", "month")}
    halves |= set(PlaceTally.objects.values_list("half_year", flat=True).distinct())
    halves |= set(ResidenceTally.objects.values_list("half_year", flat=True).distinct())
    halves |= {half_year_of(m) for m in ArchivedMonth.objects.values_list("month", flat=True)}
    keep = simulated_organisations().keys()
    return [wrong for half in sorted(halves) for wrong in disagreements(half, keep=keep)]


def ido_contacts_match_tally():
    """The IDO tally is kept in the transaction of each contact's registration, correction and
    deletion: per half-year, dimension, organisation, branch and value it must hold exactly the
    contacts there are, under the municipality of its branch."""
    return [
        wrong
        for half in sorted(registration_tallies.ido_halves())
        for wrong in registration_tallies.disagreements(half)
    ]


def _per_day(queryset, moment: str, organisation: str) -> Counter:
    local = ZoneInfo(settings.TIME_ZONE)
    rows = (
        queryset.annotate(day=TruncDate(moment, tzinfo=local))
        .values("day", organisation)
        .annotate(n=Count("id"))
    )
    return Counter({(row["day"], row[organisation]): row["n"] for row in rows})


def _events_per_day(action: str) -> Counter:
    # every event, also those of history a migration brought in (not counted, but there)
    rows = (
        CirculationEvent.everything.filter(action=action)
        .values("occurred_on", "organisation_id")
        .annotate(n=Count("id"))
    )
    return Counter({(row["occurred_on"], row["organisation_id"]): row["n"] for row in rows})


def every_loan_has_its_events():
    """A checkout and a checkin each write their statistics event in their own transaction:
    per organisation and day, the events and the loans that began or ended must agree. A
    difference means an action half written. Loans a migration brought in have theirs too,
    dated when they happened in the other system (carrying the migration as their source).
    Months whose events were archived (`clb archive-events`) are left out."""
    wrong = []
    comparisons = (
        (EventAction.CHECKOUT, _per_day(Loan.objects.all(), "checked_out_at", "organisation_id")),
        (
            EventAction.CHECKIN,
            _per_day(
                Loan.objects.filter(return_branch__isnull=False),
                "returned_at",
                "return_branch__organisation_id",
            ),
        ),
    )
    archived = set(ArchivedMonth.objects.values_list("month", flat=True))
    for action, loans in comparisons:
        events = _events_per_day(action)
        for day, org in sorted(set(loans) | set(events)):
            if day.replace(day=1) in archived:
                continue  # the events of an archived month are gone, by design
            if loans[(day, org)] != events[(day, org)]:
                wrong.append(
                    f"{action} {day} organisatie {org}: {loans[(day, org)]} uitleningen, "
                    f"{events[(day, org)]} gebeurtenissen"
                )
    renewals = dict(Loan.objects.values_list("organisation_id").annotate(n=Sum("renewals")))
    renew_events = dict(
        CirculationEvent.everything.filter(action=EventAction.RENEW)
        .values_list("organisation_id")
        .annotate(n=Count("id"))
    )
    for org, n in (
        ArchivedCount.objects.filter(action=EventAction.RENEW)
        .values_list("organisation_id")
        .annotate(n=Sum("n"))
    ):
        renew_events[org] = renew_events.get(org, 0) + n
    for org in sorted(set(renewals) | set(renew_events)):
        if (renewals.get(org) or 0) != renew_events.get(org, 0):
            wrong.append(
                f"renew organisatie {org}: {renewals.get(org) or 0} verlengingen, "
                f"{renew_events.get(org, 0)} gebeurtenissen"
            )
    return wrong


# --- fee ledger ---------------------------------------------------------------------------------


def ledger_lines_belong_to_their_actions():
    """A fine is charged by the checkin that ends the loan (at its moment) or by a renewal; a
    replacement charge by the loss report that ends it. A charge whose action is missing was
    half written."""
    wrong = []
    charges = LedgerLine.objects.filter(
        kind__in=[LedgerKind.FINE, LedgerKind.LOST], loan__isnull=False
    ).select_related("loan")
    for line in charges:
        loan = line.loan
        ended_then = loan.returned_at == line.created_at
        if line.kind == LedgerKind.FINE and not (ended_then or loan.renewals):
            wrong.append(f"regel {line.pk}: te-laat-geld zonder inname of verlenging")
        if line.kind == LedgerKind.LOST and not ended_then:
            wrong.append(f"regel {line.pk}: vervanging zonder afgesloten uitlening")
    signs = LedgerLine.objects.filter(
        (Q(kind__in=[LedgerKind.PAYMENT, LedgerKind.WAIVER]) & Q(amount__gte=0))
        | (~Q(kind__in=[LedgerKind.PAYMENT, LedgerKind.WAIVER]) & Q(amount__lte=0))
    )
    wrong += [f"regel {line.pk}: {line.kind} met bedrag {line.amount}" for line in signs]
    return wrong


CHECKS: dict[str, Callable[[], list[str]]] = {
    "één open uitlening per exemplaar": one_open_loan_per_item,
    "status en uitleningen": status_matches_loans,
    "uitlening eindigt na begin": loans_end_after_they_begin,
    "status en transporten": status_matches_transits,
    "status en reserveringen": status_matches_holds,
    "gebeurtenissen en tellingen": events_match_tallies,
    "IDO-contacten en IDO-telling": ido_contacts_match_tally,
    "uitleningen en gebeurtenissen": every_loan_has_its_events,
    "financiële regels en handelingen": ledger_lines_belong_to_their_actions,
}
