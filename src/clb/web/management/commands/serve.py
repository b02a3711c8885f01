import os
import re
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

# Unix socket paths hold at most 107 bytes (sun_path); a longer one could not be bound.
SOCKET_PATH_MAX = 107


def control_socket(host: str, port: int) -> str | None:
    """gunicorn's control socket for this address, in the data folder, or None when too long.

    gunicorn's default is one path per user ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl): a second
    server would take it over, and stopping either removes it from under the other."""
    name = re.sub(r"[^0-9A-Za-z.]+", "_", host).strip("_") or "all"
    path = str(settings.DATA_DIR / "run" / f"gunicorn-{name}-{port}.ctl")
    return path if len(os.fsencode(path)) <= SOCKET_PATH_MAX else None


class Command(BaseCommand):
    help = "Serve CLB with gunicorn (static files through whitenoise)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=3)

    def handle(self, *args, host, port, workers, **options):
        call_command("collectstatic", interactive=False, verbosity=0)
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        self.stdout.write(f"CLB draait op http://{host}:{port}/  (database: {engine})")
        ctl = control_socket(host, port)
        if ctl:
            os.makedirs(os.path.dirname(ctl), mode=0o700, exist_ok=True)
            self.stdout.write(f"Beheer van de workers: gunicornc -s {ctl}")
            control = ["--control-socket", ctl]
        else:
            self.stdout.write("Besturingssocket uit: het pad in CLB_DATA_DIR is te lang")
            control = ["--no-control-socket"]
        sys.stdout.flush()
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        os.execv(
            gunicorn,
            [
                gunicorn,
                "clb.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(workers),
                "--access-logfile",
                "-",
                *control,
            ],
        )
