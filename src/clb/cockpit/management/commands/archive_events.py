from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clb.cockpit.simulation import simulated_organisations
from clb.errors import DomainError
from clb.statistics.archive import archive_before


class Command(BaseCommand):
    help = (
        "Archive the raw statistics events of every month before --before (JJJJ-MM): checks that "
        "the tallies hold them, keeps their counts for rebuild-tallies, optionally writes them to "
        "--export DIR (one .csv.gz a month), then drops the month's partition (PostgreSQL) or "
        "deletes its rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="JJJJ-MM: the first month kept")
        parser.add_argument("--export", type=Path, default=None)

    def handle(self, *args, **options):
        try:
            before = date.fromisoformat(options["before"] + "-01")
        except ValueError as exc:
            raise CommandError("--before: gebruik JJJJ-MM") from exc
        try:
            archived = archive_before(
                before,
                keep=simulated_organisations(),
                export_to=options["export"],
                progress=self.stdout.write,
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        total = sum(a.events for a in archived)
        self.stdout.write(f"{len(archived)} maand(en), {total} gebeurtenissen gearchiveerd")
