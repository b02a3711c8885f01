"""Pages fit the screens they are used on (issue 11, item 10): the transits page on a 1280 px
desk screen, Mijn Bibliotheek on a 390 px phone with every button in reach — measured in a real
Chromium, with long real-world titles and names."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from clb.accounts.models import User
from clb.circulation import services as circ
from clb.network.models import Branch
from tests.factories import make_item, make_patron, make_record
from tests.web.browsing import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_TITLES = [
    "De ontdekking van de hemel: roman over de verhouding tussen hemel en aarde, in drie delen",
    "Het verboden rijk. Hoe een keizer van China verdwijnt in de verbeelding van een dichter",
    "Onderzoek naar de Nederlandsche letterkunde en de zeventiende-eeuwsche rederijkerskamers",
]


def overflow(tab) -> dict:
    """How far the page scrolls sideways, and the buttons that stick out of the viewport."""
    return tab.evaluate(
        """() => {
          const width = window.innerWidth;
          const out = [...document.querySelectorAll('main button, main .button')]
            .filter(b => b.offsetParent !== null)
            .map(b => [b.textContent.trim().slice(0, 40), b.getBoundingClientRect()])
            .filter(([, r]) => r.left < 0 || r.right > width + 0.5 || r.width === 0)
            .map(([t, r]) => `${t} (${Math.round(r.left)}–${Math.round(r.right)})`);
          return {sideways: document.documentElement.scrollWidth - width, out};
        }"""
    )


def staff_session(browser, live_server, user, width, height):
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}, locale="nl-NL"
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


def test_the_transits_page_fits_a_1280_desk_screen(browser, live_server, net):
    far = Branch.objects.create(
        organisation=net.org_b,
        code="amf-schothorst-noord",
        name="Servicepunt Schothorst-Noord in het wijkcentrum De Oude Schothorster Boerderij",
        staffed_hours_week=6,
        municipality=net.gm_b,
    )
    earlier = timezone.now() - timedelta(days=3)
    for i, title in enumerate(LONG_TITLES * 3):
        home = far if i % 2 else net.b1
        item = make_item(home, make_record(title=title), barcode=f"9{i:012d}")
        circ.checkin(item_barcode=item.barcode, branch=net.a1, at=earlier)  # travels home
    coming = make_item(net.a1, make_record(title=LONG_TITLES[0]))
    circ.checkin(item_barcode=coming.barcode, branch=net.b1, at=earlier)
    user = User.objects.create_user(
        "balie", role=User.Role.DESK, organisation=net.org_a, branch=net.a1
    )
    context = staff_session(browser, live_server, user, 1280, 800)
    tab = context.new_page()
    tab.goto("/balie/transport/")
    assert "Te verzenden (9)" in tab.locator("main").inner_text()
    tab.screenshot(path=str(SHOTS / "viewport-transits-1280.png"), full_page=True)
    measured = overflow(tab)
    context.close()
    assert measured == {"sideways": 0, "out": []}


def test_mijn_bibliotheek_fits_a_390_phone_with_its_buttons_in_reach(browser, live_server, net):
    earlier = timezone.now() - timedelta(days=5)
    patron = make_patron(
        net.org_a, at=earlier, first_name="Maximiliaan", last_name="van Oldenbarnevelt-Wttewaall"
    )
    for title in LONG_TITLES:
        item = make_item(net.a1, make_record(title=title, authors=["Multatuli-Dekker, Eduard"]))
        circ.checkout(
            item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1, at=earlier
        )
    wanted = make_item(net.b1, make_record(title=LONG_TITLES[1] + " (tweede druk)"))
    circ.checkout(
        item_barcode=wanted.barcode,
        card_number=make_patron(net.org_b, at=earlier, postcode="3811 AB").card_number,
        branch=net.b1,
        at=earlier,
    )
    circ.place_hold(card_number=patron.card_number, record=wanted.record, pickup_branch=net.a1)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="nl-NL"
    )
    tab = context.new_page()
    tab.goto("/mijn/inloggen/")
    tab.get_by_label("Pasnummer").fill(patron.card_number)
    tab.get_by_label("Pincode").fill("1234")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    tab.wait_for_url("**/mijn/")
    tab.screenshot(path=str(SHOTS / "viewport-mijn-390.png"), full_page=True)
    measured = overflow(tab)
    renew = tab.get_by_role("button", name="Verlengen").first
    renew.scroll_into_view_if_needed()
    assert renew.is_visible()
    context.close()
    assert measured == {"sideways": 0, "out": []}
