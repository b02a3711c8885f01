"""The cost model in a real browser (Debian's Chromium through Playwright) against a live
server (issue 21): the page opens at the Wsob basic provision, compares the scenarios side by
side, draws the tornado chart, and opens a compared scenario; the model page shows the national
calibration. Screenshots go to test-artifacts/screenshots/ for a person to look at."""

import pytest
from django.conf import settings
from django.test import Client

from clb.accounts.models import User
from tests.web.browsing import SHOTS, chromium, sync_api

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def tab(browser, live_server, towns):
    user = User.objects.create_user(
        "gm-kleindorp", password="geheim-wachtwoord", role=User.Role.COCKPIT, region_code="GM9001"
    )
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="nl-NL"
    )
    context.set_default_timeout(30_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    yield page
    context.close()


def test_scenarios_side_by_side_and_the_tornado_chart(tab):
    expect = sync_api.expect
    tab.goto("/cockpit/kostenmodel/")
    # The default start is the basic provision, checked in the form.
    expect(tab.get_by_label("Wsob-basisvoorziening")).to_be_checked()
    table = tab.locator("#scenario-vergelijking")
    expect(table.locator("thead th")).to_contain_text(
        ["Bouwsteen", "Wsob-basisvoorziening", "Convenantambities", "Zoals nu", "Eigen keuze"]
    )
    expect(table.get_by_role("link", name="begin hiermee")).to_have_count(3)
    expect(table.get_by_role("row", name="verschil met huidige subsidie")).to_be_visible()
    # Plotly drew the tornado: one bar per parameter and direction.
    bars = tab.locator("#chart-tornado .barlayer .point")
    expect(bars.first).to_be_visible()
    rows = tab.locator("table.tornado tbody tr")
    assert bars.count() == 2 * rows.count() and rows.count() >= 5
    expect(rows.first).to_contain_text("uurkosten_personeel")
    expect(tab.locator("#chart-comparison .barlayer .point").first).to_be_visible()
    tab.locator("#gevoeligheid").scroll_into_view_if_needed()
    tab.screenshot(path=str(SHOTS / "costmodel-01-tornado.png"), full_page=True)

    # Continue from "as now": the form is set to it and the result says where today comes from.
    table.get_by_role("link", name="begin hiermee").nth(2).click()
    tab.wait_for_url("**start=huidig**")
    expect(tab.get_by_label("Zoals nu", exact=True)).to_be_checked()
    expect(tab.locator("#nu")).to_be_visible()
    expect(tab.get_by_text("rekent hier met de landelijke schatting")).to_be_visible()
    tab.screenshot(path=str(SHOTS / "costmodel-02-as-now.png"), full_page=True)


def test_the_model_page_shows_the_national_calibration(tab):
    expect = sync_api.expect
    tab.goto("/cockpit/kostenmodel/bouwstenen/")
    expect(tab.locator("#ijking-tabel")).to_contain_text("totale lasten")
    expect(tab.locator("#spreiding-tabel tbody tr")).to_have_count(2)  # the two test towns
    expect(tab.locator("#chart-distribution .boxlayer .trace").first).to_be_visible()
    expect(tab.locator("#chart-national .barlayer .point")).to_have_count(4)
    tab.screenshot(path=str(SHOTS / "costmodel-03-calibration.png"), full_page=True)
