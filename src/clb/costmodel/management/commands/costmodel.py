"""clb costmodel --municipality GM0344 [--scenario FILE.json] --format csv|xlsx --output FILE
clb costmodel --national [--output FILE]"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clb import exports
from clb.costmodel import calibration, export, sensitivity, services
from clb.costmodel.models import Scenario


def dutch(value, decimals: int = 0) -> str:
    """1234567.8 as "1.234.567,8"."""
    return f"{value:,.{decimals}f}".replace(",", "X").replace(".", ",").replace("X", ".")


def euro_m(value) -> str:
    return f"€ {dutch(value / 1_000_000, 1)} mln"


class Command(BaseCommand):
    help = (
        "Compute a cost-model scenario for a municipality, several municipalities, a province or "
        "an organisation's working area, and write it as CSV or XLSX. The scenario file is JSON: "
        '{"levels": {"ido": "basis"}, "parameters": {"uurkosten_personeel": 50}, '
        '"current_subsidy": 250000, "start": "basis"|"ambitie"|"huidig"|"leeg"} or '
        '{"budget": 300000} for the levels that fit a budget. --national runs every municipality '
        '"as now" from the national figures and compares the sum with the real totals of 2022.'
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--municipality",
            action="append",
            default=[],
            help="CBS code GMxxxx; repeat (or separate with commas) for a group",
        )
        parser.add_argument("--organisation", help="organisation code: its working area")
        parser.add_argument("--province", help="CBS code PVxx: every municipality of a province")
        parser.add_argument("--scenario", help="JSON file with levels, parameters, budget …")
        parser.add_argument("--saved", type=int, help="id of a saved scenario")
        parser.add_argument("--national", action="store_true", help="the national calibration")
        parser.add_argument(
            "--now",
            choices=services.NOW_SOURCES,
            help="today's figures from CLB's register or the national estimate (default: the "
            "register where it is complete)",
        )
        parser.add_argument("--model-version", help="model version (default: the one in use)")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--output", help="file to write; '-' for stdout (csv)")
        exports.add_csv_argument(parser)

    def handle(self, *args, **opt):
        if opt["national"]:
            return self._national(opt)
        if not opt["output"]:
            raise CommandError("--output: geef een bestandsnaam, of '-' voor stdout")
        try:
            result, data = self._result(opt)
            tables = export.tables(result, swings=sensitivity.swings(result, data))
        except services.CostModelError as exc:
            raise CommandError(f"{exc.field}: {exc}") from exc
        self._write(opt, tables)
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

    def _write(self, opt, tables):
        if opt["format"] == "csv":
            data = export.to_csv(tables, exports.csv_style(opt["csv"])).encode("utf-8")
        else:
            if opt["output"] == "-":
                raise CommandError("--output: XLSX kan niet naar stdout; geef een bestandsnaam")
            data = export.to_xlsx(tables)
        if opt["output"] == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            return
        try:
            Path(opt["output"]).write_bytes(data)
        except OSError as exc:
            raise CommandError(f"--output {opt['output']}: {exc.strerror}") from exc

    def _national(self, opt):
        try:
            national = calibration.run(version=opt["model_version"])
        except calibration.CalibrationUnavailable as exc:
            raise CommandError(str(exc)) from exc
        if not national.now.municipalities:
            raise CommandError("geen gemeenten geladen: draai eerst clb load-reference")
        say = self.stdout.write
        say(
            f"Kostenmodel {national.model.version}, {national.now.municipalities} gemeenten, "
            f"'zoals nu' uit landelijke cijfers, tegen de werkelijke cijfers van 2022:"
        )
        for c in national.checks:
            mark = "binnen" if c.within else "BUITEN"
            say(
                f"  {str(c.label):<14} model {euro_m(c.model):>16}  werkelijk {euro_m(c.real):>16}  "
                f"{'+' if c.deviation > 0 else ''}{dutch(c.deviation * 100, 1)}%  "
                f"({mark} ±{dutch(c.margin * 100)}%)"
            )
        if national.fte_model is not None:
            say(
                f"  personeel      model {dutch(national.fte_model)} fte, "
                f"werkelijk {dutch(national.fte_real)} fte"
            )
        say(
            "Wsob-basisvoorziening, kosten per inwoner per grootteklasse (mediaan, laagste–hoogste):"
        )
        for r in national.distribution:
            say(
                f"  {r.size_class:<18} {r.count:>4} gemeenten  € {dutch(r.median, 2):>7}  "
                f"(€ {dutch(r.low, 2)} {r.low_name} – € {dutch(r.high, 2)} {r.high_name})"
            )
        if opt["output"]:
            self._write(opt, export.national_tables(national))
            self.stderr.write(f"→ {opt['output']}")
        if not national.within:
            raise CommandError("het model ligt buiten de marge van de landelijke cijfers")

    def _result(self, opt):
        if opt["saved"] is not None:
            scenario = Scenario.objects.filter(pk=opt["saved"]).first()
            if scenario is None:
                raise services.CostModelError("Onbekend scenario.", field="saved")
            result = services.scenario_result(scenario)
            area = services.area_of(scenario)
            return result, services.session(area, version=result.model.version).data
        if not opt["municipality"] and not opt["organisation"] and not opt["province"]:
            raise services.CostModelError(
                "Geef --municipality, --province of --organisation.", field="municipality"
            )
        area = services.resolve_area(opt["municipality"], opt["organisation"], opt["province"])
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
        s = services.session(area, version=opt["model_version"], now=opt["now"])
        result = services.compute_spec(area, spec, s=s)
        if result.fit is not None:
            for step in result.fit.left_out:
                self.stderr.write(
                    f"past niet binnen het budget: {step.block_name}: {step.level_name}"
                )
            if not result.fit.fits:
                self.stderr.write(
                    "zelfs het laagste niveau van elke bouwsteen past niet binnen het budget"
                )
        return result, s.data
