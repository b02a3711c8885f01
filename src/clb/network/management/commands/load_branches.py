from django.core.management.base import BaseCommand, CommandError

from clb.network.branches import import_branches_csv


class Command(BaseCommand):
    help = "Import a CSV list of branches (see clb.network.branches for the columns)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            report = import_branches_csv(file)
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from exc
        for error in report.errors:
            self.stderr.write(error)
        self.stdout.write(report.summary())
