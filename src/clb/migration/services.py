"""Moving a library in: `migrate` reads a package (see docs/migration.md), checks every row and
brings in titles and copies, members, blocks, fees, open loans and holds through the services of
the rooms that own them, remembering each row's source id (the id map); `undo` takes out what one
run created, as long as nothing happened to it since.

A dry run does everything in one transaction and rolls it back at the end: its report is exactly
what the real run would do. A real run commits per batch or row, so a run that stops halfway is
simply run again: what came in is found in the id map and not brought in twice."""

import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from clb import clock
from clb.network import services as network
from clb.network.models import Organisation

from . import copies, lending, package, people
from .context import Context, IdMap
from .models import Kind, MigrationRun, RunStatus
from .package import PackageError
from .report import CREATED, Report
from .undo import can_undo, undo, what_undo_takes

__all__ = ["PackageError", "migrate", "undo", "report_folder", "read_progress", "start",
           "packages", "run_in_background", "can_undo", "what_undo_takes"]  # fmt: skip

logger = logging.getLogger(__name__)
STAGES = ("titels", "exemplaarstatus", "leden", "financiën", "uitleningen", "reserveringen",
          "rapport")  # fmt: skip


class _Rehearsal(Exception):
    """Rolls a dry run back."""


def report_folder(run: MigrationRun) -> Path:
    return (
        Path(run.report_dir)
        if run.report_dir
        else settings.DATA_DIR / "migraties" / f"run-{run.pk}"
    )


class ProgressFile:
    """Progress where another process can read it while the run's transaction is open (a dry
    run writes nothing to the database until the end): a small JSON file, replaced whole."""

    def __init__(self, folder: Path, also: Callable[[str, int, int], None] | None = None):
        self.path = folder / "voortgang.json"
        self.also = also
        self.shown: dict[str, tuple[int, int]] = {}
        self.written_at = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.also:
            self.also(stage, done, total)
        begun = stage not in self.shown
        self.shown[stage] = (done, total)
        now = timezone.now().timestamp()
        if not begun and done < total and now - self.written_at < 1.0:
            return  # at most once a second, and when a stage begins or ends
        self.written_at = now
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"stage": stage, "stages": self.shown, "at": now}),
                       encoding="utf-8")  # fmt: skip
        os.replace(tmp, self.path)


def read_progress(run: MigrationRun) -> dict:
    path = report_folder(run) / "voortgang.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"stage": "", "stages": {}}


def packages(organisations) -> list[tuple[Organisation, Path]]:
    """The packages an administrator may start from the admin: the folders in
    CLB_MIGRATION_DIR/<organisation code>/ of these organisations."""
    root = Path(settings.CLB_MIGRATION_DIR)
    found = []
    for org in organisations:
        folder = root / org.code
        if folder.is_dir():
            found += [(org, p) for p in sorted(folder.iterdir()) if p.is_dir()]
    return found


def run_in_background(run: MigrationRun) -> threading.Thread:
    """A run started from the admin works in a thread of the web server, so the page that
    started it can show its progress; the run's record says how it ended. (A large library is
    better moved from a terminal: a server restart stops the thread, and then the run is
    simply started again.)"""

    def work():
        try:
            migrate(run)
        except BaseException:  # recorded on the run by migrate(); nobody else to tell
            logger.exception("migratierun %s gestopt", run.pk)
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=work, name=f"migratie-{run.pk}", daemon=True)
    thread.start()
    return thread


def start(organisation: Organisation, folder, *, dry_run=False, report_dir=None, user=None,
          at=None) -> MigrationRun:  # fmt: skip
    """The run's record, before anything else, so the admin can show it while it works."""
    return MigrationRun.objects.create(
        organisation=organisation,
        package=str(Path(folder).resolve()),
        dry_run=dry_run,
        started_at=clock.now(at),
        started_by=user,
        report_dir=str(Path(report_dir).resolve()) if report_dir else "",
    )


def migrate(run: MigrationRun, *, progress: Callable[[str, int, int], None] | None = None,
            at=None) -> MigrationRun:  # fmt: skip
    """Carry out a run made by start(); returns it with its status, counts and report."""
    at = clock.now(at or run.started_at)
    run.started_at = at  # the run's moment: what it stamps (merges, events) undo looks for
    folder = report_folder(run)
    tell = ProgressFile(folder, progress)
    try:
        found = package.read(run.package)
    except PackageError as exc:
        return _finish(run, RunStatus.FAILED, Report(), folder, str(exc), None, tell)
    branches = run.organisation.branches_by_code()
    ctx = Context(run, run.organisation, found, Report(), at, tell,
                  IdMap(run.organisation, run), branches)  # fmt: skip
    ctx.report.ignored = found.ignored
    try:
        with transaction.atomic() if run.dry_run else _Nothing():
            _home_isil(ctx)
            copies.run(ctx)
            people.run_patrons(ctx)
            people.run_blocks(ctx)
            people.run_fees(ctx)
            lending.run_loans(ctx)
            lending.run_holds(ctx)
            if run.dry_run:
                raise _Rehearsal
    except _Rehearsal:
        pass
    except PackageError as exc:
        return _finish(run, RunStatus.FAILED, ctx.report, folder, str(exc), found, tell)
    except BaseException as exc:  # Ctrl-C too: the run is recorded as stopped, the error goes on
        _finish(run, RunStatus.FAILED, ctx.report, folder, f"{type(exc).__name__}: {exc}", found,
                tell)  # fmt: skip
        raise
    status = RunStatus.REHEARSED if run.dry_run else RunStatus.DONE
    return _finish(run, status, ctx.report, folder, "", found, tell)


def _home_isil(ctx: Context) -> None:
    """The ISIL the package names is the organisation's: given to an organisation that has
    none yet; a package that names another ISIL is of another library and refused whole."""
    wanted, org = ctx.package.mapping.isil, ctx.organisation
    if not wanted:
        return
    if org.isil:
        if org.isil.casefold() != wanted.casefold():
            raise PackageError(f"mapping.toml: [package] isil {wanted} is niet de ISIL van "
                               f"{org.code} ({org.isil}): een pakket van een andere bibliotheek?",
                               field="mapping")  # fmt: skip
        return
    try:
        with transaction.atomic():
            org.isil = network.assign_isil(org, wanted)
            ctx.idmap.add(Kind.ISIL, wanted, org.pk, state=org.isil)
            ctx.idmap.flush()
    except network.IsilError as exc:
        raise PackageError(f"mapping.toml: [package] isil: {exc}", field="mapping") from exc
    ctx.report.add("mapping.toml", ctx.package.mapping.isil_line, wanted, CREATED,
                   f"ISIL {org.isil} vastgelegd voor {org.code}", "isil")  # fmt: skip


class _Nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _finish(run, status, report: Report, folder: Path, message: str, found,
            tell: ProgressFile | None = None) -> MigrationRun:  # fmt: skip
    run.status = status
    run.finished_at = timezone.now()
    run.counts = report.counts_dict()
    run.message = message
    run.report_dir = str(folder)
    tell = tell or ProgressFile(folder)
    tell("rapport", 0, 1)
    report.write(folder, {"run": run, "package": found, "message": message})
    tell("rapport", 1, 1)
    # the rolled-back dry run took the run's row back to where start() left it: save it whole
    run.save()
    return run
