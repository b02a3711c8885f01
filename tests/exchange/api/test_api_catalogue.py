"""The catalogue through the API: the OPAC's search with its facets, cursors, a record as JSON
and as MARCXML, availability per branch by ISIL, and ETags."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import etree

from clb.catalogue.search import search
from clb.circulation import services as circulation
from tests.exchange.api.conftest import Api

pytestmark = pytest.mark.django_db
MARC = {"m": "http://www.loc.gov/MARC21/slim"}


def test_search_gives_the_opacs_facets_and_typo_correction(world):
    api = Api(world.token_a)
    body = api.get("/catalogue/search", {"q": "oorlog"}).json()
    opac = search("oorlog")
    assert body["total"] == opac.total > 0
    assert body["facets"] == {
        name: [{"value": str(v), "count": n} for v, n in values]
        for name, values in opac.facets.items()
    }
    assert set(body["facets"]) == {"material_type", "audience", "language", "decade"}
    typo = api.get("/catalogue/search", {"q": "havelaer"}).json()
    assert typo["corrected"] == "havelaar"
    assert [hit["title"] for hit in typo["items"]] == ["Max Havelaar"]


def test_search_filters_and_available_at_an_isil(world):
    api = Api(world.token_a)
    old = api.get("/catalogue/search", {"q": "", "year_to": 1950}).json()
    assert {hit["year"] for hit in old["items"]} <= set(range(1800, 1951)) and old["total"] == 3
    # Copies of records with an even index stand at a1; Anna borrowed the first.
    at_a1 = api.get("/catalogue/search", {"available_at": world.net.a1.isil}).json()
    titles = {hit["title"] for hit in at_a1["items"]}
    assert "Max Havelaar" in titles and "Het bittere kruid" not in titles
    assert "De avonden" not in titles  # on loan to Anna, and its other copy is at b1
    unknown = api.get("/catalogue/search", {"available_at": "NL-9999XX"})
    assert unknown.status_code == 404 and unknown.json()["field"] == "available_at"


def test_cursor_pages_through_every_hit_once(world):
    api = Api(world.token_a)
    seen, params = [], {"q": "", "limit": 5}
    while True:
        body = api.get("/catalogue/search", params).json()
        seen += [hit["id"] for hit in body["items"]]
        if not body["next_cursor"]:
            break
        params = {**params, "cursor": body["next_cursor"]}
    assert len(seen) == len(set(seen)) == len(world.shelf.records)
    # A cursor continues the request it came from, not another one.
    first = api.get("/catalogue/search", {"q": "", "limit": 5}).json()
    other = api.get("/catalogue/search", {"q": "", "limit": 6, "cursor": first["next_cursor"]})
    assert other.status_code == 400 and other.json()["code"] == "bad_cursor"
    forged = api.get("/catalogue/search", {"q": "", "limit": 5, "cursor": "eyJvIjo1fQ:x:y"})
    assert forged.status_code == 400 and forged.json()["field"] == "cursor"


def test_record_as_json_and_as_marcxml_with_852_per_organisation(world):
    api = Api(world.token_a)
    avonden = world.shelf.records[0]  # a copy at a1 (on loan to Anna) and one at b1
    body = api.get(f"/catalogue/records/{avonden.pk}").json()
    assert body["title"] == "De avonden" and body["isbn"] == "9789023466345"
    assert {(h["organisation"], h["copies"], h["available"]) for h in body["holdings"]} == {
        (world.net.org_a.isil, 1, 0),
        (world.net.org_b.isil, 1, 1),
    }
    answer = api.get(f"/catalogue/records/{avonden.pk}", HTTP_ACCEPT="application/marcxml+xml")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/marcxml+xml")
    xml = etree.fromstring(answer.content)
    assert xml.xpath("//m:datafield[@tag='245']/m:subfield[@code='a']/text()", namespaces=MARC)
    isils = xml.xpath("//m:datafield[@tag='852']/m:subfield[@code='a']/text()", namespaces=MARC)
    assert sorted(isils) == sorted([world.net.org_a.isil, world.net.org_b.isil])
    refused = api.get(f"/catalogue/records/{avonden.pk}", HTTP_ACCEPT="image/png")
    assert refused.status_code == 406 and refused.json()["field"] == "Accept"
    missing = api.get("/catalogue/records/999999")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"


def test_availability_per_branch_and_by_isil(world):
    api = Api(world.token_a)
    avonden = world.shelf.records[0]
    havelaar = world.shelf.records[2]  # its one copy, at a1, goes out: Bram has to wait
    circulation.checkout(
        item_barcode=world.shelf.items[2].barcode,
        card_number=world.anna.card_number,
        branch=world.net.a1,
    )
    circulation.place_hold(
        card_number=world.bram.card_number, pickup_branch=world.net.b1, record=havelaar
    )
    waiting = api.get(f"/catalogue/records/{havelaar.pk}/availability").json()
    assert waiting["holds_waiting"] == 1
    body = api.get(f"/catalogue/records/{avonden.pk}/availability").json()
    rows = {row["branch"]["isil"]: row for row in body["items"]}
    assert set(rows) == {world.net.a1.isil, world.net.b1.isil}
    assert (rows[world.net.a1.isil]["on_loan"], rows[world.net.a1.isil]["available"]) == (1, 0)
    assert rows[world.net.a1.isil]["next_due"] is not None
    assert body["holds_waiting"] == 0
    only_b = api.get(
        f"/catalogue/records/{avonden.pk}/availability", {"isil": world.net.org_b.isil}
    ).json()
    assert [row["branch"]["isil"] for row in only_b["items"]] == [world.net.b1.isil]
    assert only_b["items"][0]["organisation"]["isil"] == world.net.org_b.isil
    one_branch = api.get(
        f"/catalogue/records/{avonden.pk}/availability", {"isil": world.net.a1.isil}
    ).json()
    assert [row["branch"]["isil"] for row in one_branch["items"]] == [world.net.a1.isil]
    nothing_here = api.get(
        f"/catalogue/records/{avonden.pk}/availability", {"isil": world.net.a2.isil}
    )
    assert nothing_here.status_code == 200 and nothing_here.json()["items"] == []
    unknown = api.get("/catalogue/records/999999/availability")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"


def test_etag_answers_304_until_something_changes(world):
    api = Api(world.token_a)
    path = f"/catalogue/records/{world.shelf.records[2].pk}/availability"
    first = api.get(path)
    etag = first["ETag"]
    assert etag and first["Cache-Control"] == "private, no-cache"
    again = api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    circulation.checkout(
        item_barcode=world.shelf.items[2].barcode,
        card_number=world.anna.card_number,
        branch=world.net.a1,
    )
    changed = api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    # What anyone may read without a token, a shared cache may keep for a minute; what took
    # a token only the caller's own cache.
    public = Api().get("/network/branches")
    assert public["Cache-Control"] == "public, max-age=60" and public["ETag"]
    assert "Authorization" in public["Vary"]


def test_the_api_adds_two_statements_to_the_services_own(world):
    """Counting the request (address and token in one upsert) and reading the token: the
    rest is the service's own work (bench/api.py measures what that costs in time)."""
    api = Api(world.token_a)
    record = world.shelf.records[0].pk
    calls = (
        ("/catalogue/search", {"q": "oorlog"}, lambda: list(search("oorlog").hits)),
        (f"/catalogue/records/{record}/availability", {},
         lambda: circulation.availability(record)),
    )  # fmt: skip
    for path, params, direct in calls:
        api.get(path, params)  # warm: the first request of a window also clears old counts
        with CaptureQueriesContext(connection) as through_api:
            assert api.get(path, params).status_code == 200
        with CaptureQueriesContext(connection) as by_itself:
            direct()
        assert len(through_api) == len(by_itself) + 2, [q["sql"][:80] for q in through_api]
