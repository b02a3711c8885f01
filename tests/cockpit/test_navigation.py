"""The site header links to the cockpit, the cost model and the accessibility analysis for the
users allowed to open them, and to nothing they would be refused."""

import re

import pytest
from django.test import Client

from clb.accounts.models import User

COCKPIT, COSTMODEL, ACCESSIBILITY = "/cockpit/", "/cockpit/kostenmodel/", "/cockpit/bereikbaarheid/"
STEERING = {COCKPIT: "Cockpit", COSTMODEL: "Kostenmodel", ACCESSIBILITY: "Bereikbaarheid"}

# role, region, organisation?, superuser?, the steering links its header shows
ROLES = [
    ("desk", "", True, False, [COCKPIT]),
    ("cataloguer", "", True, False, [COCKPIT]),
    ("org_admin", "", True, False, [COCKPIT, COSTMODEL]),
    ("cockpit", "NL", False, False, [COCKPIT, COSTMODEL, ACCESSIBILITY]),
    ("cockpit", "PV26", False, False, [COCKPIT, COSTMODEL, ACCESSIBILITY]),
    ("cockpit", "GM0344", False, False, [COCKPIT, COSTMODEL, ACCESSIBILITY]),
    ("national_admin", "", False, False, [COCKPIT, COSTMODEL, ACCESSIBILITY]),
    ("desk", "", False, True, [COCKPIT, COSTMODEL, ACCESSIBILITY]),  # a superuser
]


def client_for(net, role, region, in_organisation, superuser) -> Client:
    user = User.objects.create_user(
        f"{role}-{region or 'x'}-{superuser}",
        password="geheim-wachtwoord",
        role=role,
        region_code=region,
        organisation=net.org_a if in_organisation else None,
        branch=net.a1 if in_organisation else None,
        is_superuser=superuser,
    )
    client = Client()
    client.force_login(user)
    return client


def steering(html: str) -> list[tuple[str, str, bool]]:
    """(href, text, is current page) of the links in the header's steering menu."""
    header = re.search(r'<header class="site">(.*?)</header>', html, re.S).group(1)
    found = re.search(r'<nav class="steering" aria-label="([^"]+)">(.*?)</nav>', header, re.S)
    if found is None:
        return []
    return [
        (href, text.strip(), bool(current))
        for href, current, text in re.findall(
            r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', found.group(2)
        )
    ]


@pytest.mark.django_db
def test_anonymous_visitors_see_no_steering_menu(net):
    html = Client().get("/").content.decode()
    assert '<header class="site">' in html and steering(html) == []
    assert 'class="steering"' not in html


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "region", "in_organisation", "superuser", "expected"), ROLES)
def test_the_header_shows_each_role_the_pages_it_may_open(
    net, role, region, in_organisation, superuser, expected
):
    client = client_for(net, role, region, in_organisation, superuser)
    home = client.get("/")
    assert home.status_code == 200
    links = steering(home.content.decode())
    assert [(href, text) for href, text, _current in links] == [(u, STEERING[u]) for u in expected]
    assert not any(current for _href, _text, current in links)  # the catalogue page is not one
    # The menu and the pages agree: every link shown opens, every link not shown is refused.
    for url in STEERING:
        status = client.get(url).status_code
        assert status == (200 if url in expected else 403), (role, region, url, status)
    # On the steering pages themselves the menu is the same, and marks the page it is on.
    for url in expected:
        links = steering(client.get(url).content.decode())
        assert [href for href, _text, _current in links] == expected
        assert [href for href, _text, current in links if current] == [url]


@pytest.mark.django_db
def test_the_header_is_the_same_on_the_desk_and_registration_pages(net):
    client = client_for(net, "org_admin", "", True, False)
    for url in ("/balie/", "/registratie/ido/", "/cockpit/kostenmodel/bouwstenen/"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert [href for href, _t, _c in steering(page.content.decode())] == [COCKPIT, COSTMODEL]


@pytest.mark.django_db
def test_organisation_staff_get_no_accessibility_link_on_the_dashboard(net):
    staff = client_for(net, "org_admin", "", True, False).get(COCKPIT).content.decode()
    assert ACCESSIBILITY not in staff and "Bereikbaarheid" not in staff
    kb = client_for(net, "cockpit", "NL", False, False).get(COCKPIT).content.decode()
    main = kb.split('<main id="main"', 1)[1]
    assert f'href="{ACCESSIBILITY}?regio=NL"' in main  # next to the report downloads
