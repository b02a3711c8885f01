"""The cockpit in English: Dutch by default, English after switching language."""

import re

import pytest
from django.test import Client
from django.utils import translation

from clb.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _dutch_afterwards():
    """The language middleware leaves English active in this thread; later tests expect Dutch."""
    yield
    translation.deactivate()


def headings(html: str) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", " ", h).split())
        for h in re.findall(r"<h[12][^>]*>(.*?)</h[12]>", html, re.S)
    ]


def test_the_cockpit_pages_switch_to_english(net):
    client = Client()
    client.force_login(
        User.objects.create_user("kb", password="x", role=User.Role.COCKPIT, region_code="NL")
    )
    dutch = client.get("/cockpit/", {"periode": "2026-H1"}).content.decode()
    assert 'lang="nl"' in dutch and "Grafieken" in headings(dutch)

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/cockpit/"})
    assert switched.status_code == 302 and switched["Location"] == "/cockpit/"

    page = client.get("/cockpit/", {"periode": "2026-H1"}).content.decode()
    assert '<html lang="en">' in page
    found = headings(page)
    assert found[0].startswith("Netherlands 1st half of 2026 provisional"), found[0]
    assert "Covenant aims Bibliotheekconvenant 2020–2023" in found
    assert "Reach of the Digital Government Information Points (IDO)" in page
    assert "Convenantdoelen" not in page and "geen gegevens" not in page
    assert "avg. km by road to a library (CBS 2023)" in page and "over de weg" not in page
    for heading in ("Charts", "Members and youth", "Lending", "Comparison and development"):
        assert heading in found, (heading, found)
    assert not {"Grafieken", "Leden en jeugd", "Uitlenen"} & set(found)
    steering = re.search(
        r'<nav class="steering" aria-label="Steering information">(.*?)</nav>', page, re.S
    )
    assert re.findall(r">([^<]+)</a>", steering.group(1)) == [
        "Cockpit",
        "Cost model",
        "Accessibility",
    ]

    access = client.get("/cockpit/bereikbaarheid/").content.decode()
    assert headings(access)[0] == "Accessibility of the library Netherlands"
    assert "Summary" in headings(access) and "Samenvatting" not in headings(access)
