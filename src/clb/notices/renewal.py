"""Auto-renewal: loans renew themselves shortly before their due date where the auto-renew rule
says so, through circulation's one renew (so its rule decides: renewals left, nobody waiting,
card not blocked); the member is told the outcome."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from clb import clock
from clb.circulation import services as circulation
from clb.circulation.errors import CirculationError
from clb.circulation.models import Loan

from .models import Kind, Notice
from .queueing import Draft, _end_of, _group_loans, enqueue
from .rules import NoticeRules


def auto_renew(at=None, rules: NoticeRules | None = None) -> dict:
    at, rules = clock.now(at), rules or NoticeRules()
    today = clock.today(at)
    active = [r for r in rules.auto_renew if r.active]
    if not active:
        return {"renewed": 0, "refused": 0, "notices": 0}
    horizon = max(r.days_before for r in active)
    loans = (
        Loan.objects.open()
        .filter(patron__isnull=False, due_at__gte=at)
        .filter(due_at__lt=_end_of(today + timedelta(days=horizon)))
        .select_related("item", "patron")
        .order_by("id")
    )
    renewed, refused = [], []
    for loan in loans:
        rule = rules.auto_renew_rule(
            loan.organisation_id, loan.patron_category, loan.item.item_type_id
        )
        if rule is None or not rule.active:
            continue
        due_day = timezone.localdate(loan.due_at)
        if (due_day - today).days > rule.days_before:
            continue
        row = {
            "id": loan.pk,
            "patron_id": loan.patron_id,
            "organisation_id": loan.organisation_id,
            "branch_id": loan.branch_id,
        }
        try:
            with transaction.atomic():
                result = circulation.renew(
                    item_barcode=loan.item.barcode, card_number=loan.patron.card_number, at=at
                )
            renewed.append({**row, "due_at": result.due_at})
        except CirculationError as refusal:
            refused.append((loan, due_day, {**row, "due_at": loan.due_at}, str(refusal)))
    drafts = _group_loans(
        renewed, Kind.RENEWED, lambda r: (r["patron_id"], r["organisation_id"], today)
    )
    told = set(
        Notice.objects.filter(
            kind=Kind.NOT_RENEWED,
            key__in=[_refusal_key(loan, day) for loan, day, _r, _m in refused],
        ).values_list("key", flat=True)
    )
    for loan, due_day, row, message in refused:
        key = _refusal_key(loan, due_day)
        if key in told:
            continue
        drafts.append(
            Draft(
                kind=Kind.NOT_RENEWED,
                key=key,
                patron_id=row["patron_id"],
                organisation_id=row["organisation_id"],
                branch_id=row["branch_id"],
                loans=[(loan.pk, loan.due_at)],
                about_day=due_day,
                reason=message,
            )
        )
    return {"renewed": len(renewed), "refused": len(refused), "notices": enqueue(drafts, at)}


def _refusal_key(loan, due_day) -> str:
    return f"{Kind.NOT_RENEWED}:{loan.pk}:{due_day}"
