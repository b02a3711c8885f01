from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from clb.catalogue.progress import ProgressBar
from clb.migration import services
from clb.migration.models import MigrationRun
from clb.migration.report import OUTCOMES
from clb.migration.undo import UndoError
from clb.network.models import Organisation


class Command(BaseCommand):
    help = (
        "Move a library in from another system: a migration package (MARC + patrons, items, "
        "loans, holds, fees and blocks as CSV, see docs/migration.md). Rehearse with --dry-run; "
        "run again to bring in what changed; --undo RUN_ID takes a run out again."
    )

    def add_arguments(self, parser):
        parser.add_argument("package", nargs="?", help="the package folder")
        parser.add_argument("--organisation", help="code or ISIL of the organisation moving in")
        parser.add_argument("--dry-run", action="store_true",
                            help="check everything and report, write nothing")  # fmt: skip
        parser.add_argument("--report", metavar="DIR",
                            help="folder for the report (default: the data folder's migraties/)")  # fmt: skip
        parser.add_argument("--undo", metavar="RUN_ID", type=int,
                            help="take out what run RUN_ID created")  # fmt: skip

    def handle(self, *args, package, organisation, dry_run, report, undo, **options):
        if undo is not None:
            return self._undo(undo)
        if not package or not organisation:
            raise CommandError("geef een pakketmap en --organisation (of --undo RUN_ID)")
        org = Organisation.objects.filter(
            Q(code=organisation) | Q(isil__iexact=organisation)
        ).first()
        if org is None:
            raise CommandError(
                f"--organisation: geen organisatie met code of ISIL '{organisation}'"
            )
        run = services.start(org, package, dry_run=dry_run, report_dir=report)
        bars: dict[str, ProgressBar] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in bars:
                for bar in bars.values():
                    bar.close()
                bars.clear()
                bars[stage] = ProgressBar(stage, self.stderr._out)
            bars[stage](done, total)

        try:
            run = services.migrate(run, progress=progress)
        finally:
            for bar in bars.values():
                bar.close()
        if run.status == "failed":
            raise CommandError(f"run {run.pk}: {run.message}")
        self._summary(run)

    def _summary(self, run: MigrationRun) -> None:
        what = "proefrun (niets geschreven)" if run.dry_run else "migratie"
        self.stdout.write(
            f"{what} {run.pk} van {run.organisation.code}: rapport in {run.report_dir}"
        )
        for file, counts in run.counts.items():
            parts = ", ".join(f"{o} {counts[o]}" for o in OUTCOMES if counts.get(o))
            self.stdout.write(f"  {file}: {parts}")
        if not run.dry_run:
            self.stdout.write(f"ongedaan maken: clb migrate-library --undo {run.pk}")

    def _undo(self, run_id: int) -> None:
        run = MigrationRun.objects.filter(pk=run_id).first()
        if run is None:
            raise CommandError(f"--undo: geen run {run_id}")
        try:
            run = services.undo(run)
        except UndoError as exc:
            raise CommandError(f"--undo: {exc}") from exc
        self.stdout.write(f"run {run.pk}: {run.get_status_display()}")
        for line in run.undo_report.splitlines():
            self.stderr.write(f"blijft: {line}")
