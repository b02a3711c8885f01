"""One settings module, driven by environment variables.

CLB_DATA_DIR       folder for the SQLite database, the generated secret and uploads (default ./var)
CLB_DATABASE_URL   sqlite:////path/clb.sqlite3 or postgresql://user:pass@host:port/name?options
                   (clb.database_settings); unset: SQLite in the data folder
CLB_DATABASE_REPLICA_URLS  streaming replicas of the PostgreSQL primary, comma-separated
                   postgresql:// URLs; pages that may be a moment stale read from them (clb.replicas)
CLB_REPLICA_MAX_LAG bytes of WAL a replica may be behind and still serve (default 16 MiB)
CLB_CONN_MAX_AGE   seconds a database connection is reused (default 0: one per request)
CLB_TRANSACTION_POOLING "1" behind PgBouncer in transaction mode (clb.database_settings)
CLB_SECRET_KEY     secret key; when unset a development key is generated once into the data folder
CLB_DEBUG          "1" for Django's debug mode
CLB_ALLOWED_HOSTS  comma-separated host names (default localhost names)
CLB_RETENTION_DAYS days a returned loan keeps its patron link when the patron did not opt in
CLB_MIGRATION_DIR  folder of migration packages the admin may start, one subfolder per
                   organisation code (default: the data folder's migratiepakketten/)
CLB_EXCHANGE_RATE_LIMITS  requests per window and client, e.g. "api=1200,api_token=600,sru=600"
                   (names not given keep their defaults, clb.exchange.ratelimit.DEFAULT_LIMITS)
CLB_EXCHANGE_RATE_WINDOW  the window in seconds (default 60)
CLB_EMAIL_URL      where notices go: smtp://…, smtps://…, file:///folder or console: (clb.mail_settings);
                   unset: files in the data folder's mail/
CLB_MAIL_FROM      the sender of notices (default "Bibliotheek <noreply@clb.localhost>")
CLB_WORKER_URL     the queue of `clb worker` (huey): unset is a SQLite file in the data folder;
                   postgresql://… keeps it in PostgreSQL; redis://… in Redis (needs the redis package)
CLB_TRUSTED_PROXIES comma-separated addresses or networks of reverse proxies whose
                   X-Forwarded-For (and X-Forwarded-Proto) CLB believes
CLB_HTTPS          "1" behind HTTPS: HSTS, redirect to https, Secure cookies, a CSP
                   (CLB_HSTS_SUBDOMAINS=0 / CLB_HSTS_PRELOAD=0 leave those HSTS parts out)
CLB_CSP            "1" for the Content-Security-Policy without the rest of CLB_HTTPS
CLB_STAFF_IDLE_MINUTES, CLB_STAFF_SESSION_HOURS  when a staff login ends (default 60, 12)
"""

import ipaddress
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from clb.database_settings import database_settings, replica_settings
from clb.mail_settings import mail_settings

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("CLB_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := os.environ.get("CLB_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _trusted_proxies(text: str) -> list[str]:
    try:
        return [
            str(ipaddress.ip_network(p.strip(), strict=False)) for p in text.split(",") if p.strip()
        ]
    except ValueError as exc:
        raise ImproperlyConfigured(f"CLB_TRUSTED_PROXIES: {exc}") from exc


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("CLB_DEBUG") == "1"
ALLOWED_HOSTS = os.environ.get("CLB_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # The REST API's framework; listed so its docs page uses its own bundled files, not a CDN.
    "ninja",
    "clb.accounts",
    "clb.network",
    "clb.statistics",
    "clb.catalogue",
    "clb.members",
    "clb.circulation",
    "clb.cockpit",
    "clb.selfservice",
    "clb.services",
    "clb.costmodel",
    "clb.exchange",
    "clb.migration",
    "clb.notices",
    "clb.web",
    "clb.operations",
    "clb",  # the commands that span rooms (clb/apps.py)
]

MIDDLEWARE = [
    "clb.proxies.TrustedProxyMiddleware",
    "clb.replicas.ReplicaMiddleware",  # outside the session's: it sees the session saved
    "django.middleware.security.SecurityMiddleware",
    "clb.web.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clb.web.staff_sessions.StaffSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "clb.web.bad_input.BadInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "clb.urls"
WSGI_APPLICATION = "clb.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
# Staff logins have their own throttles, per address and per account (clb.web.throttle).
AUTHENTICATION_BACKENDS = ["clb.web.auth.ThrottledModelBackend"]
LOGIN_URL = "/accounts/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
            # Money and dates formatted one way on every page: euro, day, moment.
            "builtins": ["clb.format_tags"],
        },
    }
]

DATABASES = {"default": database_settings(os.environ, DATA_DIR)}
DATABASES.update(replica_settings(os.environ, DATABASES["default"]))
DATABASE_ROUTERS = ["clb.replicas.ReplicaRouter"]
# The pages whose reads may be a moment stale (clb.replicas): search, a title and where its
# copies are, the cockpit's figures, open data. The writer's own next page is never stale.
CLB_REPLICA_PAGES = frozenset(
    {
        "web:home",
        "web:search",
        "web:record",
        "cockpit:dashboard",
        "cockpit:table-csv",
        "cockpit:report",
        "cockpit:boundaries",
        "exchange:sru",
        "exchange:oai",
    }
)
# Writes that are no reader's own change: a session (always read from the primary) and the
# open-data rate counter. Other writes send the writer's next pages to the primary until a
# replica has replayed them.
CLB_REPLICA_UNWATCHED_TABLES = ('"django_session"', "exchange_requestcount")
CLB_REPLICA_MAX_LAG = int(os.environ.get("CLB_REPLICA_MAX_LAG", str(16 * 1024 * 1024)))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "clb.members.pins.PinHasher",
    "clb.selfservice.secrets.KioskSecretHasher",
    # PINs migrated from other library systems (members.pins), replaced at first right use.
    "django.contrib.auth.hashers.BCryptPasswordHasher",
    "clb.members.pins.KohaMd5PinHasher",
    "clb.members.pins.FolioPinHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if os.environ.get("CLB_PLAIN_STATIC") == "1":  # tests: no manifest needed
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


def _rate_limits(text: str) -> dict[str, int]:
    limits = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _sep, value = part.partition("=")
        if not name.strip() or not value.strip().isdigit():
            raise ImproperlyConfigured(
                f"CLB_EXCHANGE_RATE_LIMITS: '{part}' is geen naam=aantal (bijv. api=1200)"
            )
        limits[name.strip()] = int(value)
    return limits


CLB_EXCHANGE_RATE_LIMITS = _rate_limits(os.environ.get("CLB_EXCHANGE_RATE_LIMITS", ""))
if window := os.environ.get("CLB_EXCHANGE_RATE_WINDOW"):
    if not window.isdigit() or int(window) < 1:
        raise ImproperlyConfigured(f"CLB_EXCHANGE_RATE_WINDOW: '{window}' is geen aantal seconden")
    CLB_EXCHANGE_RATE_WINDOW = int(window)

# Minutes a member's API token (card + PIN in an app) lasts.
CLB_API_MEMBER_TOKEN_MINUTES = int(os.environ.get("CLB_API_MEMBER_TOKEN_MINUTES", "60"))

# Reverse proxies in front of CLB (clb.proxies reads the client address behind them).
CLB_TRUSTED_PROXIES = _trusted_proxies(os.environ.get("CLB_TRUSTED_PROXIES", ""))
if CLB_TRUSTED_PROXIES:
    # Believed only from those proxies: clb.proxies drops it from any other request.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Behind HTTPS (CLB_HTTPS=1): browsers keep to https for a year, plain http is redirected (but
# /health, which load balancers probe), cookies travel over https only, and pages carry a CSP.
CLB_HTTPS = os.environ.get("CLB_HTTPS") == "1"
CLB_CSP = CLB_HTTPS or os.environ.get("CLB_CSP") == "1"
if CLB_HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^health$"]
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("CLB_HSTS_SUBDOMAINS", "1") == "1"
    SECURE_HSTS_PRELOAD = os.environ.get("CLB_HSTS_PRELOAD", "1") == "1"
# Sessions end within a working day; a staff login sooner when left idle (web.staff_sessions).
CLB_STAFF_IDLE_MINUTES = int(os.environ.get("CLB_STAFF_IDLE_MINUTES", "60"))
CLB_STAFF_SESSION_HOURS = int(os.environ.get("CLB_STAFF_SESSION_HOURS", "12"))
SESSION_COOKIE_AGE = CLB_STAFF_SESSION_HOURS * 3600

# Returned loans keep their patron link this many days (for disputes), unless the patron opted in.
CLB_RETENTION_DAYS = int(os.environ.get("CLB_RETENTION_DAYS", "30"))

# Migration packages an administrator may start from the admin: <this>/<organisation code>/<package>/
CLB_MIGRATION_DIR = Path(
    os.environ.get("CLB_MIGRATION_DIR", DATA_DIR / "migratiepakketten")
).resolve()

# Notices (clb.notices): where mail goes, who sends it, and the lease a worker holds on a notice
# it is sending (another worker takes over after it, should the first have died), and how many
# connections to the mail server a worker sends over at once (bench/notices.py measured 2 and 4).
globals().update(mail_settings(os.environ, DATA_DIR))
DEFAULT_FROM_EMAIL = os.environ.get("CLB_MAIL_FROM", "Bibliotheek <noreply@clb.localhost>")
CLB_NOTICE_LEASE_SECONDS = int(os.environ.get("CLB_NOTICE_LEASE_SECONDS", "300"))
CLB_NOTICE_SENDERS = max(1, int(os.environ.get("CLB_NOTICE_SENDERS", "2")))
CLB_WORKER_URL = os.environ.get("CLB_WORKER_URL", "").strip()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "clb": {"handlers": ["console"], "level": os.environ.get("CLB_LOG_LEVEL", "INFO")},
        # Server errors with their traceback, and refused hosts and tampered requests: in the
        # server's log whatever DEBUG says (Django's own default only mails them to ADMINS).
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
