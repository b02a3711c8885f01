from django.core.management.base import BaseCommand

from clb import demo
from clb.cockpit import simulation


class Command(BaseCommand):
    help = "Load demo organisations, members, catalogue and a year of circulation (after load-reference)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when members or items exist"
        )
        parser.add_argument("--members-per-organisation", type=int, default=80)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--national",
            action="store_true",
            help="also a simulated anonymous year of statistics for every other organisation "
            "of the network, labelled 'gesimuleerd' (replaces an earlier one)",
        )
        parser.add_argument(
            "--remove-national",
            action="store_true",
            help="only remove the simulated statistics of --national again",
        )

    def handle(self, *args, if_empty, members_per_organisation, days, seed, **options):
        if options["remove_national"]:
            n = simulation.remove()
            self.stdout.write(f"Gesimuleerde statistiek van {n} organisaties verwijderd.")
            return
        if if_empty and not demo.is_empty():
            self.stdout.write("De database bevat al gegevens; demodata overgeslagen.")
        else:
            self._demo(members_per_organisation, days, seed)
        if options["national"]:
            demo.load_national(seed=seed, progress=self.stdout.write)

    def _demo(self, members_per_organisation, days, seed):
        summary = demo.load_demo(
            seed=seed,
            members_per_org=members_per_organisation,
            days=days,
            progress=self.stdout.write,
        )
        self.stdout.write(
            f"Demo: {summary.organisations} organisaties, {summary.branches} vestigingen, "
            f"{summary.records} titels, {summary.items} exemplaren, {summary.patrons} leden, "
            f"{summary.loans} uitleningen in {days} dagen."
        )
        self.stdout.write("Demo-inloggegevens (gebruiker / wachtwoord — rol):")
        for username, password, role in summary.logins:
            self.stdout.write(f"  {username} / {password} — {role}")
        self.stdout.write(f"Leden: elk demolid heeft pincode {demo.DEMO_PIN}.")
