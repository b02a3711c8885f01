import sys

from django.core.management.base import BaseCommand, CommandError

from clb.catalogue import services
from clb.network.models import Organisation


class Command(BaseCommand):
    help = "Import MARC21 records (ISO 2709 or MARCXML, gzip accepted) into the national catalogue."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")
        parser.add_argument(
            "--organisation", required=True, help="code of the organisation that owns the copies"
        )
        parser.add_argument("--format", choices=["auto", "iso2709", "marcxml"], default="auto")
        parser.add_argument(
            "--dry-run", action="store_true", help="check everything, write nothing"
        )

    def handle(self, *args, files, organisation, format, dry_run, **options):
        org = Organisation.objects.filter(code=organisation).first()
        if org is None:
            raise CommandError(f"--organisation: onbekende organisatie '{organisation}'")
        tty = sys.stderr.isatty()

        def progress(n):
            if tty and n % 100 == 0:
                sys.stderr.write(f"\r{n} records gelezen")

        try:
            report = services.import_marc(
                files, org, fmt=format, dry_run=dry_run, progress=progress
            )
        except services.CatalogueError as exc:
            raise CommandError(f"{exc.field}: {exc}") from exc
        except OSError as exc:
            raise CommandError(f"{exc.filename}: {exc.strerror}") from exc
        if tty:
            sys.stderr.write("\n")
        for error in report.errors:
            self.stderr.write(str(error))
        for warning in report.invalid_isbns:
            self.stderr.write(f"waarschuwing: ongeldig ISBN bewaard als tekst: {warning}")
        self.stdout.write(
            report.summary()
            + (f" (ongewijzigd {report.unchanged})" if report.unchanged else "")
            + (" — proefrun, niets geschreven" if dry_run else "")
        )
