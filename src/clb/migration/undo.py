"""Undoing a run: what it created goes, newest first (holds, loans, fees, blocks, members,
copies, titles), each through the room that owns it and only while nothing happened to it since
the run (the state the id map kept). What cannot be undone stays and is listed."""

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from clb.catalogue import services as catalogue
from clb.circulation import intake as circulation
from clb.errors import DomainError
from clb.members import intake as members
from clb.members import services as member_services
from clb.members.models import Patron
from clb.network import services as network
from clb.statistics import events

from .models import IdMapEntry, Kind, MigrationRun, RunStatus

ORDER = (Kind.HOLD, Kind.LOAN, Kind.FEE, Kind.BLOCK, Kind.MEMBERSHIP, Kind.PATRON,
         Kind.MEMBER_KEY, Kind.ITEM, Kind.RECORD, Kind.ISIL)  # fmt: skip


class UndoError(DomainError):
    code = "undo"


def can_undo(run: MigrationRun) -> bool:
    return not run.dry_run and run.status not in (RunStatus.UNDONE, RunStatus.RUNNING)


def what_undo_takes(run: MigrationRun) -> list[tuple[str, int]]:
    """What the run created and undo would take out (if nothing happened to it since)."""
    counts = dict(
        IdMapEntry.objects.filter(run=run, created=True).values_list("kind").annotate(n=Count("id"))
    )
    return [(Kind(kind).label, counts[kind]) for kind in ORDER if counts.get(kind)]


def undo(run: MigrationRun, *, at=None) -> MigrationRun:
    if run.dry_run:
        raise UndoError(f"run {run.pk} was een proefrun: er is niets om ongedaan te maken")
    if not can_undo(run):
        raise UndoError(f"run {run.pk} is {run.get_status_display()}")
    kept: list[str] = []
    entries = IdMapEntry.objects.filter(run=run, created=True)
    for kind in ORDER:
        chosen = list(entries.filter(kind=kind).order_by("-pk"))
        for start in range(0, len(chosen), CHUNK):
            kept += _take_out(run, kind, chosen[start : start + CHUNK])
    events.remove_source(run.source)
    IdMapEntry.objects.filter(run=run, created=False).delete()
    run.status = RunStatus.PARTLY_UNDONE if kept else RunStatus.UNDONE
    run.undone_at = timezone.now()
    run.undo_report = "\n".join(kept)
    run.save(update_fields=["status", "undone_at", "undo_report"])
    return run


CHUNK = 1000


def _take_out(run: MigrationRun, kind: str, chunk: list[IdMapEntry]) -> list[str]:
    """One chunk of one kind, in one transaction, by the room that owns it: the entries of
    what went are deleted, what stays is said."""
    with transaction.atomic():
        kept = REMOVERS[kind](run, {e.target_id: e.state for e in chunk})
        IdMapEntry.objects.filter(pk__in=[e.pk for e in chunk if e.target_id not in kept]).delete()
    label = Kind(kind).label
    return [f"{label} {e.source_id}: {kept[e.target_id]}" for e in chunk if e.target_id in kept]


def _blocks(run, states: dict[int, str]) -> dict[int, str]:
    kept = {}
    for patron in Patron.objects.filter(pk__in=list(states), blocked=True):
        if patron.block_reason == states[patron.pk]:
            member_services.set_blocked(patron, False)
        else:
            kept[patron.pk] = f"blokkade van pas {patron.card_number} is sindsdien gewijzigd"
    return kept


def _isil(run, states: dict[int, str]) -> dict[int, str]:
    kept = {}
    for organisation_id, isil in states.items():
        try:
            network.withdraw_isil(run.organisation, isil)
        except network.IsilError as exc:
            kept[organisation_id] = str(exc)
    return kept


def _items(run: MigrationRun, states: dict[int, str]) -> dict[int, str]:
    """Copies go when no loan, hold or transit names them (the run's own are gone by now) and
    their status is still the one the run left."""
    used = circulation.items_in_use(states)
    refused = catalogue.remove_items(
        run.organisation, {i: s for i, s in states.items() if i not in used}
    )
    kept = {i: f"{barcode}: {why}" for i, (barcode, why) in refused.items()}
    kept.update({i: "sindsdien uitgeleend, gereserveerd of verstuurd" for i in used})
    return kept


def _records(run: MigrationRun, states: dict[int, str]) -> dict[int, str]:
    """Titles the run created go when no copy and no hold is left on them; merges the run made
    into existing titles are taken out of the merge log."""
    held = circulation.records_in_use(states)
    kept = catalogue.remove_records([i for i in states if i not in held],
                                    organisation=run.organisation, merged_at=run.started_at)  # fmt: skip
    kept.update({i: "er zijn reserveringen op" for i in held})
    return kept


# What each kind of row is taken out by: {target id: state the run left} → {id: why it stays}.
REMOVERS = {
    Kind.HOLD: lambda run, states: circulation.remove_holds(states),
    Kind.LOAN: lambda run, states: circulation.remove_loans(states),
    Kind.FEE: lambda run, states: members.remove_ledger_lines(states),
    Kind.BLOCK: _blocks,
    Kind.MEMBERSHIP: lambda run, states: members.remove_memberships(states, run.organisation),
    Kind.PATRON: lambda run, states: members.remove_members(states),
    Kind.MEMBER_KEY: lambda run, states: {},
    Kind.ITEM: _items,
    Kind.RECORD: _records,
    Kind.ISIL: _isil,
}
