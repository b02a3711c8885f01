from django.core.management.base import BaseCommand

from clb import demo


class Command(BaseCommand):
    help = "Load demo organisations, members, catalogue and a year of circulation (after load-reference)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when members or items exist"
        )
        parser.add_argument("--members-per-organisation", type=int, default=80)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, if_empty, members_per_organisation, days, seed, **options):
        if if_empty and not demo.is_empty():
            self.stdout.write("De database bevat al gegevens; demodata overgeslagen.")
            return
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
