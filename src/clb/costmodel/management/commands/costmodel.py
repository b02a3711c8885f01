import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clb.costmodel import export, services


class Command(BaseCommand):
    help = (
        "Compute a cost-model scenario for a municipality (or several) and write it as CSV or XLSX."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--municipality",
            action="append",
            required=True,
            help="CBS code GMxxxx; repeat for a group of municipalities",
        )
        parser.add_argument(
            "--scenario", help='JSON file: {"levels": {...}, "parameters": {...}, "budget": …}'
        )
        parser.add_argument(
            "--current", action="store_true", help="start from the levels CLB sees today"
        )
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--output", required=True)

    def handle(self, *args, municipality, scenario, current, format, output, **options):
        spec = {}
        if scenario:
            try:
                spec = json.loads(Path(scenario).read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise CommandError(f"--scenario {scenario}: {exc}") from exc
        try:
            levels = dict(spec.get("levels", {}))
            if current:
                levels = {
                    **services.current_levels(services.resolve_municipalities(municipality)),
                    **levels,
                }
            if "budget" in spec:
                result, left_out = services.fit_budget(
                    municipality, spec["budget"], spec.get("parameters")
                )
                for item in left_out:
                    self.stderr.write(f"past niet binnen het budget: {item}")
            else:
                result = services.compute(municipality, levels, spec.get("parameters"))
        except services.CostModelError as exc:
            raise CommandError(f"{exc.field}: {exc}") from exc
        data = export.to_csv(result).encode("utf-8") if format == "csv" else export.to_xlsx(result)
        Path(output).write_bytes(data)
        self.stdout.write(
            f"€ {result.total} per jaar, € {result.per_inhabitant} per inwoner → {output}"
        )
