import asyncio
import ssl

from django.core.management.base import BaseCommand, CommandError

from clb.selfservice.server import ServerConfig, SIP2Server, tls_context
from clb.selfservice.sip2.codec import CHARSETS


class Command(BaseCommand):
    help = (
        "Serve SIP2 2.00 to self-service kiosks. Kiosk accounts are managed in the admin "
        "(Zelfservicezuilen). Stops cleanly on Ctrl-C or SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=6001)
        parser.add_argument("--tls-cert", help="PEM certificate (chain): serve TLS")
        parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
        parser.add_argument(
            "--idle-timeout", type=float, default=300.0, help="seconds (default 300)"
        )
        parser.add_argument(
            "--workers", type=int, default=8, help="threads (and database connections)"
        )
        parser.add_argument("--max-sessions", type=int, default=500)
        parser.add_argument(
            "--login-timeout",
            type=float,
            default=10.0,
            help="seconds a new connection has to log in (message 93); default 10",
        )
        parser.add_argument(
            "--max-per-address",
            type=int,
            default=10,
            help="connections not yet logged in from one address (default 10)",
        )
        parser.add_argument(
            "--charset",
            choices=CHARSETS,
            default="utf-8",
            help="until a kiosk has logged in; then its account's charset applies",
        )

    def handle(self, *args, **options):
        if bool(options["tls_cert"]) != bool(options["tls_key"]):
            raise CommandError("--tls-cert en --tls-key horen bij elkaar: geef ze allebei.")
        positive = ("workers", "idle_timeout", "login_timeout", "max_per_address", "max_sessions")
        if any(options[name] <= 0 for name in positive):
            raise CommandError(
                "--workers, --idle-timeout, --login-timeout, --max-per-address en "
                "--max-sessions moeten groter dan nul zijn."
            )
        context = None
        if options["tls_cert"]:
            try:
                context = tls_context(options["tls_cert"], options["tls_key"])
            except (OSError, ssl.SSLError) as exc:
                raise CommandError(f"TLS-certificaat of -sleutel onbruikbaar: {exc}") from exc
        server = SIP2Server(
            ServerConfig(
                host=options["host"],
                port=options["port"],
                idle_timeout=options["idle_timeout"],
                ssl_context=context,
                workers=options["workers"],
                charset=options["charset"],
                max_sessions=options["max_sessions"],
                login_timeout=options["login_timeout"],
                max_waiting_per_address=options["max_per_address"],
            )
        )
        self.stdout.write(
            f"SIP2 op {options['host']}:{options['port']}{' (TLS)' if context else ''}",
        )
        self.stdout.flush()
        try:
            asyncio.run(server.serve_forever())
        except OSError as exc:
            raise CommandError(
                f"Kan niet luisteren op {options['host']}:{options['port']}: {exc}"
            ) from exc
        self.stdout.write("SIP2-server gestopt.")
