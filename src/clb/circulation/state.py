"""The item state machine: the one place an item's status changes."""

from django.utils.translation import gettext as _

from clb.catalogue.models import Item, ItemStatus

from .errors import CirculationError

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
            code="bad_transition",
        )
    item.status = new_status
    fields = ["status"]
    if branch is not None:
        item.current_branch = branch
        fields.append("current_branch")
    item.save(update_fields=fields)
