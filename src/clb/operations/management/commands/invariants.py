from django.core.management.base import BaseCommand, CommandError

from clb.operations import invariants


class Command(BaseCommand):
    help = (
        "Check what must hold in the data (one open loan per copy, item status against loans, "
        "transits and holds, statistics against tallies and actions, the fee ledger). Exits "
        "with status 1 when something does not hold."
    )

    def handle(self, *args, **options):
        found = invariants.check()
        for violation in found:
            self.stdout.write(str(violation))
        if found:
            raise CommandError(f"{len(found)} van {len(invariants.CHECKS)} controles mislukt.")
        self.stdout.write(f"Alle {len(invariants.CHECKS)} controles kloppen.")
