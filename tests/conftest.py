import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # Tests render pages without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _fast_staff_passwords(settings):
    # Staff passwords only; the PIN hasher stays real so PIN tests test the real thing.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "clb.members.pins.PinHasher",
        "clb.selfservice.secrets.KioskSecretHasher",
    ]


@pytest.fixture
def net(db):
    from tests.factories import make_network

    return make_network()


def pytest_collection_modifyitems(config, items):
    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(
            reason="needs PostgreSQL (runs in the PostgreSQL half of make test)"
        )
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)
