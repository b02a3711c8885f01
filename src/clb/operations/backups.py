"""Back-up and restore of CLB's database, for both engines, while CLB keeps working.

SQLite (the embedded database): SQLite's online backup API copies the database page by page from
one read transaction, so the copy is the database at one moment while loans go on (in WAL mode
readers do not block the writer). The copy is checked (`PRAGMA integrity_check`) and only then
put in place, so a failed backup never leaves a half file under the backup's name.

PostgreSQL: pg_dump in its custom format, which also reads one snapshot while CLB keeps
writing; pg_restore puts it back in one transaction (all or nothing).

A restore first keeps a copy of the database it replaces (undo), unless told not to."""

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db import connections
from django.utils.translation import gettext as _
from psycopg.conninfo import make_conninfo

from clb.errors import DomainError

PAGES_PER_STEP = 1024  # SQLite pages (4 KiB) copied between two looks at the progress


class BackupError(DomainError):
    code = "backup"


@dataclass(frozen=True)
class Done:
    path: Path
    size: int  # bytes
    safety_copy: Path | None = None  # restore only: the database as it was before


def engine(alias: str = "default") -> str:
    return connections[alias].vendor  # "sqlite" or "postgresql"


def backup(
    target: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    pages_per_step: int = PAGES_PER_STEP,
    alias="default",
) -> Done:
    """Write a backup of the database to `target`. `progress(remaining, total)` is called
    between steps of an SQLite copy (pages still to copy, pages in all)."""
    target = Path(target)
    if target.exists():
        raise BackupError(_("%(path)s bestaat al; kies een nieuwe naam.") % {"path": target})
    if not target.parent.is_dir():
        raise BackupError(_("Map %(path)s bestaat niet.") % {"path": target.parent})
    partial = target.with_name(target.name + ".partial")
    try:
        if engine(alias) == "sqlite":
            _sqlite_backup(_sqlite_path(alias), partial, progress, pages_per_step)
        else:
            _pg_dump(alias, partial)
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    return Done(target, target.stat().st_size)


def restore(source: Path, *, keep_current: bool = True, alias="default") -> Done:
    """Replace the database by the backup at `source`. Stop `clb serve`, `clb sip2` and
    `clb worker` first: they would go on with what they had read from the old database."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(_("Back-up %(path)s bestaat niet.") % {"path": source})
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    if engine(alias) == "sqlite":
        live = _sqlite_path(alias)
        _check_sqlite_backup(source)
        safety = None
        if keep_current and live.exists():
            safety = live.with_name(f"{live.name}.voor-herstel-{stamp}")
            _sqlite_backup(live, safety, None)
        _sqlite_copy(source, live)
    else:
        safety = None
        if keep_current:
            safety = source.with_name(f"{source.name}.voor-herstel-{stamp}")
            _pg_dump(alias, safety)
        _pg_restore(alias, source)
    connections[alias].close()  # nothing of the old database stays cached in this process
    return Done(source, source.stat().st_size, safety)


# --- SQLite -------------------------------------------------------------------------------------


def _sqlite_path(alias) -> Path:
    return Path(connections[alias].settings_dict["NAME"])


def _sqlite_backup(live: Path, target: Path, progress, pages_per_step=PAGES_PER_STEP) -> None:
    if not live.exists():
        raise BackupError(_("Database %(path)s bestaat niet.") % {"path": live})
    source = sqlite3.connect(f"file:{live}?mode=ro", uri=True, isolation_level=None)
    copy = sqlite3.connect(target)
    try:
        # One read transaction for the whole copy: every step copies the same moment, however
        # much is written meanwhile (without it SQLite would restart the copy on each write).
        source.execute("BEGIN")
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()

        def step(_status, remaining, total):
            if progress is not None:
                progress(remaining, total)

        source.backup(copy, pages=pages_per_step, progress=step)
        source.execute("COMMIT")
        # A backup is one self-contained file, not a database with a write-ahead log beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        _integrity(copy, target)
    finally:
        source.close()
        copy.close()
    with open(target, "rb+") as written:
        os.fsync(written.fileno())


def _check_sqlite_backup(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            _integrity(db, path)
            if not db.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'django_migrations'"
            ).fetchone():
                raise BackupError(_("%(path)s is geen CLB-database.") % {"path": path})
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            _("%(path)s is geen SQLite-database: %(error)s") % {"path": path, "error": exc}
        ) from exc


def _integrity(db: sqlite3.Connection, path: Path) -> None:
    result = db.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(
            _("%(path)s is beschadigd: %(result)s") % {"path": path, "result": result}
        )


def _sqlite_copy(source: Path, live: Path) -> None:
    """Copy the backup into the live database with the backup API: within one write lock, so a
    process that still reads it sees the old or the new database, never a mix."""
    live.parent.mkdir(parents=True, exist_ok=True)
    backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target = sqlite3.connect(live, timeout=30)
    try:
        backup_db.backup(target)
        target.execute("PRAGMA journal_mode=WAL")  # as clb.settings opens it
        _integrity(target, live)
    finally:
        backup_db.close()
        target.close()


# --- PostgreSQL ---------------------------------------------------------------------------------


def _pg_program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            _("%(program)s ontbreekt; installeer de PostgreSQL-clientprogramma's.")
            % {"program": name}
        )
    return found


# Settings of Django's PostgreSQL backend that are not libpq connection parameters.
DJANGO_OPTIONS = {"isolation_level", "server_side_binding", "pool", "assume_role"}


def _pg_connection(alias) -> tuple[str, dict]:
    """The database as a libpq connection string, with the password in the environment
    (PGPASSWORD) so that it stays out of the process list."""
    db = connections[alias].settings_dict
    params = {k: v for k, v in db.get("OPTIONS", {}).items() if k not in DJANGO_OPTIONS}
    params.update(dbname=db["NAME"], host=db.get("HOST"), port=db.get("PORT"), user=db.get("USER"))
    conninfo = make_conninfo("", **{k: str(v) for k, v in params.items() if v not in (None, "")})
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return conninfo, env


def _run(arguments: list[str], alias) -> None:
    conninfo, env = _pg_connection(alias)
    done = subprocess.run(
        [arguments[0], f"--dbname={conninfo}", *arguments[1:]],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(
            _("%(program)s mislukt: %(error)s")
            % {"program": Path(arguments[0]).name, "error": done.stderr.strip()[-2000:]}
        )


def _pg_dump(alias, target: Path) -> None:
    _run([_pg_program("pg_dump"), "--format=custom", "--no-owner", f"--file={target}"], alias)


def _pg_restore(alias, source: Path) -> None:
    _run(
        [
            _pg_program("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            str(source),
        ],
        alias,
    )
