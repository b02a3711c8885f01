import os

import pytest
from django.db import connection

from scripts.ensure_system import CHROMIUM, under_ci


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # Tests render pages without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _no_final_figures_from_other_tests():
    # The cockpit keeps a closed period's figures in memory, keyed by when the period closed
    # (cockpit/final_figures.py). Tests roll the database back and close the same period at the
    # same injected moment again with other data, which no running installation does.
    from clb.cockpit.final_figures import FINAL

    FINAL.clear()


@pytest.fixture(autouse=True)
def _fast_staff_passwords(settings):
    # Staff passwords only; the PIN hasher stays real so PIN tests test the real thing.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "clb.members.pins.PinHasher",
        "clb.selfservice.secrets.KioskSecretHasher",
        "django.contrib.auth.hashers.BCryptPasswordHasher",
        "clb.members.pins.KohaMd5PinHasher",
        "clb.members.pins.FolioPinHasher",
    ]


@pytest.fixture
def net(db):
    from tests.factories import make_network

    return make_network()


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (tests/web/browsing.py says how it is started)."""
    from tests.web.browsing import chromium

    with chromium() as browser:
        yield browser


def pytest_collection_modifyitems(config, items):
    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(
            reason="needs PostgreSQL (runs in the PostgreSQL half of make test)"
        )
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)
    browser_tests = [item for item in items if "browser" in item.keywords]
    if browser_tests and CHROMIUM.find(os.environ) is None:
        # A green CI run must have driven the pages; elsewhere say so at the end, not silently.
        if under_ci():
            pytest.exit(
                f"CI=true: {CHROMIUM.reason}, {len(browser_tests)} browser tests cannot run "
                "(apt-get install chromium)",
                returncode=1,
            )
        for item in browser_tests:
            item.add_marker(pytest.mark.skip(reason=CHROMIUM.skipped))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter):
    result = yield  # after pytest's own summary, so this stands right above the final count
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if CHROMIUM.skipped in str(report.longrepr)
    ]
    if skipped:
        terminalreporter.write_line(
            f"{CHROMIUM.skipped} ({len(skipped)} tests; apt-get install chromium)", yellow=True
        )
    return result
