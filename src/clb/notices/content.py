"""What a notice says now: its context built from the current state, or None when it stopped
being true (the item came back, the loan was renewed, the hold was collected, the membership
renewed). A digest keeps the loans that still hold and drops the rest."""

from django.db.models import Prefetch
from django.utils import translation

from clb import formatting
from clb.circulation.models import HoldStatus

from .models import Kind, Notice, NoticeLoan
from .rules import NoticeRules

# Kinds about loans whose news is void once the loan is returned or its due date moved.
LOAN_STATE_KINDS = {Kind.PRE_DUE, Kind.OVERDUE, Kind.NOT_RENEWED}
LOAN_KINDS = LOAN_STATE_KINDS | {Kind.RENEWED}


def with_content(notices):
    """The notices with all that context_for reads, in a fixed number of queries however many
    there are: related rows joined, the loans of all digests in one query, and of a title only
    what a notice shows (not its MARC record)."""
    links = NoticeLoan.objects.select_related("loan__item__record").only(
        "notice_id", "due_at", "loan__due_at", "loan__returned_at",
        "loan__item__barcode", "loan__item__record__title", "loan__item__record__authors",
    )  # fmt: skip
    return (
        notices.select_related(
            "patron",
            "organisation",
            "hold__record",
            "hold__pickup_branch",
            "membership__subscription_type",
            "ledger_line",
        )  # fmt: skip
        .defer("hold__record__raw_marc")
        .prefetch_related(Prefetch("loan_links", queryset=links))
    )


def _item(loan, due_at) -> dict:
    record = loan.item.record
    return {
        "title": record.title,
        "author": (record.authors or [""])[0],
        "barcode": loan.item.barcode,
        "due": formatting.day(due_at),
    }


def _loans_still_true(notice: Notice) -> list[tuple]:
    links = sorted(notice.loan_links.all(), key=lambda link: (link.loan.due_at, link.pk))
    if notice.kind not in LOAN_STATE_KINDS:
        return [(link.loan, link.due_at) for link in links]
    return [
        (link.loan, link.due_at)
        for link in links
        if link.loan.returned_at is None and link.loan.due_at == link.due_at
    ]


def _hold(hold) -> dict:
    record = hold.record
    return {
        "title": record.title,
        "author": (record.authors or [""])[0],
        "pickup": hold.pickup_branch.name,
        "last_day": formatting.day(hold.expires_at),
    }


def context_for(notice: Notice, rules=None) -> dict | None:
    patron = notice.patron
    with translation.override(notice.language):
        context = {
            "member": {"first_name": patron.first_name, "name": f"{patron.first_name} {patron.last_name}"},
            "library": notice.organisation.name,
            "level": notice.level,
            "reason": notice.reason,
            "blocks": False,
            "items": [],
            "due": formatting.day(notice.about_day),
        }  # fmt: skip
        if notice.kind in LOAN_KINDS:
            loans = _loans_still_true(notice)
            if not loans:
                return None
            context["items"] = [_item(loan, due_at) for loan, due_at in loans]
            if notice.kind == Kind.OVERDUE:
                rules = rules or NoticeRules()
                context["blocks"] = rules.level_blocks(notice.organisation_id, notice.level)
        elif notice.kind in (Kind.HOLD_READY, Kind.HOLD_EXPIRED):
            hold = notice.hold
            if hold is None:
                return None
            if notice.kind == Kind.HOLD_READY and hold.status != HoldStatus.READY:
                return None
            context["hold"] = _hold(hold)
        elif notice.kind == Kind.MEMBERSHIP_ENDING:
            membership = notice.membership
            if membership is None or membership.expires_on != notice.about_day:
                return None
            context["membership"] = {
                "name": membership.subscription_type.name,
                "ends": formatting.day(membership.expires_on),
            }
        elif notice.kind == Kind.FEE_CHARGED:
            line = notice.ledger_line
            if line is None:
                return None
            context["fee"] = {
                "amount": formatting.money(line.amount),
                "description": line.description or line.get_kind_display(),
            }
    return context
