import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clb import exports
from clb.cockpit.regions import Geography
from clb.cockpit.report import build_report
from clb.cockpit.report_files import FORMATS, write
from clb.errors import DomainError
from clb.statistics.periods import parse


class Command(BaseCommand):
    help = (
        "Half-year report of the covenant indicators for a region and its parts: "
        "clb report --period 2025-H1 --region NL --format pdf --output rapport.pdf"
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="2025-H1, 2025-H2 or 2025")
        parser.add_argument("--region", default="NL", help="NL, PVxx, GMxxxx or ORG:<code>")
        parser.add_argument("--format", choices=sorted(FORMATS), default="pdf")
        parser.add_argument("--output", required=True, help="file to write")
        exports.add_csv_argument(parser)

    def handle(self, *args, **options):
        started = time.perf_counter()

        def progress(message):
            # Progress goes to stderr so stdout stays clean for scripts.
            sys.stderr.write(f"[{time.perf_counter() - started:5.1f} s] {message}\n")
            sys.stderr.flush()

        try:
            period = parse(options["period"])
            geo = Geography()
            region = geo.region(options["region"])
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        progress(f"{region.name}, {period.label}")
        report = build_report(geo, region, period, progress=progress)
        output = Path(options["output"])
        progress(f"{options['format'].upper()} schrijven naar {output}")
        with open(output, "wb") as fh:
            write(report, options["format"], fh, exports.csv_style(options["csv"]))
        status = "definitief" if report.final else "voorlopig"
        self.stdout.write(
            f"{output}: {report.title} ({status}), {output.stat().st_size} bytes, "
            f"{time.perf_counter() - started:.1f} s"
        )
