"""Branded Dutch error pages: 403, 404 and 500 look like the library and say what to do
(issue 11, item 10)."""

import pytest
from django.test import Client

from tests.web.conftest import page

pytestmark = pytest.mark.django_db


def branded(html: str) -> None:
    assert '<html lang="nl">' in html and 'class="brand"' in html and "clb.css" in html
    assert 'href="/"' in html  # a way back to the catalogue


def test_not_found_is_a_dutch_library_page(client, net):
    response = client.get("/bestaat-niet/")
    assert response.status_code == 404
    html = page(response)
    branded(html)
    assert "Deze pagina bestaat niet" in html and "Not Found" not in html


def test_forbidden_is_a_dutch_library_page(desk):
    response = desk.get("/balie/logboek/")  # for organisation admins only
    assert response.status_code == 403
    html = page(response)
    branded(html)
    assert "Geen toegang" in html and "403 Forbidden" not in html


def test_server_error_is_a_dutch_library_page(settings, net):
    settings.ROOT_URLCONF = "tests.web.urls_failing"
    response = Client(raise_request_exception=False).get("/kapot/")
    assert response.status_code == 500
    html = page(response)
    branded(html)
    assert "Er ging iets mis" in html and "Server Error" not in html
    assert "a bug, on purpose" not in html  # nothing of the inside shows


def test_an_unreachable_database_is_a_503_that_says_to_check_what_was_done(settings, net):
    settings.ROOT_URLCONF = "tests.web.urls_failing"
    response = Client(raise_request_exception=False).post("/database-weg/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    html = page(response)
    branded(html)
    assert "even niet bereikbaar" in html and "kijk het na" in html
    assert "Connection refused" not in html and "Er ging iets mis" not in html


def test_error_pages_switch_to_english(client, net):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = page(client.get("/bestaat-niet/"))
    assert '<html lang="en">' in html and "This page does not exist" in html
