"""A copy's circulation history and where it is now, read from its loans, transits and holds.

Lines carry the patron where the loan still has one (it is cleared on anonymisation); whether a
reader of the history may see that person is the caller's call (web.access)."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from clb.catalogue.models import Item
from clb.members.models import Patron
from clb.network.models import Branch

from .models import ACTIVE_HOLD, Hold, Loan, Transit

MAX_LINES = 200
LABELS = {
    "checkout": _("uitgeleend"),
    "return": _("ingeleverd"),
    "transit": _("op transport gezet"),
    "sent": _("verzonden"),
    "received": _("ontvangen"),
    "hold_captured": _("voor een reservering apart gelegd"),
    "hold_ready": _("op de reserveringsplank"),
}


@dataclass(frozen=True)
class Line:
    at: datetime
    kind: str
    branch: Branch | None
    to_branch: Branch | None = None
    patron: Patron | None = None
    anonymised: bool = False  # a loan whose patron link was removed

    @property
    def label(self) -> str:
        return str(LABELS[self.kind])


@dataclass(frozen=True)
class Whereabouts:
    item: Item
    loan: Loan | None
    transit: Transit | None
    hold: Hold | None  # the hold this copy is captured for


def item_history(item: Item, *, limit: int = MAX_LINES) -> list[Line]:
    """Newest first: checkouts and returns, transits (made, sent, received), holds it served."""
    lines: list[Line] = []
    for loan in (
        Loan.objects.filter(item=item)
        .select_related("branch", "return_branch", "patron")
        .order_by("-checked_out_at")[:limit]
    ):
        gone = loan.patron_id is None
        lines.append(Line(loan.checked_out_at, "checkout", loan.branch, None, loan.patron, gone))
        if loan.returned_at:
            lines.append(Line(loan.returned_at, "return", loan.return_branch, None, None, gone))
    for transit in (
        Transit.objects.filter(item=item)
        .select_related("from_branch", "to_branch")
        .order_by("-created_at")[:limit]
    ):
        route = (transit.from_branch, transit.to_branch)
        lines.append(Line(transit.created_at, "transit", *route))
        if transit.sent_at:
            lines.append(Line(transit.sent_at, "sent", *route))
        if transit.received_at:
            lines.append(Line(transit.received_at, "received", transit.to_branch))
    for hold in Hold.objects.filter(captured_item=item).select_related("pickup_branch")[:limit]:
        active = hold.status in ACTIVE_HOLD
        patron = hold.patron if active else None
        if hold.captured_at:
            lines.append(Line(hold.captured_at, "hold_captured", None, hold.pickup_branch, patron))
        if hold.ready_at:
            lines.append(Line(hold.ready_at, "hold_ready", hold.pickup_branch, None, patron))
    lines.sort(key=lambda line: line.at, reverse=True)
    return lines[:limit]


def whereabouts(item: Item) -> Whereabouts:
    loan = Loan.objects.open().filter(item=item).select_related("branch", "patron").first()
    transit = (
        Transit.objects.filter(item=item, received_at__isnull=True)
        .select_related("from_branch", "to_branch__organisation")
        .first()
    )
    hold = Hold.objects.captured(item).select_related("pickup_branch", "patron").first()
    return Whereabouts(item, loan, transit, hold)
