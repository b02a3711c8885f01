"""Undoing a run: what it created goes, newest first (holds, loans, fees, blocks, members,
copies, titles), each through the room that owns it and only while nothing happened to it since
the run (the state the id map kept). What cannot be undone stays and is listed."""

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from clb.catalogue import services as catalogue
from clb.circulation import intake as circulation
from clb.cockpit import events
from clb.errors import DomainError
from clb.members import intake as members
from clb.members import services as member_services
from clb.members.models import Patron
from clb.network import services as network

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
        if kind == Kind.ITEM:
            kept += _items(run, chosen)
        elif kind == Kind.RECORD:
            kept += _records(run, chosen)
        else:
            for entry in chosen:
                try:
                    with transaction.atomic():
                        _remove(run, entry)
                        entry.delete()
                except DomainError as exc:
                    kept.append(f"{entry.get_kind_display()} {entry.source_id}: {exc}")
    events.remove_source(run.source)
    IdMapEntry.objects.filter(run=run, created=False).delete()
    run.status = RunStatus.PARTLY_UNDONE if kept else RunStatus.UNDONE
    run.undone_at = timezone.now()
    run.undo_report = "\n".join(kept)
    run.save(update_fields=["status", "undone_at", "undo_report"])
    return run


def _remove(run: MigrationRun, entry: IdMapEntry) -> None:
    if entry.kind == Kind.HOLD:
        circulation.remove_hold(entry.target_id, entry.state)
    elif entry.kind == Kind.LOAN:
        circulation.remove_loan(entry.target_id, entry.state)
    elif entry.kind == Kind.FEE:
        members.remove_ledger_lines([entry.target_id])
    elif entry.kind == Kind.BLOCK:
        patron = Patron.objects.filter(pk=entry.target_id).first()
        if patron is not None and patron.blocked and patron.block_reason == entry.state:
            member_services.set_blocked(patron, False)
        elif patron is not None and patron.blocked:
            raise UndoError(f"blokkade van pas {patron.card_number} is sindsdien gewijzigd")
    elif entry.kind == Kind.MEMBERSHIP:
        members.remove_membership(entry.target_id, run.organisation)
    elif entry.kind == Kind.PATRON:
        members.remove_member(entry.target_id, entry.state)
    elif entry.kind == Kind.ISIL:
        try:
            network.withdraw_isil(run.organisation, entry.state)
        except network.IsilError as exc:
            raise UndoError(str(exc)) from exc


def _items(run: MigrationRun, entries: list[IdMapEntry]) -> list[str]:
    """Copies go when no loan, hold or transit names them (the run's own are gone by now) and
    their status is still the one the run left."""
    kept = []
    for start in range(0, len(entries), 2000):
        chunk = entries[start : start + 2000]
        used = circulation.items_in_use([e.target_id for e in chunk])
        free = {e.target_id: e.state for e in chunk if e.target_id not in used}
        with transaction.atomic():
            refused = catalogue.remove_items(run.organisation, free)
            gone = set(free) - set(refused)
            IdMapEntry.objects.filter(pk__in=[e.pk for e in chunk if e.target_id in gone]).delete()
        kept += [f"exemplaar {barcode}: {why}" for barcode, why in refused.values()]
        kept += [f"exemplaar {e.source_id}: sindsdien uitgeleend, gereserveerd of verstuurd"
                 for e in chunk if e.target_id in used]  # fmt: skip
    return kept


def _records(run: MigrationRun, entries: list[IdMapEntry]) -> list[str]:
    """Titles the run created go when no copy and no hold is left on them; merges the run made
    into existing titles are taken out of the merge log."""
    ids = [e.target_id for e in entries]
    held = circulation.records_in_use(ids)
    with transaction.atomic():
        kept = catalogue.remove_records(
            [i for i in ids if i not in held], organisation=run.organisation,
            merged_at=run.started_at,
        )  # fmt: skip
        IdMapEntry.objects.filter(pk__in=[e.pk for e in entries if e.target_id not in kept
                                          and e.target_id not in held]).delete()  # fmt: skip
    return [f"titel {i}: {why}" for i, why in kept.items()] + [
        f"titel {i}: er zijn reserveringen op" for i in held
    ]
