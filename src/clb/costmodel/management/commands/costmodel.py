"""clb costmodel --municipality GM0344 [--scenario FILE.json] --format csv|xlsx --output FILE"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clb import exports
from clb.costmodel import export, services
from clb.costmodel.models import Scenario


class Command(BaseCommand):
    help = (
        "Compute a cost-model scenario for a municipality, several municipalities or an "
        "organisation's working area, and write it as CSV or XLSX. The scenario file is JSON: "
        '{"levels": {"ido": "basis"}, "parameters": {"uurkosten_personeel": 50}, '
        '"current_subsidy": 250000, "start": "huidig"|"leeg"} or {"budget": 300000} for the '
        "levels that fit a budget."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--municipality",
            action="append",
            default=[],
            help="CBS code GMxxxx; repeat (or separate with commas) for a group",
        )
        parser.add_argument("--organisation", help="organisation code: its working area")
        parser.add_argument("--scenario", help="JSON file with levels, parameters, budget …")
        parser.add_argument("--saved", type=int, help="id of a saved scenario")
        parser.add_argument("--model-version", help="model version (default: the one in use)")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--output", required=True, help="file to write; '-' for stdout (csv)")
        exports.add_csv_argument(parser)

    def handle(self, *args, **opt):
        try:
            result = self._result(opt)
        except services.CostModelError as exc:
            raise CommandError(f"{exc.field}: {exc}") from exc
        if opt["format"] == "csv":
            data = export.to_csv(result, exports.csv_style(opt["csv"])).encode("utf-8")
        else:
            if opt["output"] == "-":
                raise CommandError("--output: XLSX kan niet naar stdout; geef een bestandsnaam")
            data = export.to_xlsx(result)
        if opt["output"] == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            try:
                Path(opt["output"]).write_bytes(data)
            except OSError as exc:
                raise CommandError(f"--output {opt['output']}: {exc.strerror}") from exc
        # On stderr, so that '--output -' gives clean CSV.
        for remark in export.remarks_of(result):
            self.stderr.write(f"Let op: {remark}")
        needed = (
            f"€ {result.net} (€ {result.net_per_inhabitant} per inwoner)"
            if result.net_is_answer
            else "niet te bepalen"
        )
        self.stderr.write(
            f"{result.area.name}: kosten € {result.total_cost} per jaar, subsidie nodig "
            f"{needed} → {opt['output']}"
        )

    def _result(self, opt):
        if opt["saved"] is not None:
            scenario = Scenario.objects.filter(pk=opt["saved"]).first()
            if scenario is None:
                raise services.CostModelError("Onbekend scenario.", field="saved")
            return services.scenario_result(scenario)
        if not opt["municipality"] and not opt["organisation"]:
            raise services.CostModelError(
                "Geef --municipality of --organisation.", field="municipality"
            )
        area = services.resolve_area(opt["municipality"], opt["organisation"])
        raw = {}
        if opt["scenario"]:
            try:
                raw = json.loads(Path(opt["scenario"]).read_text(encoding="utf-8"))
            except OSError as exc:
                raise CommandError(f"--scenario {opt['scenario']}: {exc.strerror}") from exc
            except json.JSONDecodeError as exc:
                raise CommandError(
                    f"--scenario {opt['scenario']}: geen geldige JSON (regel {exc.lineno}: {exc.msg})"
                ) from exc
        spec = services.read_spec(raw)
        result = services.compute_spec(area, spec, version=opt["model_version"])
        if result.fit is not None:
            for step in result.fit.left_out:
                self.stderr.write(
                    f"past niet binnen het budget: {step.block_name}: {step.level_name}"
                )
            if not result.fit.fits:
                self.stderr.write(
                    "zelfs het laagste niveau van elke bouwsteen past niet binnen het budget"
                )
        return result
