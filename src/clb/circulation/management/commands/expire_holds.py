from django.core.management.base import BaseCommand

from clb.circulation import services


class Command(BaseCommand):
    help = "Close holds not collected in time and serve the next in line (run daily)."

    def handle(self, *args, **options):
        for routing in services.expire_holds():
            self.stdout.write(f"{routing.destination.name}: {routing.message}")
