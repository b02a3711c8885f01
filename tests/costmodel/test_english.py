"""The cost model in English: Dutch by default, English after switching language."""

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


URL = "/cockpit/kostenmodel/"


def h1(html: str) -> str:
    return " ".join(
        re.sub(r"<[^>]+>", " ", re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)).split()
    )


def test_the_cost_model_switches_to_english(towns):
    client = Client()
    client.force_login(
        User.objects.create_user("gm", password="x", role=User.Role.COCKPIT, region_code="GM9001")
    )
    dutch = client.get(URL).content.decode()
    assert h1(dutch) == "Kostenmodel bibliotheekvoorziening Kleindorp"
    assert "Subsidie nodig per jaar" in dutch

    client.post("/i18n/setlang/", {"language": "en", "next": URL})
    page = client.get(URL).content.decode()
    assert '<html lang="en">' in page
    assert h1(page) == "Library provision cost model Kleindorp"
    assert "Subsidy needed per year" in page and "Subsidie nodig per jaar" not in page
    assert '<h2 id="uitkomst">Result: Kleindorp</h2>' in page
    assert "Scenarios side by side" in page and "Which assumptions weigh most" in page
    model = client.get(URL + "bouwstenen/").content.decode()
    assert h1(model).startswith("Building blocks, formulas and sources version ")
    assert "Calibration against the national figures" in model
