from collections import defaultdict

from django.core.management.base import BaseCommand, CommandError

from clb import exports
from clb.catalogue import services
from clb.catalogue.progress import ProgressBar
from clb.network.models import Branch, Organisation

SHOWN_PER_WARNING = 5


class Command(BaseCommand):
    help = (
        "Import MARC 21 records (ISO 2709 in MARC-8 or UTF-8, or MARCXML; gzip accepted) into "
        "the national catalogue: duplicates merge, copies become the organisation's items."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")
        parser.add_argument(
            "--organisation", required=True, help="code of the organisation that owns the copies"
        )
        parser.add_argument("--format", choices=["auto", "iso2709", "marcxml"], default="auto")
        parser.add_argument(
            "--branch",
            help="branch code for copies whose location is not one of the organisation's "
            "branches (or is missing)",
        )
        parser.add_argument(
            "--holdings",
            metavar="CSV",
            help="companion CSV of copies: barcode, branch, call_number, item_type and "
            "control_number or isbn of the record",
        )
        parser.add_argument(
            "--report", metavar="CSV", help="write the per-record errors and warnings here"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check everything, write nothing"
        )
        parser.add_argument(
            "--workers",
            type=int,
            help="processes that read and describe records of a large ISO 2709 file "
            "(default: one per core; 1: none)",
        )
        exports.add_csv_argument(parser)

    def handle(
        self, *args, files, organisation, format, branch, holdings, report, dry_run, workers, **kw
    ):
        self.csv_style = exports.csv_style(kw.get("csv"))
        org = Organisation.objects.filter(code=organisation).first()
        if org is None:
            raise CommandError(f"--organisation: onbekende organisatie '{organisation}'")
        default_branch = None
        if branch:
            default_branch = Branch.objects.filter(code=branch, organisation=org).first()
            if default_branch is None:
                raise CommandError(f"--branch: '{branch}' is geen vestiging van {org.code}")
        bar = ProgressBar("records", self.stderr._out)
        try:
            result = services.import_marc(
                files,
                org,
                fmt=format,
                dry_run=dry_run,
                branch=default_branch,
                holdings_csv=holdings,
                progress=bar,
                workers=workers,
            )
        except services.CatalogueError as exc:
            raise CommandError(f"{exc.field}: {exc}") from exc
        finally:
            bar.close()
        for error in result.errors:
            self.stderr.write(str(error))
        self._warnings(result.warnings)
        if report:
            self._write_report(report, result)
        if result.unchanged:
            self.stderr.write(f"ongewijzigd (al in de catalogus): {result.unchanged}")
        if dry_run:
            self.stderr.write("proefrun: niets geschreven")
        self.stdout.write(result.summary())

    def _warnings(self, warnings) -> None:
        """Grouped by message: a file from another system can warn the same thing a thousand
        times (its locations are not our branches)."""
        groups = defaultdict(list)
        for w in warnings:
            groups[(w.field, w.reason)].append(w)
        for (field, reason), found in groups.items():
            numbers = ", ".join(str(w.number) for w in found[:SHOWN_PER_WARNING])
            more = (
                f" en {len(found) - SHOWN_PER_WARNING} meer"
                if len(found) > SHOWN_PER_WARNING
                else ""
            )
            self.stderr.write(f"waarschuwing: {field}: {reason} (record {numbers}{more})")

    def _write_report(self, path, result) -> None:
        rows = [["kind", "file", "record", "control_number", "field", "reason"]]
        for kind, found in (("error", result.errors), ("warning", result.warnings)):
            rows += [[kind, r.file, r.number, r.control_number, r.field, r.reason] for r in found]
        with open(path, "w", newline="", encoding="utf-8") as fh:
            exports.write_csv(fh, rows, self.csv_style)
