"""Where a title's copies are and whether they can be had: per branch the copies standing
there now by status, and when the first of those on loan is due back. What the public
catalogue shows on a title page, for discovery layers and apps (REST API)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min

from clb.catalogue.changes import GONE
from clb.catalogue.models import Item, ItemStatus
from clb.network.models import Branch

from .models import Hold, HoldStatus, Loan

_COUNTED = {
    ItemStatus.AVAILABLE: "available",
    ItemStatus.ON_LOAN: "on_loan",
    ItemStatus.ON_HOLD_SHELF: "on_hold_shelf",
    ItemStatus.IN_TRANSIT: "in_transit",
}


@dataclass
class BranchCopies:
    branch: Branch
    copies: int = 0
    available: int = 0
    on_loan: int = 0
    on_hold_shelf: int = 0
    in_transit: int = 0
    other: int = 0  # in repair, claimed returned …
    next_due: datetime | None = None


@dataclass(frozen=True)
class TitleAvailability:
    record_id: int
    branches: list[BranchCopies]  # by organisation, then branch name
    holds_waiting: int


def availability(record_id: int, *, organisation=None, branch=None) -> TitleAvailability:
    """Copies in the collection (not withdrawn, lost or missing) of a title, per branch where
    they are now; only those of `organisation` or at `branch` when given. Four queries (the
    title itself is not read: an unknown title simply has no copies)."""
    items = Item.objects.filter(record_id=record_id).exclude(status__in=GONE)
    if organisation is not None:
        items = items.filter(organisation=organisation)
    if branch is not None:
        items = items.filter(current_branch=branch)
    found: dict[int, BranchCopies] = {}
    counts = items.values_list("current_branch_id", "status").annotate(n=Count("id"))
    for branch_id, status, n in counts.order_by():
        row = found.setdefault(branch_id, BranchCopies(branch=None))
        row.copies += n
        name = _COUNTED.get(status, "other")
        setattr(row, name, getattr(row, name) + n)
    due = (
        Loan.objects.filter(item__in=items, returned_at__isnull=True)
        .values_list("item__current_branch_id")
        .annotate(first=Min("due_at"))
        .order_by()
    )
    for branch_id, first in due:
        if branch_id in found:
            found[branch_id].next_due = first
    branches = Branch.objects.select_related("organisation").in_bulk(list(found))
    for branch_id, row in found.items():
        row.branch = branches[branch_id]
    ordered = sorted(
        found.values(), key=lambda r: (r.branch.organisation.name, r.branch.name, r.branch.pk)
    )
    waiting = Hold.objects.filter(record_id=record_id, status=HoldStatus.WAITING).count()
    return TitleAvailability(record_id=record_id, branches=ordered, holds_waiting=waiting)
