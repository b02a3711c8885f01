"""Debian's Chromium driven through Playwright, shared by the browser tests of every room."""

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

from scripts.ensure_system import CHROMIUM

# Playwright's sync API runs an event loop in this thread; the ORM calls made next to it are plain
# synchronous test set-up, which Django would otherwise refuse next to a running loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
sync_api = pytest.importorskip("playwright.sync_api")

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@contextmanager
def chromium():
    """A headless Chromium that makes no requests of its own (updates, sync, safe browsing)."""
    executable = CHROMIUM.find(os.environ)
    if executable is None:
        pytest.fail(
            f"{CHROMIUM.reason}: mark this test `browser`, so that tests/conftest.py skips it "
            "(and names the skip in the summary) or fails the CI run",
            pytrace=False,
        )
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()
