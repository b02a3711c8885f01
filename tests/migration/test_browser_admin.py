"""The admin's migration pages in a real browser (Debian's Chromium through Playwright), as a
library's administrator uses them: start a rehearsal, watch the progress page refresh itself
until the run is done, open the report's summary."""

import pytest
from django.test import Client

from clb.accounts.models import User
from clb.accounts.roles import ensure_groups
from clb.members.models import Patron
from clb.migration.models import MigrationRun
from tests.web.browsing import SHOTS

from .koha import write_koha_package

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_rehearsal_started_in_the_admin_shows_its_progress_and_report(
    browser, live_server, net, settings, tmp_path
):
    settings.CLB_MIGRATION_DIR = tmp_path / "pakketten"
    settings.DATA_DIR = tmp_path / "data"
    write_koha_package(tmp_path / "pakketten" / net.org_a.code / "koha-export", net)
    user = User.objects.create_user("beheer-a", is_staff=True, role=User.Role.ORG_ADMIN,
                                    organisation=net.org_a)  # fmt: skip
    user.groups.add(ensure_groups())
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url, locale="nl-NL",
                                  viewport={"width": 1280, "height": 900})  # fmt: skip
    context.set_default_timeout(60_000)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "url": live_server.url}])  # fmt: skip
    tab = context.new_page()
    tab.goto("/admin/migration/migrationrun/add/")
    tab.get_by_label("pakket").select_option(f"{net.org_a.code}/koha-export")
    assert tab.get_by_label("proefrun").is_checked()
    tab.get_by_role("button", name="Starten").click()
    tab.wait_for_url("**/change/")
    # the page refreshes itself until the run is done
    tab.locator("#status", has_text="proefrun klaar").wait_for()
    assert tab.locator("#resultaat").inner_text().count("patrons.csv") == 1
    tab.screenshot(path=str(SHOTS / "migratie-proefrun.png"), full_page=True)
    with context.expect_page() as opened:
        tab.get_by_role("link", name="samenvatting.html").click(modifiers=["Control"])
    summary = opened.value
    summary.wait_for_load_state()
    assert "Proefrun" in summary.locator("h1").inner_text()
    assert "geweigerd" in summary.content()
    context.close()
    assert MigrationRun.objects.get().status == "rehearsed" and not Patron.objects.exists()
