from django.core.management.base import BaseCommand

from clb import clock
from clb.statistics import partitions


class Command(BaseCommand):
    help = (
        "PostgreSQL: create the monthly partitions of the statistics events for this month and "
        "--ahead months after it, and move months waiting in the DEFAULT partition into their "
        "own (the worker does this daily). Lists the partitions."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ahead", type=int, default=partitions.AHEAD)

    def handle(self, *args, **options):
        if not partitions.partitioned():
            self.stdout.write("SQLite: de gebeurtenissen staan in één tabel, zonder partities")
            return
        for name in partitions.ensure(clock.today(), options["ahead"]):
            self.stdout.write(f"aangemaakt: {name}")
        for p in partitions.partitions():
            span = "DEFAULT" if p.is_default else f"{p.start:%Y-%m} tot {p.end:%Y-%m}"
            self.stdout.write(f"{p.name}: {span}")
