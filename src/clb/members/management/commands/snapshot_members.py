from datetime import date

from django.core.management.base import BaseCommand, CommandError

from clb.members.services import take_member_snapshot


class Command(BaseCommand):
    help = (
        "Take the anonymous member count (per organisation, municipality and age band) for the "
        "cockpit; run daily or at least on the last day of each half-year."
    )

    def add_arguments(self, parser):
        parser.add_argument("--on", help="day to count (YYYY-MM-DD); default today")

    def handle(self, *args, **options):
        try:
            day = date.fromisoformat(options["on"]) if options["on"] else None
        except ValueError as exc:
            raise CommandError(f"--on: '{options['on']}' is geen datum (JJJJ-MM-DD)") from exc
        total = take_member_snapshot(on=day)
        self.stdout.write(f"ledentelling {day or 'vandaag'}: {total} lidmaatschappen")
