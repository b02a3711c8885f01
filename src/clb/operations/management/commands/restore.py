from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from clb.operations import backups, invariants


class Command(BaseCommand):
    help = (
        "Replace the database by a backup made with `clb backup`. Stop `clb serve`, `clb sip2` "
        "and `clb worker` first. The database it replaces is kept as a copy (undo) unless "
        "--no-safety-copy is given; afterwards the invariants are checked."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="backup file written by `clb backup`")
        parser.add_argument("--noinput", action="store_true", help="do not ask for confirmation")
        parser.add_argument(
            "--no-safety-copy",
            action="store_true",
            help="do not keep a copy of the database being replaced",
        )

    def handle(self, *args, source, noinput, no_safety_copy, **options):
        if not noinput:
            answer = input(
                f"Dit vervangt de hele database door {source}. Typ 'ja' om door te gaan: "
            )
            if answer.strip().lower() != "ja":
                raise CommandError("Niet hersteld.")
        try:
            done = backups.restore(Path(source), keep_current=not no_safety_copy)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Hersteld uit {done.path}.")
        if done.safety_copy:
            self.stdout.write(f"De vorige database staat in {done.safety_copy}.")
        self.stdout.write("Voer `clb migrate` uit als de back-up van een oudere versie is.")
        try:
            found = invariants.check()
        except DatabaseError as exc:
            raise CommandError(
                f"Hersteld, maar niet gecontroleerd ({exc}). Voer `clb migrate` en dan "
                "`clb invariants` uit."
            ) from exc
        for violation in found:
            self.stdout.write(str(violation))
        if found:
            raise CommandError(f"Hersteld, maar {len(found)} controles kloppen niet.")
        self.stdout.write(f"Alle {len(invariants.CHECKS)} controles kloppen.")
