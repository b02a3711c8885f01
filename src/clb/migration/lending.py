"""Open loans and holds, through the circulation rules (circulation.intake). Holds go in per
title in the other system's queue order: ready and in-transit holds first (their copy is set
aside), then the waiting ones by priority; a placement time that would put a hold before one
the other system had ahead of it is moved up to keep the order (and reported)."""

from collections import defaultdict

from django.db import DatabaseError

from clb.catalogue.models import BibRecord, Item
from clb.circulation import intake
from clb.circulation.models import Hold, HoldStatus
from clb.errors import DomainError

from .context import Context, batched
from .models import IdMapEntry, Kind, run_source
from .package import Row, RowProblem, moment, whole
from .report import CREATED, REFUSED, UNCHANGED, UPDATED, WARNING

LOANS, HOLDS = "loans.csv", "holds.csv"
# Koha's reserves.found and FOLIO's request status → CLB hold status
HOLD_STATUS = {
    "": HoldStatus.WAITING, "w": HoldStatus.READY, "t": HoldStatus.IN_TRANSIT,
    "p": HoldStatus.IN_TRANSIT, "waiting": HoldStatus.WAITING, "ready": HoldStatus.READY,
    "in_transit": HoldStatus.IN_TRANSIT, "open - not yet filled": HoldStatus.WAITING,
    "open - awaiting pickup": HoldStatus.READY, "open - in transit": HoldStatus.IN_TRANSIT,
    "open - awaiting delivery": HoldStatus.IN_TRANSIT,
}  # fmt: skip


def _barcode(ctx: Context, row: Row) -> str | None:
    """The copy a row names (by barcode, or by the other system's item number), if it is one
    of the organisation's copies in CLB."""
    barcode = row.get("barcode") or ctx.item_numbers.get(row.get("itemnumber"), "")
    if barcode and barcode not in ctx.items:
        found = Item.objects.filter(barcode=barcode, organisation=ctx.organisation).first()
        if found is not None:
            ctx.items[barcode] = found.pk
    return barcode if barcode in ctx.items else None


@batched
def run_loans(ctx: Context) -> None:
    cache = intake.RuleCache()
    known = ctx.idmap.of(Kind.LOAN)
    rows = list(ctx.package.rows(LOANS))
    pending = []  # (row, source id, LoanIn) for the next batch
    again = []  # (row, source id, id map entry, due, renewals) of loans an earlier run opened
    for i, row in enumerate(rows, start=1):
        ctx.progress("uitleningen", i, len(rows))
        sid = row.get("issue_id") or row.get("barcode")
        if not ctx.once(row, sid, "issue_id" if row.get("issue_id") else "barcode"):
            continue
        try:
            out = moment(row, "issuedate", required=True)
            due = moment(row, "date_due", required=True, end_of_day=True)
            renewals = whole(row, "renewals_count")
        except RowProblem as problem:
            ctx.refused(row, sid, problem.column, problem.reason)
            continue
        entry = known.get(sid)
        if entry is not None:
            again.append((row, sid, entry, due, renewals))
            if len(again) >= ctx.batches.size:
                _loans_again(ctx, again)
                again = []
            continue
        barcode = _barcode(ctx, row)
        if barcode is None:
            ctx.refused(row, sid, "barcode", f"exemplaar {row.get('barcode')} zit niet (of "
                                             "geweigerd) in het pakket en is niet van deze "
                                             "organisatie in CLB")  # fmt: skip
            continue
        card = ctx.patron_card(row, sid)
        if card is None:
            continue
        branch = ctx.branch(row.get("branchcode"))
        if row.get("branchcode") and branch is None:
            ctx.report.add(LOANS, row.number, sid, WARNING,
                           ctx.unknown_branch(row.get("branchcode")) + ": uitgeleend waar het "
                           "exemplaar staat", "branchcode")  # fmt: skip
        pending.append((row, sid, intake.LoanIn(barcode, card, out, due, renewals, branch)))
        if len(pending) >= ctx.batches.size:
            _open(ctx, pending, cache)
            pending = []
    _open(ctx, pending, cache)
    _loans_again(ctx, again)


def _open(ctx: Context, pending: list, cache) -> None:
    """A batch of loans through the circulation rules at once; should the database refuse the
    batch, row by row, so that only the row it refuses is refused."""
    if not pending:
        return
    try:
        with ctx.batches.row(weight=len(pending)):
            results = intake.open_loans([loan for _r, _s, loan in pending],
                                        source=ctx.run.source, at=ctx.at, cache=cache)  # fmt: skip
            for (_row, sid, _loan), taken in zip(pending, results, strict=True):
                if isinstance(taken, intake.Taken):
                    ctx.idmap.add(Kind.LOAN, sid, taken.obj.pk, state=intake.loan_state(taken.obj))
            ctx.idmap.flush()
    except DatabaseError as exc:
        ctx.idmap.pending = []
        if len(pending) > 1:
            for one in pending:
                _open(ctx, [one], cache)
        else:
            row, sid, _loan = pending[0]
            ctx.refused(row, sid, "barcode", f"database weigert de uitlening: {exc}")
        return
    for (row, sid, loan), taken in zip(pending, results, strict=True):
        if isinstance(taken, DomainError):
            ctx.refused(row, sid, _loan_column(taken), str(taken))
            continue
        ctx.report.add(LOANS, row.number, sid, CREATED, f"uitlening {taken.obj.pk} van "
                       f"{loan.item_barcode}, inleveren {loan.due_at.date()}")  # fmt: skip
        for note in taken.notes:
            ctx.report.add(LOANS, row.number, sid, WARNING, note, "renewals_count")


def _loan_column(exc: DomainError) -> str:
    return {"item_barcode": "barcode"}.get(exc.field or "", exc.field or "barcode")


def _loans_again(ctx: Context, rows) -> None:
    """Loans an earlier run opened: the due date and renewals the other system has now, and
    the state the id map keeps."""
    if not rows:
        return
    with ctx.batches.row(weight=len(rows)):
        found = intake.update_loans(
            {entry.target_id: (due, renewals, entry.state, run_source(entry.run_id))
             for _r, _s, entry, due, renewals in rows}, at=ctx.at)  # fmt: skip
        changed = []
        for _row, _sid, entry, _due, _renewals in rows:
            loan = found.get(entry.target_id)
            if not isinstance(loan, str) and loan is not None:
                state = intake.loan_state(loan)
                if state != entry.state:
                    entry.state = state
                    changed.append(entry)
        IdMapEntry.objects.bulk_update(changed, ["state"], batch_size=500)
    updated = {e.pk for e in changed}
    for row, sid, entry, _due, _renewals in rows:
        loan = found.get(entry.target_id)
        if loan is None or isinstance(loan, str):
            ctx.report.add(LOANS, row.number, sid, UNCHANGED, f"uitlening {entry.target_id} "
                           f"niet bijgewerkt: {loan or 'bestaat niet meer'}")  # fmt: skip
        else:
            ctx.report.add(LOANS, row.number, sid, UPDATED if entry.pk in updated else UNCHANGED,
                           f"uitlening {entry.target_id}")  # fmt: skip


# --- holds --------------------------------------------------------------------------------------


@batched
def run_holds(ctx: Context) -> None:
    cache = intake.RuleCache()
    known = ctx.idmap.of(Kind.HOLD)
    queues = defaultdict(list)  # title key → [(order, row, sid, values)]
    ours = set()  # the holds of this package in CLB, placed now or by an earlier run
    for row in ctx.package.rows(HOLDS):
        sid = (
            row.get("reserve_id")
            or f"{row.get('cardnumber')}|{row.get('biblionumber') or row.get('barcode')}"
        )
        if not ctx.once(row, sid, "reserve_id" if row.get("reserve_id") else "cardnumber"):
            continue
        if sid in known:
            ctx.report.add(HOLDS, row.number, sid, UNCHANGED, f"reservering {known[sid].target_id}")
            ours.add(known[sid].target_id)
            continue
        try:
            values = _hold_values(ctx, row)
        except RowProblem as problem:
            ctx.refused(row, sid, problem.column, problem.reason)
            continue
        waiting = values["status"] == HoldStatus.WAITING
        order = (waiting, whole(row, "priority", 10**9) if waiting else 0, values["placed_at"])
        queues[values["title"]].append((order, row, sid, values))
    total, done, waiting = sum(len(q) for q in queues.values()), 0, []
    titles = BibRecord.objects.in_bulk(
        {v["record_id"] for q in queues.values() for _o, _r, _s, v in q if v["record_id"]}
    )
    for queue in queues.values():
        latest = None
        for _order, row, sid, values in sorted(queue, key=lambda q: q[0]):
            done += 1
            ctx.progress("reserveringen", done, total)
            if values["status"] == HoldStatus.WAITING:
                if latest is not None and values["placed_at"] < latest:
                    ctx.report.add(HOLDS, row.number, sid, WARNING,
                                   f"geplaatst op {values['placed_at']:%Y-%m-%d %H:%M} maar eerder "
                                   "in de rij: plaatsingstijd gelijkgezet met de voorganger om de "
                                   "volgorde te bewaren", "reservedate")  # fmt: skip
                    values["placed_at"] = latest
                latest = values["placed_at"]
                waiting.append((row, sid, values, titles.get(values["record_id"])))
                if len(waiting) >= ctx.batches.size:
                    ours |= _queue(ctx, waiting, cache)
                    waiting = []
                continue
            hold = _place(ctx, row, sid, values, titles.get(values["record_id"]), cache)
            if hold is not None:
                ours.add(hold.pk)
    ours |= _queue(ctx, waiting, cache)
    _serve(ctx, ours)


def _queue(ctx: Context, waiting: list, cache) -> set[int]:
    """Waiting holds, in queue order, at once; returns the ids of those placed."""
    cards = [ctx.patron_card(row, sid) for row, sid, _v, _r in waiting]  # None: refused, said
    wanted = [(w, card) for w, card in zip(waiting, cards, strict=True) if card]
    if not wanted:
        return set()
    with ctx.batches.row(weight=len(wanted), savepoint=False):  # one transaction of its own
        results = intake.place_waiting_holds(
            [intake.HoldIn(card, values["pickup"], values["placed_at"], record,
                           values["barcode"] if values["item_level"] else "")
             for (_row, _sid, values, record), card in wanted],
            source=ctx.run.source, at=ctx.at, cache=cache,
        )  # fmt: skip
    placed = set()
    for ((row, sid, _values, _record), _card), taken in zip(wanted, results, strict=True):
        if isinstance(taken, DomainError):
            ctx.report.add(HOLDS, row.number, sid, REFUSED, str(taken), _hold_column(taken))
            continue
        hold = taken.obj
        ctx.idmap.add(Kind.HOLD, sid, hold.pk, state=intake.hold_state(hold))  # with the batch
        ctx.report.add(HOLDS, row.number, sid, CREATED,
                       f"reservering {hold.pk} ({HoldStatus(hold.status).label})")  # fmt: skip
        placed.add(hold.pk)
    return placed


def _hold_column(exc: DomainError) -> str:
    return {"item_barcode": "barcode", "record": "biblionumber", "pickup_branch": "branchcode",
            "card_number": "cardnumber"}.get(exc.field or "", exc.field or "")  # fmt: skip


def _hold_values(ctx: Context, row: Row) -> dict:
    found = row.get("found").casefold()
    if found not in HOLD_STATUS:
        raise RowProblem("found", f"onbekende status '{row.get('found')}'")
    pickup = ctx.branch(row.get("branchcode"))
    if pickup is None:
        raise RowProblem("branchcode", ctx.unknown_branch(row.get("branchcode")))
    barcode = row.get("barcode") or ctx.item_numbers.get(row.get("itemnumber"), "")
    status = HOLD_STATUS[found]
    record_key = row.get("biblionumber")
    item_level = bool(barcode) and status == HoldStatus.WAITING and not record_key
    if barcode and _barcode(ctx, row) is None:
        raise RowProblem("barcode", f"het gereserveerde exemplaar {barcode} is er niet (niet in "
                                    "het pakket of geweigerd)")  # fmt: skip
    record_id = ctx.records.get(record_key) if record_key else None
    if record_key and record_id is None:
        entry = ctx.idmap.get(Kind.RECORD, record_key)
        record_id = entry.target_id if entry else None
    if record_id is None and not barcode:
        raise RowProblem(
            "biblionumber", f"titel {record_key} zit niet (of geweigerd) in het pakket"
        )
    return {
        "status": status,
        "pickup": pickup,
        "barcode": barcode,
        "item_level": item_level,
        "record_id": record_id,
        "title": record_id or f"item:{barcode}",
        "placed_at": moment(row, "reservedate", required=True),
        "ready_at": moment(row, "waitingdate"),
        "expires_at": moment(row, "expirationdate", end_of_day=True),
    }


def _place(ctx: Context, row: Row, sid: str, values: dict, record, cache) -> Hold | None:
    card = ctx.patron_card(row, sid)
    if card is None:
        return None
    captured = values["status"] != HoldStatus.WAITING
    try:
        with ctx.batches.row(savepoint=False):  # place_hold is a transaction of its own
            taken = intake.place_hold(
                card_number=card,
                pickup_branch=values["pickup"],
                placed_at=values["placed_at"],
                record=record,
                item_barcode=values["barcode"] if values["item_level"] else "",
                status=values["status"],
                captured_barcode=values["barcode"] if captured else "",
                ready_at=values["ready_at"],
                expires_at=values["expires_at"] if values["status"] == HoldStatus.READY else None,
                source=ctx.run.source,
                at=ctx.at,
                cache=cache,
            )
    except DomainError as exc:
        ctx.report.add(HOLDS, row.number, sid, REFUSED, str(exc), _hold_column(exc))
        return None
    hold = taken.obj
    ctx.idmap.add(Kind.HOLD, sid, hold.pk, state=intake.hold_state(hold))  # written with the batch
    ctx.report.add(HOLDS, row.number, sid, CREATED,
                   f"reservering {hold.pk} ({HoldStatus(hold.status).label})")  # fmt: skip
    for note in taken.notes:
        ctx.report.add(HOLDS, row.number, sid, WARNING, note, "expirationdate")
    return hold


def _serve(ctx: Context, ours: set[int]) -> None:
    """Waiting holds served from copies that stand free, as placing a hold here does, once
    all are in (so the queue order is the other system's). Only queues of holds nothing
    happened to since the migration placed them; their state in the id map becomes the one
    serving leaves, so undo still knows them (and a run stopped before this is finished by
    the next)."""
    ctx.idmap.flush()
    entries = list(IdMapEntry.objects.filter(organisation=ctx.organisation, kind=Kind.HOLD,
                                             target_id__in=ours))  # fmt: skip
    before = Hold.objects.in_bulk([e.target_id for e in entries])
    untouched = [e for e in entries
                 if e.target_id in before and intake.hold_state(before[e.target_id]) == e.state]  # fmt: skip
    by_record = defaultdict(list)
    for entry in untouched:
        by_record[before[entry.target_id].record_id].append(entry)
    waiting = intake.servable(
        rid for rid, group in by_record.items()
        if any(before[e.target_id].status == HoldStatus.WAITING for e in group)
    )  # fmt: skip
    for rid in waiting:
        with ctx.batches.row():
            intake.serve_waiting([rid], source=ctx.run.source, at=ctx.at)
            after = Hold.objects.in_bulk([e.target_id for e in by_record[rid]])
            changed = []
            for entry in by_record[rid]:
                now = intake.hold_state(after[entry.target_id])
                if now != entry.state:
                    entry.state = now
                    changed.append(entry)
            IdMapEntry.objects.bulk_update(changed, ["state"])
