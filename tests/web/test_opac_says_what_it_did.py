"""The public catalogue says what search did: the typo it corrected ("Bedoelde u …?"), what to
try when nothing is found, language names instead of codes, and a hold form only for a title
that has a copy (issue 11, item 8)."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from clb.catalogue.languages import language_name
from clb.catalogue.models import ItemStatus, MaterialType
from tests.factories import make_item, make_record
from tests.web.conftest import page

pytestmark = pytest.mark.django_db


@pytest.fixture
def plays(net):
    hamlet = make_record(title="Hamlet", authors=["Shakespeare, William"], year=1603)
    lear = make_record(title="King Lear", authors=["Shakespeare, William"], year=1606)
    ibsen = make_record(title="Et dukkehjem", authors=["Ibsen, Henrik"], language="nor")
    make_item(net.a1, hamlet)
    make_item(net.b1, lear)
    make_item(net.a1, ibsen)
    return {"hamlet": hamlet, "lear": lear, "ibsen": ibsen}


def links(html: str) -> dict[str, str]:
    """Link text → query of the link, for the links inside the search notice."""
    notice = html.split('id="search-notice"')[1].split("</div>")[0]
    found = re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', notice, flags=re.S)
    return {re.sub(r"<[^>]+>", "", text).strip(): href for href, text in found}


def test_a_corrected_typo_is_said_and_offered(client, plays):
    html = page(client.get("/zoeken/", {"q": "shakespaere"}))
    assert "Hamlet" in html and "King Lear" in html  # the corrected search's results
    notice = html.split('id="search-notice"')[1].split("</div>")[0]
    assert "Bedoelde u" in notice and "<em>shakespeare</em>" in notice
    assert "<em>shakespaere</em>" in notice  # and what was typed, which found nothing
    href = links(html)["shakespeare"]
    assert parse_qs(urlsplit(href).query)["q"] == ["shakespeare"]


def test_a_search_that_finds_nothing_suggests_what_would(client, plays):
    html = page(client.get("/zoeken/", {"q": "hamlet zzyzx"}))
    assert "0 titels gevonden" in html
    offered = links(html)
    assert parse_qs(urlsplit(offered["hamlet"]).query)["q"] == ["hamlet"]
    assert "(1 titel)" in html.split('id="search-notice"')[1]
    # A filter that leaves nothing: the same words without it.
    html = page(client.get("/zoeken/", {"q": "hamlet", "material_type": MaterialType.DVD}))
    assert "0 titels gevonden" in html
    without = [href for text, href in links(html).items() if "zonder" in text]
    assert without and "material_type" not in parse_qs(urlsplit(without[0]).query)
    assert "Hamlet" in page(client.get(without[0]))


def test_languages_are_named_not_coded(client, plays):
    assert language_name("nor") == "Noors" and language_name("fry") == "Fries"
    html = page(client.get(f"/titel/{plays['ibsen'].pk}/"))
    assert "<dd>Noors</dd>" in html and ">nor<" not in html
    html = page(client.get("/zoeken/", {"q": "dukkehjem"}))
    facet = html.split('id="facet-language"')[1].split("</nav>")[0]
    assert "Noors" in facet and ">nor<" not in facet
    english = Client()
    english.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "<dd>Norwegian</dd>" in page(english.get(f"/titel/{plays['ibsen'].pk}/"))


def test_the_hold_form_only_where_a_copy_exists(client, net, plays):
    html = page(client.get(f"/titel/{plays['hamlet'].pk}/"))
    assert "Inloggen om te reserveren" in html
    ghost = make_record(title="Cardenio", authors=["Shakespeare, William"])
    html = page(client.get(f"/titel/{ghost.pk}/"))
    assert "Inloggen om te reserveren" not in html and 'id="hold-title"' not in html
    assert "geen exemplaren" in html
    withdrawn = make_item(net.a1, ghost)
    withdrawn.status = ItemStatus.WITHDRAWN
    withdrawn.save()
    html = page(client.get(f"/titel/{ghost.pk}/"))
    assert "Inloggen om te reserveren" not in html
