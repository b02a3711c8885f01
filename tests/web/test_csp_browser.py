"""The Content-Security-Policy that CLB_HTTPS=1 sends breaks no page: in Chromium, the pages people
use run under it without a single violation, and the scripts still do their work (the desk's
scanner focus, the cockpit's plotly map)."""

import pytest
from django.conf import settings as django_settings
from django.test import Client

from clb.accounts.models import User
from clb.members.services import take_member_snapshot
from clb.network.models import Municipality
from tests.factories import make_item, make_patron, make_record
from tests.web.browsing import sync_api

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def csp_on(settings):
    settings.CLB_CSP = True


def tab_for(browser, live_server, user=None):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
        )
    page = context.new_page()
    page.violations = []
    page.on(
        "console",
        lambda m: page.violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda error: page.violations.append(str(error)))
    return page


def visit(page, url) -> None:
    response = page.goto(url)
    assert response.status < 400, (url, response.status)
    assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")
    page.wait_for_load_state("networkidle")


def test_public_desk_and_admin_pages_run_under_the_policy(browser, live_server, net, csp_on):
    record = make_record(title="Beleid en boeken")
    make_item(net.a1, record)
    patron = make_patron(net.org_a)
    visitor = tab_for(browser, live_server)
    for url in ("/", "/zoeken/?q=boeken", f"/titel/{record.pk}/", "/mijn/inloggen/"):
        visit(visitor, url)
    staff = User.objects.create_user(
        "beheer", role="org_admin", organisation=net.org_a, branch=net.a1, is_staff=True
    )
    desk = tab_for(browser, live_server, staff)
    visit(desk, "/balie/")
    assert desk.evaluate("document.activeElement.id") == "id_card_number"  # desk.js ran
    desk.keyboard.type(patron.card_number)  # as a card scanner does, into the focused field
    desk.keyboard.press("Enter")
    desk.wait_for_url(f"**/balie/lener/{patron.pk}/")
    for url in ("/balie/innemen/", "/balie/reserveringsplank/", "/admin/"):
        visit(desk, url)
    assert visitor.violations == [] and desk.violations == []


def test_the_cockpit_map_draws_under_the_policy(browser, live_server, net, csp_on):
    # A member is counted: without any figure the dashboard says so instead of drawing a map.
    make_patron(net.org_a)
    take_member_snapshot()
    kb = User.objects.create_user("kb", role=User.Role.COCKPIT, region_code="NL")
    page = tab_for(browser, live_server, kb)
    visit(page, "/cockpit/?regio=NL")
    paths = page.locator("[data-map] .choroplethlayer path.choroplethlocation")
    sync_api.expect(paths).to_have_count(Municipality.objects.count())
    visit(page, "/cockpit/kostenmodel/")
    assert page.violations == []
