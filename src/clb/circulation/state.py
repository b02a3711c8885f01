"""The state machines of circulation: the one place an item's status and a hold's status change.
Each is a table of allowed transitions; every change goes through it."""

from django.utils.translation import gettext as _

from clb.catalogue.models import Item, ItemStatus

from .errors import CirculationError, Code
from .models import Hold, HoldStatus

S = ItemStatus
ALLOWED: dict[str, set[str]] = {
    S.AVAILABLE: {
        S.ON_LOAN,
        S.ON_HOLD_SHELF,
        S.IN_TRANSIT,
        S.MISSING,
        S.WITHDRAWN,
        S.IN_REPAIR,
        S.LOST,
    },
    S.ON_LOAN: {S.AVAILABLE, S.ON_HOLD_SHELF, S.IN_TRANSIT, S.LOST, S.CLAIMED_RETURNED},
    S.ON_HOLD_SHELF: {S.ON_LOAN, S.AVAILABLE, S.IN_TRANSIT, S.MISSING},
    # On loan from transit: a copy set aside for a hold, taken from the shelf by its holder.
    S.IN_TRANSIT: {S.AVAILABLE, S.ON_HOLD_SHELF, S.ON_LOAN, S.MISSING},
    S.LOST: {S.AVAILABLE, S.ON_HOLD_SHELF, S.IN_TRANSIT, S.WITHDRAWN},
    S.CLAIMED_RETURNED: {S.AVAILABLE, S.ON_HOLD_SHELF, S.IN_TRANSIT, S.LOST, S.MISSING},
    S.MISSING: {S.AVAILABLE, S.ON_HOLD_SHELF, S.IN_TRANSIT, S.WITHDRAWN},
    S.WITHDRAWN: set(),
    S.IN_REPAIR: {S.AVAILABLE, S.WITHDRAWN},
}

H = HoldStatus
HOLD_ALLOWED: dict[str, set[str]] = {
    # A copy is set aside or checked in for it; or its holder, first in line, borrows a copy
    # from the shelf; or it is cancelled.
    H.WAITING: {H.IN_TRANSIT, H.FULFILLED, H.CANCELLED},
    # The copy reaches the pickup shelf; or it is released (the copy went missing, or staff lent
    # it to someone else) and the hold waits again; or its holder borrows it on the way.
    H.IN_TRANSIT: {H.READY, H.WAITING, H.FULFILLED, H.CANCELLED},
    # Taken from the hold shelf to another branch it travels back; released as above; collected;
    # cancelled; not collected in time.
    H.READY: {H.IN_TRANSIT, H.WAITING, H.FULFILLED, H.CANCELLED, H.EXPIRED},
    H.FULFILLED: set(),
    H.CANCELLED: set(),
    H.EXPIRED: set(),
}


def move(item: Item, new_status: str, *, branch=None) -> None:
    """Change status (and optionally current branch) of a row the caller has locked. Moving to
    the status it already has is no transition (a copy scanned twice): only the branch updates."""
    if new_status != item.status and new_status not in ALLOWED[item.status]:
        raise CirculationError(
            _("Exemplaar %(barcode)s kan niet van '%(old)s' naar '%(new)s'.")
            % {
                "barcode": item.barcode,
                "old": S(item.status).label,
                "new": S(new_status).label,
            },
            code=Code.BAD_TRANSITION,
        )
    item.status = new_status
    fields = ["status"]
    if branch is not None:
        item.current_branch = branch
        fields.append("current_branch")
    item.save(update_fields=fields)


def _check_hold(hold: Hold, old: str, new: str) -> None:
    if new != old and new not in HOLD_ALLOWED[old]:
        raise CirculationError(
            _("Reservering %(id)s kan niet van '%(old)s' naar '%(new)s'.")
            % {"id": hold.pk, "old": H(old).label, "new": H(new).label},
            code=Code.BAD_TRANSITION,
        )


def move_hold(hold: Hold, new_status: str, **fields) -> None:
    """Change the status of a hold the caller has locked, with the fields that go with it
    (ready_at, closed_at, …)."""
    _check_hold(hold, hold.status, new_status)
    hold.status = new_status
    for name, value in fields.items():
        setattr(hold, name, value)
    hold.save(update_fields=["status", *fields])


def claim_hold(hold: Hold, new_status: str, **fields) -> bool:
    """Compare-and-set for a hold that is not locked: the change happens only while the hold
    still has the status the caller read (one UPDATE), so of two actions racing for it exactly
    one wins. False when another was first; then the hold object is left as it was."""
    old = hold.status
    _check_hold(hold, old, new_status)
    if not Hold.objects.filter(pk=hold.pk, status=old).update(status=new_status, **fields):
        return False
    hold.status = new_status
    for name, value in fields.items():
        setattr(hold, name, value)
    return True
