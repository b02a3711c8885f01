"""The cockpit of the whole country in a real browser (Debian's Chromium through Playwright)
after `clb load-demo --national`: the NL map is coloured, not grey; the simulated figures say
"gesimuleerd"; a chart without data says so instead of drawing empty axes; and the register's
completeness is on the page."""

import io
from datetime import date

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from clb import demo
from clb.accounts.models import User
from tests.web.browsing import SHOTS, chromium, sync_api

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GREY = "rgb(208, 208, 208)"  # charts.choropleth: municipalities without a value to show


@pytest.fixture
def tab(live_server):
    call_command("load_reference", stdout=io.StringIO())
    demo.load_national(today=date.today(), progress=lambda _m: None)
    user = User.objects.create_user("kb", password="x", role=User.Role.COCKPIT, region_code="NL")
    client = Client()
    client.force_login(user)
    with chromium() as browser:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="nl-NL"
        )
        context.set_default_timeout(30_000)
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                              "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])  # fmt: skip
        yield context.new_page()
        context.close()


def test_the_national_cockpit_shows_a_country(tab):
    page = tab
    page.goto("/cockpit/?regio=NL")
    shapes = page.locator("[data-map] .choroplethlayer path.choroplethlocation")
    sync_api.expect(shapes).to_have_count(342)
    fills = shapes.evaluate_all("paths => paths.map(p => getComputedStyle(p).fill)")
    coloured = [f for f in fills if f != GREY]
    assert len(coloured) >= 330, f"{len(coloured)} of {len(fills)} coloured"
    assert len(set(coloured)) > 20  # a spread of shades, not one colour
    assert "gesimuleerd" in page.locator("[data-map] .gtitle").text_content()
    sync_api.expect(page.locator("[data-simulated]")).to_contain_text("gesimuleerd jaar")
    sync_api.expect(page.locator('[data-register="onvolledig"]')).to_contain_text(
        "Vestigingenregister Nederland"
    )
    # IDO contacts are not simulated: that chart says why it shows nothing, without axes.
    empty = page.locator('[data-empty-chart="ido_by_theme"]')
    sync_api.expect(empty).to_contain_text("Alle aantallen zijn kleiner dan 10")
    assert page.locator('[data-chart="ido_by_theme"]').count() == 0
    # Charts with data are drawn, and say they are simulated.
    members = page.locator('[data-chart="members_by_age"] .gtitle')
    sync_api.expect(members).to_have_count(1)
    assert "gesimuleerd" in members.text_content()
    page.screenshot(path=str(SHOTS / "cockpit-national-simulated.png"), full_page=True)
