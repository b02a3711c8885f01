import sys

from django.core.management.base import BaseCommand, CommandError

from clb.catalogue import services
from clb.network.models import Organisation


class Command(BaseCommand):
    help = (
        "Export the catalogue (or the records an organisation holds copies of, with its copies "
        "as 852) as MARCXML or ISO 2709. Importing the export gives the same records."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["marcxml", "iso2709"], default="marcxml")
        parser.add_argument("--organisation")
        parser.add_argument("--output", help="file (default: standard output)")

    def handle(self, *args, format, organisation, output, **options):
        org = None
        if organisation:
            org = Organisation.objects.filter(code=organisation).first()
            if org is None:
                raise CommandError(f"--organisation: onbekende organisatie '{organisation}'")
        out = open(output, "wb") if output else sys.stdout.buffer  # noqa: SIM115 (closed below)
        try:
            report = services.export(out, fmt=format, organisation=org)
        finally:
            if output:
                out.close()
            else:
                out.flush()
        for error in report.errors:
            self.stderr.write(f"niet geëxporteerd: {error}")
        self.stderr.write(f"{report.records} records, {report.copies} exemplaren geëxporteerd")
