import pytest

from clb.notices.models import MemberSettings
from tests.factories import make_item, make_patron, make_record

from .smtp import SmtpServer


@pytest.fixture
def smtp(settings):
    """A real SMTP server, and Django's SMTP backend pointed at it."""
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 10
        yield server


def member(org, email="", language="nl", **kw):
    patron = make_patron(org, email=email, **kw)
    if language != "nl":
        MemberSettings.objects.create(patron=patron, language=language)
    return patron


def copies(branch, *titles):
    return [make_item(branch, make_record(title=title)) for title in titles]
