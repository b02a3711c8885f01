from django.core.management.base import BaseCommand, CommandError

from clb.cockpit.closing import close_period
from clb.errors import DomainError


class Command(BaseCommand):
    help = "Close a period (2025-H1, 2025): its figures become final and are frozen."

    def add_arguments(self, parser):
        parser.add_argument("period")

    def handle(self, *args, **options):
        try:
            closed = close_period(options["period"], progress=self.stderr.write)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"afgesloten: {', '.join(closed)}")
