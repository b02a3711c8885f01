"""The dashboard's first screen in a real browser (Debian's Chromium through Playwright): the
covenant's aims with a traffic light each, lights per part of the region, drill-down to a part,
and a municipality beside its size class — on the hand-made country of covenant_land.py."""

import pytest
from django.conf import settings
from django.test import Client

from clb.accounts.models import User
from tests.web.browsing import SHOTS, chromium, sync_api

from .covenant_land import ANDER, KLEIN, make_land

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def province_tab(browser, live_server):
    make_land()
    user = User.objects.create_user(
        "provincie", password="geheim-wachtwoord", role=User.Role.COCKPIT, region_code="PV26"
    )
    client = Client()
    client.force_login(user)
    # The first request imports every URL's views; do it here rather than against the browser's
    # timeout (the live server runs in this process).
    assert client.get("/cockpit/", {"regio": "PV26", "periode": "2026-H1"}).status_code == 200
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="nl-NL")
    context.set_default_timeout(60_000)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])  # fmt: skip
    page = context.new_page()
    yield page
    context.close()


def _statuses(rows) -> dict[str, str]:
    return {
        rows.nth(i).get_attribute("data-aim"): rows.nth(i).get_attribute("data-status")
        for i in range(rows.count())
    }


def test_first_screen_shows_the_aims_with_lights_and_drills_down(province_tab):
    page = province_tab
    page.goto("/cockpit/?regio=PV26&periode=2026-H1")
    aims = page.locator("[data-aims]")
    sync_api.expect(aims).to_be_visible()
    assert aims.bounding_box()["y"] < VIEWPORT["height"] / 2  # on the first screen
    # the province's own aims, each with a light whose meaning is also written out
    rows = aims.locator("table.aims-table tbody tr")
    sync_api.expect(rows).to_have_count(5)
    assert _statuses(rows)["youth_free"] == "behind"  # De Dorpen charges youth a fee
    for i in range(5):
        light = rows.nth(i).locator(".light")
        sync_api.expect(light).to_be_visible()
        assert rows.nth(i).inner_text().split()[-1] in {"koers", "achter", "gegevens"}

    # lights per municipality of the province
    lights = page.locator("[data-lights] tbody tr")
    sync_api.expect(lights).to_have_count(3)
    klein = page.locator(f'[data-lights] tr[data-part="{KLEIN}"]')
    assert _statuses(klein.locator("td")) == {
        "ido_reach": "behind",
        "youth_free": "behind",
        "youth_members": "on_track",
        "course_participants": "behind",
        "accessibility": "behind",
    }
    ander = page.locator(f'[data-lights] tr[data-part="{ANDER}"] td[data-aim="ido_reach"]')
    assert ander.get_attribute("data-status") == "no_data" and "< 10" in ander.inner_text()
    colours = {
        klein.locator('td[data-aim="youth_members"] .light').evaluate(
            "e => getComputedStyle(e).backgroundColor"
        ),
        klein.locator('td[data-aim="ido_reach"] .light').evaluate(
            "e => getComputedStyle(e).backgroundColor"
        ),
    }
    assert len(colours) == 2  # on track and behind look different
    page.screenshot(path=str(SHOTS / "cockpit-aims-province.png"))

    # drill down: the village's own first screen, beside its size class
    klein.get_by_role("link", name="Klein Dorp").click()
    page.wait_for_url(f"**regio={KLEIN}**")
    sync_api.expect(page.locator("h1")).to_contain_text("Klein Dorp")
    ido = page.locator('[data-aims] tr[data-aim="ido_reach"]')
    sync_api.expect(ido.locator("[data-value]")).to_have_text("14,0 %")
    assert ido.get_attribute("data-status") == "behind"
    assert "stijgend (2025-H1: 8,0)" in ido.inner_text()
    # the comparable figure of the village, then that of its size class taken together
    sync_api.expect(ido.locator("[data-peers]")).to_have_text("14,0 · 6,7 %")
    header = page.locator("[data-aims] thead").inner_text()
    assert "gemeenten met 5.000–10.000 inwoners samen" in header
    # CLB's straight-line estimate and CBS's road distance beside the accessibility aim
    beside = page.locator('[data-beside="accessibility"]')
    sync_api.expect(beside).to_contain_text("gem. km hemelsbreed tot een vestiging (CLB) 6,7")
    sync_api.expect(beside).to_contain_text(
        "gem. km over de weg tot een bibliotheek (CBS 2023) 1,3"
    )
    page.screenshot(path=str(SHOTS / "cockpit-aims-municipality.png"))
