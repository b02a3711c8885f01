from django.core.management.base import BaseCommand

from clb.accounts.roles import ensure_groups
from clb.catalogue.defaults import install_item_types
from clb.circulation.defaults import install_national_rules
from clb.network import branches, reference


class Command(BaseCommand):
    help = "Load or update the real reference data: provinces, municipalities, postcode areas, real library locations, item types and national loan rules."

    def handle(self, *args, **options):
        say = self.stdout.write
        reference.load_municipalities(say)
        reference.load_postcode_areas(say)
        report = branches.import_branches(
            branches.polling_station_rows(reference.DATA / "library-polling-stations-tk2025.csv")
        )
        say(f"bibliotheeklocaties (stembureaus TK2025): {report.summary()}")
        for error in report.errors:
            self.stderr.write(error)
        say(
            f"{install_item_types()} exemplaarsoorten, {install_national_rules()} landelijke uitleenregels"
        )
        ensure_groups()
