from django.core.management.base import BaseCommand, CommandError

from clb import exports
from clb.cockpit.wsob import delivery
from clb.network.models import Organisation


class Command(BaseCommand):
    help = (
        "The yearly Wsob data delivery of one organisation as CSV "
        "(bezit, kernfuncties, personeel, financieel), from live data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="organisation code")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--output", required=True)
        exports.add_csv_argument(parser)

    def handle(self, *args, **options):
        try:
            organisation = Organisation.objects.get(code=options["organisation"])
        except Organisation.DoesNotExist as exc:
            raise CommandError(
                f"--organisation: onbekende organisatie '{options['organisation']}'"
            ) from exc
        table = delivery(organisation, options["year"])
        with open(options["output"], "w", encoding="utf-8", newline="") as fh:
            fh.write(table.csv(exports.csv_style(options["csv"])))
        self.stdout.write(f"{options['output']}: {len(table.rows)} regels")
