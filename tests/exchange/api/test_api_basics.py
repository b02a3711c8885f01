"""Tokens, scopes, problem details, paging, ETags and the documentation page."""

import pytest

from tests.exchange.api.conftest import PIN, Api

pytestmark = pytest.mark.django_db


def test_openapi_document_is_3_1_and_lists_every_operation(world):
    answer = Api().get("/openapi.json")
    assert answer.status_code == 200
    doc = answer.json()
    assert doc["openapi"] == "3.1.0"
    assert "/api/v1/me/loans/{loan_id}/renew" in doc["paths"]
    search = doc["paths"]["/api/v1/catalogue/search"]["get"]
    assert search["security"] == [{"BearerToken": ["catalogue:read"]}]
    assert search["responses"]["401"]["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }


def test_search_with_a_client_token(world):
    answer = Api(world.token_a).get("/catalogue/search", {"q": "katoren"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["total"] == 2
    assert {hit["title"] for hit in body["items"]} == {"Koning van Katoren", "Kinderen van Katoren"}


def test_no_token_is_a_problem_in_dutch(world):
    answer = Api().get("/catalogue/search", {"q": "katoren"})
    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/problem+json"
    problem = answer.json()
    assert problem["code"] == "unauthenticated"
    assert problem["title"] == "Niet aangemeld"
    assert problem["type"] == "urn:clb:problem:unauthenticated"


def test_member_token_and_renewal_refused_with_the_domain_code(world):
    api = Api(world.member_a)
    loans = api.get("/me/loans").json()["items"]
    assert len(loans) == 1
    answer = api.post(f"/me/loans/{loans[0]['id']}/renew")
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["code"] == "renewal_gains_nothing"
    assert "verlengen" in problem["detail"].lower()


def test_token_exchange(world):
    answer = Api(world.token_b).post(
        "/token",
        form={"grant_type": "password", "username": world.bram.card_number, "password": PIN},
    )
    assert answer.status_code == 200, answer.content
    token = answer.json()
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
    me = Api(token["access_token"]).get("/me").json()
    assert me["last_name"] == "Eemlander"
    assert me["memberships"][0]["organisation"]["isil"] == world.net.org_b.isil


def test_problems_in_english_on_request(world):
    answer = Api(HTTP_ACCEPT_LANGUAGE="en").get("/catalogue/search", {"q": "katoren"})
    problem = answer.json()
    assert (problem["title"], problem["detail"]) == (
        "Not authenticated",
        "Send a token: Authorization: Bearer <token>.",
    )
    hold = Api(world.member_a, HTTP_ACCEPT_LANGUAGE="en").post(
        "/me/holds", {"record_id": world.shelf.records[3].pk, "pickup_branch": "NL-0000XX"}
    )
    assert hold.json()["detail"] == "No organisation or branch with ISIL NL-0000XX."


def test_unknown_paths_and_methods_are_problems(world):
    for path in ("/api/v2/anything", "/api/v1/nope", "/api"):
        answer = Api().client.get(path)
        assert answer.status_code == 404, path
        assert answer["Content-Type"] == "application/problem+json"
    wrong = Api(world.token_a).delete("/catalogue/search")
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"
    assert Api().get("/").status_code == 302 and Api().get("/")["Location"].endswith("/docs")


def test_a_nul_character_is_refused_as_a_problem_naming_where(world):
    api = Api(world.token_a)
    query = api.get("/catalogue/search", {"q": "kat\x00oren"})
    assert query.status_code == 400 and query["Content-Type"] == "application/problem+json"
    assert (query.json()["code"], query.json()["field"]) == ("bad_input", "q")
    body = api.post("/patrons/validate", {"card_number": "1234\x00"})
    assert body.status_code == 400 and body.json()["field"] == "body"
