from django.core.management.base import BaseCommand, CommandError

from clb.errors import DomainError
from clb.exchange.api import tokens
from clb.exchange.models import ApiClient, Scope


class Command(BaseCommand):
    help = (
        "Issue a token for a REST API client (made in the admin, or here with --create); "
        "prints the token once."
    )

    def add_arguments(self, parser):
        parser.add_argument("client", help="id of the API client, or its name with --create")
        parser.add_argument("--days", type=int, default=tokens.CLIENT_TOKEN_DAYS)
        parser.add_argument("--create", metavar="ORGANISATION", help="code or ISIL: new client")
        parser.add_argument(
            "--scope", action="append", default=[], choices=Scope.values, help="repeatable"
        )

    def handle(self, *args, client, days, create, scope, **options):
        if create:
            from clb.network.models import Organisation

            organisation = (
                Organisation.objects.filter(code=create).first()
                or Organisation.objects.filter(isil__iexact=create).first()
            )
            if organisation is None:
                raise CommandError(f"Organisatie {create} bestaat niet.")
            found = ApiClient.objects.create(
                organisation=organisation, name=client, scopes=sorted(set(scope))
            )
        else:
            found = ApiClient.objects.filter(pk=int(client) if client.isdigit() else 0).first()
            if found is None:
                raise CommandError(f"API-toepassing {client} bestaat niet (id).")
        try:
            token, raw = tokens.issue_client_token(found, days=days, issued_by="clb api-token")
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Toepassing {found.pk} ({found.name}), rechten {', '.join(token.scopes) or '-'}, "
            f"geldig tot {token.expires_at:%Y-%m-%d}. Token (alleen nu zichtbaar):\n{raw}"
        )
