from django.conf import settings
from django.core.management.base import BaseCommand

from clb.circulation import services


class Command(BaseCommand):
    help = "Remove the patron link from loans returned longer ago than the retention period (unless the patron keeps history)."

    def add_arguments(self, parser):
        parser.add_argument("--retention-days", type=int, default=settings.CLB_RETENTION_DAYS)

    def handle(self, *args, retention_days, **options):
        count = services.anonymise(retention_days=retention_days)
        self.stdout.write(
            f"{count} uitleningen geanonimiseerd (bewaartermijn {retention_days} dagen)."
        )
