import sys
import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clb import exports
from clb.cockpit import accessibility, register
from clb.cockpit.regions import Geography
from clb.network.models import BranchKind

# The analysis names the field in its errors; the command names the option a person typed.
OPTIONS = {
    "max_km": "--max-km",
    "point": "--open",
    "kind": "--open-kind",
    "closed_branch_codes": "--close",
}


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date: '{value}' is geen datum (JJJJ-MM-DD)") from exc


class Command(BaseCommand):
    help = (
        "Accessibility per municipality: the share of inhabitants farther than N km (straight "
        "line) from the nearest open vestiging and from any library location, and the mean "
        "distance, as CSV. With --open/--close: what if a branch opens or closes. "
        "clb accessibility --max-km 5 --output bereikbaarheid.csv"
    )

    def add_arguments(self, parser):
        parser.add_argument("--max-km", type=float, default=accessibility.DEFAULT_MAX_KM)
        parser.add_argument("--output", required=True, help="CSV file to write ('-' for stdout)")
        parser.add_argument("--date", type=_day, help="reference date (default: today)")
        exports.add_csv_argument(parser)
        parser.add_argument(
            "--open",
            action="append",
            default=[],
            metavar="POINT",
            help="what if a branch opens here: 'lat,lon' (WGS84) or 'x y' (RD New); repeatable",
        )
        parser.add_argument(
            "--open-kind",
            default=BranchKind.VESTIGING,
            choices=BranchKind.values,
            help="kind of the opened branches (only a vestiging counts as one)",
        )
        parser.add_argument(
            "--close", action="append", default=[], metavar="CODE", help="branch code; repeatable"
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        closed = [c for text in options["close"] for c in accessibility.split_codes(text)]
        try:
            opened = [
                accessibility.parse_point(point, kind=options["open_kind"])
                for point in options["open"]
            ]
            if opened or closed:
                comparison = accessibility.what_if(
                    options["max_km"], options["date"], opened, closed
                )
                analysis, changes = comparison.after, comparison.changes
            else:
                comparison = None
                analysis = accessibility.analyse(options["max_km"], options["date"])
                changes = None
        except accessibility.AccessibilityError as exc:
            option = OPTIONS.get(exc.field, exc.field)
            raise CommandError(f"{option}: {exc}" if option else str(exc)) from exc
        rows = analysis.rows
        style = exports.csv_style(options["csv"])
        if options["output"] == "-":
            accessibility.write_csv(sys.stdout, rows, changes, style)
        else:
            output = Path(options["output"])
            with open(output, "w", encoding="utf-8", newline="") as fh:
                accessibility.write_csv(fh, rows, changes, style)
        # The summary goes to stderr so that '--output -' gives clean CSV.
        say = sys.stderr.write
        total = analysis.total()
        branches = analysis.branches
        say(
            f"Peildatum {analysis.day}, hemelsbrede afstand, drempel {analysis.max_km:g} km. "
            f"Locaties: {len(branches.location_xy)} (waarvan {len(branches.vestiging_xy)} "
            f"vestigingen; echt {branches.real}, demo {branches.demo}, "
            f"zonder coördinaten {len(branches.without_coordinates)}).\n"
        )
        say(
            f"Nederland: {_pct(total.share_beyond_vestiging_pct)} van de inwoners verder dan "
            f"{analysis.max_km:g} km van een vestiging, {_pct(total.share_beyond_location_pct)} "
            f"van elke bibliotheeklocatie; {len(accessibility.over_threshold(rows))} gemeenten "
            "boven de drempel.\n"
        )
        geo = Geography()
        today = comparison.before if comparison is not None else analysis
        nl = register.RegisterCheck(geo, analysis.day, today).of(geo.region("NL"))
        say(f"{nl.sentence} {nl.basis}\n")
        if total.cbs_road_km is not None:
            say(
                f"CBS: gemiddeld {total.cbs_road_km:.1f} km over de weg ({total.cbs_year}); "
                f"CLB: {_km(total.mean_km_location)} hemelsbreed tot een bibliotheeklocatie.\n"
            )
        for place in analysis.population.fallbacks:
            say(f"Let op: {place.name} ({place.code}) heeft geen PC4-punt; {place.located_by}.\n")
        if changes is not None:
            say(f"Wat-als: {len(changes)} gemeenten veranderen.\n")
        say(f"{len(rows)} gemeenten in {time.perf_counter() - started:.2f} s.\n")


def _km(value) -> str:
    return "–" if value is None else f"{value:.1f} km"


def _pct(value) -> str:
    return "–" if value is None else f"{value:.1f} %"
