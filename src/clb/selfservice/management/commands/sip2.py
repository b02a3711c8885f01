import asyncio

from django.core.management.base import BaseCommand

from clb.selfservice.server import ServerConfig, SIP2Server, tls_context


class Command(BaseCommand):
    help = "Serve SIP2 2.00 for self-service kiosks (accounts: Zelfservicezuilen in the admin)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=6001)
        parser.add_argument("--idle-timeout", type=float, default=300.0, help="seconds")
        parser.add_argument("--tls-cert", help="PEM certificate: serve TLS")
        parser.add_argument("--tls-key", help="PEM private key for --tls-cert")

    def handle(self, *args, host, port, idle_timeout, tls_cert, tls_key, **options):
        context = tls_context(tls_cert, tls_key) if tls_cert else None
        server = SIP2Server(
            ServerConfig(host=host, port=port, idle_timeout=idle_timeout, ssl_context=context)
        )
        self.stdout.write(f"SIP2 op {host}:{port}{' (TLS)' if context else ''}")
        try:
            asyncio.run(server.serve_forever())
        except KeyboardInterrupt:
            self.stdout.write("SIP2-server gestopt.")
