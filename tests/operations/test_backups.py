"""`clb backup` while loans go on, and the restore drill: the backup is restored with the real
CLI into a fresh place and the invariants are checked on the restored copy."""

import os
import sqlite3
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from clb.circulation import services as circ
from clb.circulation.models import Loan
from clb.errors import DomainError
from clb.operations import backups
from tests.factories import make_item, make_patron

CLB = str(Path(sys.executable).with_name("clb"))
CHILD = date(2014, 6, 1)
SQLITE_ONLY = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the embedded database (runs in the SQLite half)"
)


class Lending:
    """A desk lending and taking back copies in a loop on its own database connection, on the
    real clock, until stopped; counts the actions it committed."""

    def __init__(self, net):
        now = timezone.now()
        self.branch = net.a1
        self.card = make_patron(net.org_a, birth_date=CHILD, at=now).card_number
        self.barcodes = [make_item(net.a1).barcode for _ in range(4)]
        self.committed = 0
        self.changed = threading.Condition()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.errors = []

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(30)
        assert not self.errors

    def _run(self):
        try:
            while not self.stop.is_set():
                for barcode in self.barcodes:
                    circ.checkout(item_barcode=barcode, card_number=self.card, branch=self.branch)
                    self._count()
                for barcode in self.barcodes:
                    circ.checkin(item_barcode=barcode, branch=self.branch)
                    self._count()
        except Exception as exc:  # shown by __exit__
            self.errors.append(exc)
        finally:
            connection.close()

    def _count(self):
        with self.changed:
            self.committed += 1
            self.changed.notify_all()

    def wait_for(self, more: int) -> None:
        with self.changed:
            target = self.committed + more
            assert self.changed.wait_for(lambda: self.committed >= target, timeout=30)


def clb(*arguments, env) -> subprocess.CompletedProcess:
    return subprocess.run([CLB, *arguments], env=env, capture_output=True, text=True, timeout=120)


def sqlite_env(data_dir: Path) -> dict:
    env = dict(os.environ, CLB_DATA_DIR=str(data_dir))
    env.pop("CLB_DATABASE_URL", None)
    return env


def count_in(database: str, table: str) -> int:
    """Rows of a table in another database of the same PostgreSQL server."""
    import psycopg

    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"], dbname=database
    ) as other:
        return other.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def loans_in(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM circulation_loan").fetchone()[0]


@SQLITE_ONLY
@pytest.mark.django_db(transaction=True)
def test_sqlite_backup_while_loans_go_on_and_the_restore_drill(net, tmp_path):
    target = tmp_path / "clb-backup.sqlite3"
    steps = []
    with Lending(net) as desk:
        desk.wait_for(3)

        def progress(remaining, total):
            if not steps:  # in the middle of the copy, the desk lends on
                desk.wait_for(3)
            steps.append(remaining)

        done = backups.backup(target, progress=progress, pages_per_step=16)
        during = len(steps)
        desk.wait_for(3)
    assert during > 2 and steps[-1] == 0
    assert done.size == target.stat().st_size and not target.with_suffix(".partial").exists()
    # The drill: restore with the real CLI into a fresh data folder; it checks the invariants.
    restored = tmp_path / "hersteld"
    drill = clb("restore", str(target), "--noinput", env=sqlite_env(restored))
    assert drill.returncode == 0, drill.stderr
    assert "Alle 9 controles kloppen." in drill.stdout
    copied = loans_in(restored / "clb.sqlite3")
    assert 0 < copied < Loan.objects.count()  # the copy is a moment, and lending went on


@SQLITE_ONLY
@pytest.mark.django_db(transaction=True)
def test_a_restore_keeps_the_database_it_replaces(net, tmp_path, capsys):
    patron = make_patron(net.org_a, birth_date=CHILD, at=timezone.now())
    item = make_item(net.a1)
    before = tmp_path / "voor.sqlite3"
    call_command("backup", str(before))
    circ.checkout(item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1)
    live = Path(connection.settings_dict["NAME"])
    call_command("restore", str(before), noinput=True)
    kept = list(live.parent.glob(f"{live.name}.voor-herstel-*"))
    try:
        assert (
            len(kept) == 1 and f"De vorige database staat in {kept[0]}" in capsys.readouterr().out
        )
        assert Loan.objects.count() == 0  # as it was at the backup
        assert loans_in(kept[0]) == 1  # and the loan is in the copy kept: undo is a restore of it
    finally:
        for path in kept:
            path.unlink()


@SQLITE_ONLY
@pytest.mark.django_db
def test_bad_backups_and_targets_are_refused_with_a_reason(net, tmp_path):
    not_a_database = tmp_path / "boodschappen.txt"
    not_a_database.write_text("brood, kaas\n")
    loans = Loan.objects.count()
    with pytest.raises(CommandError, match="geen SQLite-database"):
        call_command("restore", str(not_a_database), noinput=True)
    with pytest.raises(CommandError, match="bestaat niet"):
        call_command("restore", str(tmp_path / "weg.sqlite3"), noinput=True)
    with pytest.raises(CommandError, match="bestaat al"):
        call_command("backup", str(not_a_database))
    with pytest.raises(DomainError, match="bestaat niet"):
        backups.backup(tmp_path / "nergens" / "x.sqlite3")
    assert Loan.objects.count() == loans and not list(tmp_path.glob("*.partial"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_backup_while_loans_go_on_and_the_restore_drill(net, tmp_path):
    """pg_dump while lending goes on; pg_restore into a new database with the real CLI; the
    invariants checked there."""
    target = tmp_path / "clb.dump"
    with Lending(net) as desk:
        desk.wait_for(3)
        backups.backup(target)
        desk.wait_for(3)
    db = connection.settings_dict
    restored = f"{db['NAME']}_hersteld"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{restored}"')
    try:
        auth = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
        env = dict(
            os.environ,
            CLB_DATABASE_URL=f"postgresql://{auth}@{db['HOST']}:{db['PORT']}/{restored}",
        )
        drill = clb("restore", str(target), "--noinput", "--no-safety-copy", env=env)
        assert drill.returncode == 0, drill.stderr
        assert "Alle 9 controles kloppen." in drill.stdout
        copied = count_in(restored, "circulation_loan")
        assert 0 < copied < Loan.objects.count()  # the dump is a moment, and lending went on
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
