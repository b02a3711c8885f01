from django.core.management.base import BaseCommand, CommandError

from clb.exchange import partners


class Command(BaseCommand):
    help = "Register an NCIP partner system (or give it a new secret); prints the secret once."

    def add_arguments(self, parser):
        parser.add_argument("isil", help="ISIL of the partner system (its FromAgencyId)")
        parser.add_argument("--name", default="")
        parser.add_argument(
            "--organisation",
            action="append",
            default=[],
            help="ISIL of a CLB organisation it may address (repeatable; none: all)",
        )

    def handle(self, *args, isil, name, organisation, **options):
        try:
            partner, secret = partners.register(isil, name, organisations=organisation)
        except partners.PartnerError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Partner {partner}: geheim (alleen nu zichtbaar): {secret}")
