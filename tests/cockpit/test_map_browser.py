"""The cockpit's maps in a real browser (Debian's Chromium through Playwright) against a live
server: the municipalities are drawn, and the page asks nothing of any host but CLB's own —
plotly.js's geo traces would otherwise fetch a world base map from its CDN."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from clb.accounts.models import User
from clb.members.services import take_member_snapshot
from clb.network.models import Municipality
from tests.factories import make_patron
from tests.web.browsing import SHOTS, sync_api

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = {
    "dashboard": "/cockpit/?regio=NL",
    "accessibility": "/cockpit/bereikbaarheid/?regio=NL",
}


@pytest.fixture
def kb_tab(browser, live_server, net):
    """A tab logged in as a national cockpit user, recording every request it makes; requests to
    any other host are refused after being recorded, so the test never reaches the internet.
    A member is counted, so the dashboard's map has figures to draw (without any it says so
    instead of drawing a map)."""
    make_patron(net.org_a)
    take_member_snapshot()
    user = User.objects.create_user(
        "kb", password="geheim-wachtwoord", role=User.Role.COCKPIT, region_code="NL"
    )
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="nl-NL"
    )
    context.set_default_timeout(20_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    server = urlsplit(live_server.url)
    requests: list[str] = []

    def only_our_server(route):
        parts = urlsplit(route.request.url)
        if (parts.scheme, parts.netloc) == (server.scheme, server.netloc):
            route.continue_()
        else:
            route.abort()

    context.on("request", lambda request: requests.append(request.url))
    context.route("**/*", only_our_server)
    page = context.new_page()
    page.requests = requests
    yield page
    context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_the_map_is_drawn_from_clb_alone(kb_tab, live_server, name):
    page = kb_tab
    page.goto(PAGES[name])
    paths = page.locator("[data-map] .choroplethlayer path.choroplethlocation")
    try:  # plotly draws once it has everything it asked for
        sync_api.expect(paths).to_have_count(Municipality.objects.count())
        drawn = None
    except AssertionError as exc:
        drawn = exc
    page.wait_for_load_state("networkidle")

    server = urlsplit(live_server.url)
    elsewhere = [
        url for url in page.requests if urlsplit(url)[:2] != (server.scheme, server.netloc)
    ]
    assert elsewhere == []
    paths_asked = {urlsplit(url).path for url in page.requests}
    # the boundaries and the chart library came from CLB itself
    assert "/cockpit/gemeenten.geojson" in paths_asked
    assert "/static/cockpit/plotly.min.js" in paths_asked

    # one shape per municipality of the region, each with a real outline on the screen
    assert drawn is None, drawn
    for i in range(paths.count()):
        outline = paths.nth(i).get_attribute("d") or ""
        assert outline.startswith("M") and outline.count("L") > 10, outline[:80]
        box = paths.nth(i).bounding_box()
        assert box and box["width"] > 5 and box["height"] > 5, box
    page.screenshot(path=str(SHOTS / f"cockpit-map-{name}.png"), full_page=True)
