"""Finding what members need to be told, from the state of circulation and members, and putting
it in the queue. Each function is idempotent: what is queued carries a key (and its loans their
due date), so a second run - or a run after days of downtime - queues only what is new, and a
loan passes each overdue level once. Loans due the same day go to a member in one notice."""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from clb import clock
from clb.circulation.models import Hold, HoldStatus, Loan
from clb.members import services as members
from clb.members.models import LedgerKind, LedgerLine, Membership, Patron
from clb.network.models import Branch

from .audience import Audience, message_domain
from .models import Kind, Notice, NoticeLoan, OverdueBlock
from .rules import NoticeRules

CHUNK = 1000
# Charges made without the member at the desk; fees they agreed to there (a hold, a
# subscription) are on their receipt.
FEE_KINDS = [LedgerKind.FINE, LedgerKind.LOST]
# How far back a job looks for events it may have missed while the worker was down.
LOOK_BACK = timedelta(days=3)


@dataclass
class Draft:
    """A notice to be: who, about what, and the key that makes it once-only."""

    kind: str
    key: str
    patron_id: int
    organisation_id: int
    branch_id: int
    loans: list = field(default_factory=list)  # (loan id, due_at)
    level: int = 0
    hold_id: int | None = None
    membership_id: int | None = None
    ledger_line_id: int | None = None
    about_day: object = None
    reason: str = ""


def new_message_id() -> str:
    return f"<clb.{uuid.uuid4().hex}@{message_domain()}>"


def enqueue(drafts: list[Draft], at: datetime) -> int:
    """Queue the drafts (in chunks, one transaction each); returns how many were queued."""
    queued = 0
    for start in range(0, len(drafts), CHUNK):
        chunk = drafts[start : start + CHUNK]
        audience = Audience(d.patron_id for d in chunk)
        notices, links = [], []
        for draft in chunk:
            route = audience.route(draft.patron_id, draft.kind)
            if route is None:
                continue
            channel, address, language = route
            notices.append(
                Notice(
                    patron_id=draft.patron_id,
                    organisation_id=draft.organisation_id,
                    branch_id=draft.branch_id,
                    kind=draft.kind,
                    level=draft.level,
                    channel=channel,
                    key=draft.key,
                    hold_id=draft.hold_id,
                    membership_id=draft.membership_id,
                    ledger_line_id=draft.ledger_line_id,
                    about_day=draft.about_day,
                    reason=draft.reason[:300],
                    language=language,
                    to_address=address,
                    message_id=new_message_id(),
                    next_try_at=at,
                    created_at=at,
                )
            )
            links.append(draft.loans)
        with transaction.atomic():
            Notice.objects.bulk_create(notices)
            NoticeLoan.objects.bulk_create(
                NoticeLoan(notice_id=notice.pk, loan_id=loan_id, due_at=due_at)
                for notice, loans in zip(notices, links, strict=True)
                for loan_id, due_at in loans
            )
        queued += len(notices)
    return queued


def _not_told(kind: str, **match):
    """Loans (the outer query) not yet in a notice of this kind at their present due date."""
    return ~Exists(
        NoticeLoan.objects.filter(
            loan=OuterRef("pk"), due_at=OuterRef("due_at"), notice__kind=kind, **match
        )
    )


def _open_loans():
    return Loan.objects.open().filter(patron__isnull=False)


def _end_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), datetime.min.time()))


def _group_loans(rows, kind: str, key_parts, **extra) -> list[Draft]:
    """One draft per (patron, organisation, …): a digest of the loans in it."""
    groups = defaultdict(list)
    for row in rows:
        groups[key_parts(row)].append(row)
    drafts = []
    for parts, loans in groups.items():
        first = min(loans, key=lambda r: r["id"])
        drafts.append(
            Draft(
                kind=kind,
                key=":".join([kind, *map(str, parts), str(first["id"])]),
                patron_id=first["patron_id"],
                organisation_id=first["organisation_id"],
                branch_id=first["branch_id"],
                loans=[(r["id"], r["due_at"]) for r in sorted(loans, key=lambda r: r["id"])],
                about_day=timezone.localdate(first["due_at"]),
                **extra,
            )
        )
    return drafts


LOAN_FIELDS = ("id", "patron_id", "organisation_id", "branch_id", "due_at", "patron_category")


def queue_pre_due(at=None, rules: NoticeRules | None = None) -> int:
    """Loans due within their organisation's pre-due days, not yet told at this due date."""
    at, rules = clock.now(at), rules or NoticeRules()
    today = clock.today(at)
    horizon = max(
        [p.pre_due_days for p in rules.policies.values()] + [rules.policy(None).pre_due_days]
    )
    if horizon == 0:
        return 0
    rows = [
        row
        for row in _open_loans()
        .filter(due_at__gte=at, due_at__lt=_end_of(today + timedelta(days=horizon)))
        .filter(_not_told(Kind.PRE_DUE))
        .values(*LOAN_FIELDS)
        if (timezone.localdate(row["due_at"]) - today).days
        <= rules.policy(row["organisation_id"]).pre_due_days
    ]  # fmt: skip
    drafts = _group_loans(
        rows,
        Kind.PRE_DUE,
        lambda r: (r["patron_id"], r["organisation_id"], timezone.localdate(r["due_at"])),
    )
    return enqueue(drafts, at)


def queue_overdue(at=None, rules: NoticeRules | None = None) -> int:
    """Each overdue loan at the highest level it has reached and not yet been told (a level
    missed while the worker was down is not sent late: the higher one is). A level that blocks
    the card blocks it."""
    at, rules = clock.now(at), rules or NoticeRules()
    today = clock.today(at)
    told_level = Subquery(
        NoticeLoan.objects.filter(
            loan=OuterRef("pk"), due_at=OuterRef("due_at"), notice__kind=Kind.OVERDUE
        )
        .order_by("-notice__level")
        .values("notice__level")[:1]
    )
    rows = []
    for row in (
        _open_loans()
        .filter(due_at__lt=_end_of(today - timedelta(days=1)))
        .annotate(told=told_level)
        .values(*LOAN_FIELDS, "told")
    ):
        reached = rules.level_reached(
            row["organisation_id"], (today - timezone.localdate(row["due_at"])).days
        )
        if reached and reached.level > (row["told"] or 0):
            rows.append({**row, "level": reached.level})
    drafts = []
    by_level = defaultdict(list)
    for row in rows:
        by_level[row["level"]].append(row)
    for level, level_rows in by_level.items():
        drafts += _group_loans(
            level_rows, Kind.OVERDUE, lambda r: (r["patron_id"], r["organisation_id"], r["level"]), level=level
        )  # fmt: skip
    queued = enqueue(drafts, at)
    for draft in drafts:
        if rules.level_blocks(draft.organisation_id, draft.level):
            _block(draft.patron_id, draft.level, at)
    return queued


def _block(patron_id: int, level: int, at) -> None:
    if OverdueBlock.objects.filter(patron_id=patron_id, lifted_at__isnull=True).exists():
        return
    patron = Patron.objects.get(pk=patron_id)
    if patron.blocked:  # blocked by staff already: theirs to lift
        return
    reason = _("Te laat ingeleverde materialen (aanmaning %(level)s)") % {"level": level}
    with transaction.atomic():
        members.set_blocked(patron, True, reason)
        OverdueBlock.objects.create(patron=patron, reason=reason, placed_at=at)


def lift_overdue_blocks(at=None, rules: NoticeRules | None = None) -> int:
    """Lift the blocks an overdue level placed once no loan is at a blocking level any more
    (returned, or renewed by staff). A block whose reason staff changed stays."""
    at, rules = clock.now(at), rules or NoticeRules()
    today = clock.today(at)
    lifted = 0
    for block in OverdueBlock.objects.filter(lifted_at__isnull=True).select_related("patron"):
        still = False
        for loan in _open_loans().filter(patron=block.patron, due_at__lt=at).values(*LOAN_FIELDS):
            days = (today - timezone.localdate(loan["due_at"])).days
            level = rules.level_reached(loan["organisation_id"], days)
            if level and rules.level_blocks(loan["organisation_id"], level.level):
                still = True
                break
        if still:
            continue
        with transaction.atomic():
            patron = Patron.objects.select_for_update().get(pk=block.patron_id)
            if patron.blocked and patron.block_reason == block.reason:
                members.set_blocked(patron, False)
            block.lifted_at = at
            block.save(update_fields=["lifted_at"])
        lifted += 1
    return lifted


def queue_hold_notices(at=None) -> int:
    """Holds on the shelf not yet told, and holds that expired lately not yet told."""
    at = clock.now(at)
    told = Notice.objects.filter(hold=OuterRef("pk"))
    drafts = []
    ready = Hold.objects.filter(status=HoldStatus.READY).filter(
        ~Exists(told.filter(kind=Kind.HOLD_READY))
    )
    expired = Hold.objects.filter(status=HoldStatus.EXPIRED, closed_at__gte=at - LOOK_BACK).filter(
        ~Exists(told.filter(kind=Kind.HOLD_EXPIRED))
    )  # fmt: skip
    for kind, holds in ((Kind.HOLD_READY, ready), (Kind.HOLD_EXPIRED, expired)):
        for hold in holds.values(
            "id", "patron_id", "pickup_branch_id", "pickup_branch__organisation_id"
        ):
            drafts.append(
                Draft(
                    kind=kind,
                    key=f"{kind}:{hold['id']}",
                    patron_id=hold["patron_id"],
                    organisation_id=hold["pickup_branch__organisation_id"],
                    branch_id=hold["pickup_branch_id"],
                    hold_id=hold["id"],
                )
            )
    return enqueue(drafts, at)


def _first_branches(organisation_ids) -> dict:
    first = {}
    for org_id, branch_id in (
        Branch.objects.filter(organisation_id__in=set(organisation_ids))
        .order_by("organisation_id", "id")
        .values_list("organisation_id", "id")
    ):
        first.setdefault(org_id, branch_id)
    return first


def queue_membership_ending(at=None, rules: NoticeRules | None = None) -> int:
    at, rules = clock.now(at), rules or NoticeRules()
    today = clock.today(at)
    horizon = max(
        [p.membership_ending_days for p in rules.policies.values()]
        + [rules.policy(None).membership_ending_days]
    )
    told = Notice.objects.filter(
        kind=Kind.MEMBERSHIP_ENDING, membership=OuterRef("pk"), about_day=OuterRef("expires_on")
    )  # fmt: skip
    rows = [
        m
        for m in Membership.objects.filter(
            expires_on__gte=today, expires_on__lte=today + timedelta(days=horizon)
        )
        .filter(~Exists(told))
        .values("id", "patron_id", "organisation_id", "expires_on")
        if (m["expires_on"] - today).days <= rules.policy(m["organisation_id"]).membership_ending_days
    ]  # fmt: skip
    branches = _first_branches(m["organisation_id"] for m in rows)
    drafts = [
        Draft(
            kind=Kind.MEMBERSHIP_ENDING,
            key=f"{Kind.MEMBERSHIP_ENDING}:{m['id']}:{m['expires_on']}",
            patron_id=m["patron_id"],
            organisation_id=m["organisation_id"],
            branch_id=branches[m["organisation_id"]],
            membership_id=m["id"],
            about_day=m["expires_on"],
        )
        for m in rows
        if m["organisation_id"] in branches
    ]
    return enqueue(drafts, at)


def queue_fees(at=None) -> int:
    """Charges made lately (fines, replacements, hold fees, subscriptions) not yet told."""
    at = clock.now(at)
    told = Notice.objects.filter(kind=Kind.FEE_CHARGED, ledger_line=OuterRef("pk"))
    rows = list(
        LedgerLine.objects.filter(kind__in=FEE_KINDS, created_at__gte=at - LOOK_BACK, created_at__lte=at)
        .filter(~Exists(told))
        .values("id", "patron_id", "organisation_id")
    )  # fmt: skip
    branches = _first_branches(r["organisation_id"] for r in rows)
    drafts = [
        Draft(
            kind=Kind.FEE_CHARGED,
            key=f"{Kind.FEE_CHARGED}:{r['id']}",
            patron_id=r["patron_id"],
            organisation_id=r["organisation_id"],
            branch_id=branches[r["organisation_id"]],
            ledger_line_id=r["id"],
        )
        for r in rows
        if r["organisation_id"] in branches
    ]
    return enqueue(drafts, at)
