"""Django's e-mail settings from CLB_EMAIL_URL (read by clb.settings), and where mail goes in
words (printed by `clb worker` and `make demo`).

    smtp://user:password@host:587?starttls=1   SMTP, STARTTLS after connecting
    smtps://user:password@host:465             SMTP over TLS
    smtp://127.0.0.1:25                        SMTP without login
    file:///var/lib/clb/mail                   each message a file in that folder
    console:                                   printed on the worker's output
Unset: files in the data folder's mail/ (the demo: nothing leaves the machine)."""

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

FORMS = "smtp://gebruiker:wachtwoord@host:poort, smtps://…, file:///pad/naar/map of console:"


def mail_settings(environ: Mapping[str, str], data_dir: Path) -> dict:
    url = environ.get("CLB_EMAIL_URL", "").strip()
    if not url:
        return _file(data_dir / "mail")
    scheme = url.partition(":")[0].lower()
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parts = urlsplit(url)
    if scheme == "file":
        if not parts.path:
            raise ImproperlyConfigured(f"CLB_EMAIL_URL: geef een map op, zoals {FORMS}")
        return _file(Path(unquote(parts.path)))
    if scheme not in ("smtp", "smtps"):
        # Only the scheme is repeated: the rest may hold a password.
        raise ImproperlyConfigured(
            f"CLB_EMAIL_URL: {scheme or 'geen schema'!r} wordt niet ondersteund; gebruik {FORMS}"
        )
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured("CLB_EMAIL_URL: de poort is geen getal") from None
    if not parts.hostname:
        raise ImproperlyConfigured(f"CLB_EMAIL_URL: de host ontbreekt; gebruik {FORMS}")
    options = parse_qs(parts.query)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": scheme == "smtps",
        "EMAIL_USE_TLS": options.get("starttls", ["0"])[0] in ("1", "true", "yes"),
        "EMAIL_TIMEOUT": int(options.get("timeout", ["30"])[0]),
    }


def _file(folder: Path) -> dict:
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(folder),
    }


def destination(settings) -> str:
    """Where mail goes, in one Dutch sentence (no password)."""
    backend = settings.EMAIL_BACKEND.rsplit(".", 2)[-2]
    if backend == "filebased":
        return f"E-mail wordt niet verstuurd maar als bestand bewaard in {settings.EMAIL_FILE_PATH}"
    if backend == "console":
        return "E-mail wordt niet verstuurd maar op het scherm van de werker getoond"
    if backend == "smtp":
        return f"E-mail gaat via SMTP-server {settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    return f"E-mail gaat naar {settings.EMAIL_BACKEND}"
