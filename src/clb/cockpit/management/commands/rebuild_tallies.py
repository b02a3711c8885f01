from datetime import date

from django.core.management.base import BaseCommand, CommandError

from clb.cockpit.simulation import simulated_organisations
from clb.services import tallies as registration_tallies
from clb.statistics.tallies import rebuild


class Command(BaseCommand):
    help = (
        "Recompute the cockpit's tallies from the raw statistics events and registrations for "
        "the half-years "
        "overlapping --from … --to (after a bulk load; run while no circulation is written)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True)
        parser.add_argument("--to", dest="end", required=True)

    def handle(self, *args, **options):
        try:
            start, end = date.fromisoformat(options["start"]), date.fromisoformat(options["end"])
        except ValueError as exc:
            raise CommandError("--from/--to: gebruik JJJJ-MM-DD") from exc
        rebuild(start, end, keep=simulated_organisations(), progress=self.stdout.write)
        registration_tallies.rebuild(start, end, progress=self.stdout.write)
