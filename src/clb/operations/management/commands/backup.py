from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clb.operations import backups


class Command(BaseCommand):
    help = (
        "Write a backup of the database while CLB keeps running: SQLite through its online "
        "backup API (one file), PostgreSQL through pg_dump (custom format). Restore with "
        "`clb restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument("target", help="file to write; must not exist yet")

    def handle(self, *args, target, **options):
        shown = [-1]

        def progress(remaining, total):
            percent = 100 * (total - remaining) // max(total, 1)
            if percent // 10 != shown[0] // 10:
                shown[0] = percent
                self.stderr.write(f"  {percent}%")

        try:
            done = backups.backup(Path(target), progress=progress)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Back-up geschreven: {done.path} ({done.size / 1e6:.1f} MB, {backups.engine()})."
        )
