"""A member's app, end to end over real HTTP against a live server, as an app developer would
build it from /api/v1/docs: every path is looked up in the OpenAPI document by its operationId,
then card + PIN for a token, search, availability, a hold with a pickup branch, renewals, the
data export, and logging out (revoking the token)."""

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone

from clb.circulation import services as circulation
from clb.exchange.api import tokens
from clb.exchange.models import ApiClient
from tests.exchange.api.conftest import ALL_SCOPES, PIN
from tests.factories import make_patron

pytestmark = pytest.mark.django_db(transaction=True)


class App:
    """What a developer writes against the document: call an operation by its id."""

    def __init__(self, base: str, app_token: str):
        self.base = base
        self.token = app_token
        with urllib.request.urlopen(base + "/api/v1/openapi.json") as answer:
            self.document = json.load(answer)
        self.operations = {
            op["operationId"]: (method.upper(), path)
            for path, methods in self.document["paths"].items()
            for method, op in methods.items()
        }

    def call(self, operation_id, *, token=None, params=None, json_body=None, form=None, **path):
        method, template = self.operations[operation_id]
        url = self.base + template.format(**path)
        if params:
            url += "?" + urllib.parse.urlencode(params)
        headers = {"Authorization": f"Bearer {token or self.token}", "Accept": "application/json"}
        data = None
        if json_body is not None:
            data, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request) as answer:
                raw = answer.read()
                return answer.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as refused:
            assert refused.headers["Content-Type"] == "application/problem+json"
            return refused.code, json.loads(refused.read())


def test_docs_page_is_served_by_clb_without_a_cdn(live_server):
    with urllib.request.urlopen(live_server.url + "/api/v1/docs") as answer:
        assert answer.status == 200
        page = answer.read().decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any(a.endswith(".js") for a in assets), assets
    for asset in assets:
        assert asset.startswith("/"), f"{asset} is not served by CLB"
        with urllib.request.urlopen(live_server.url + asset) as served:
            assert served.status == 200
    assert "/api/v1/openapi.json" in page


def test_member_journey(live_server, shelf):
    net = shelf.net
    app = ApiClient.objects.create(organisation=net.org_a, name="Bieb-app", scopes=ALL_SCOPES)
    app_token = tokens.issue_client_token(app)[1]
    now = timezone.now()
    carla = make_patron(net.org_a, pin=PIN, at=now - timedelta(days=60), last_name="Lezer")
    # A loan three weeks old can be renewed; one from today gains nothing from a renewal.
    old = circulation.checkout(
        item_barcode=shelf.items[2].barcode,
        card_number=carla.card_number,
        branch=net.a1,
        at=now - timedelta(days=20),
    ).loan
    api = App(live_server.url, app_token)

    status, grant = api.call(
        "createMemberToken",
        form={"grant_type": "password", "username": carla.card_number, "password": PIN},
    )
    assert status == 200, grant
    me = grant["access_token"]
    assert "patron:self" in grant["scope"].split()

    status, profile = api.call("getProfile", token=me)
    assert status == 200 and profile["last_name"] == "Lezer"

    status, found = api.call("searchCatalogue", token=me, params={"q": "mulisch"})
    assert status == 200 and found["total"] == 2
    aanslag = next(hit for hit in found["items"] if hit["title"] == "De aanslag")

    status, where = api.call("getAvailability", token=me, record_id=aanslag["id"])
    assert status == 200
    assert [row["branch"]["isil"] for row in where["items"]] == [net.a1.isil]

    status, hold = api.call(
        "placeHold",
        token=me,
        json_body={"record_id": aanslag["id"], "pickup_branch": net.a2.isil},
    )
    assert status == 201, hold
    assert hold["pickup_branch"]["isil"] == net.a2.isil and hold["position"] == 1
    status, holds = api.call("listHolds", token=me)
    assert [h["id"] for h in holds["items"]] == [hold["id"]]

    status, loans = api.call("listLoans", token=me)
    assert [loan["id"] for loan in loans["items"]] == [old.pk]
    assert loans["items"][0]["renewal"]["allowed"] is True
    status, renewed = api.call("renewLoan", token=me, loan_id=old.pk)
    assert status == 200, renewed
    assert renewed["renewals"] == 1
    assert renewed["due_at"] > loans["items"][0]["due_at"]
    status, again = api.call("renewAllLoans", token=me)
    assert status == 200 and again["renewed"] == []
    assert [r["loan_id"] for r in again["refused"]] == [old.pk]

    status, export = api.call("exportData", token=me)
    assert status == 200
    assert export["patron"]["card_number"] == carla.card_number
    assert len(export["loans"]) == 1 and len(export["holds"]) == 1

    status, cancelled = api.call("cancelHold", token=me, hold_id=hold["id"])
    assert status == 200
    # A hold cancelled before a copy was set aside costs nothing: the fee comes back.
    assert cancelled["refund"] == hold["fee"] != "0.00"

    status, _ = api.call("revokeToken", token=me)
    assert status == 204
    status, problem = api.call("getProfile", token=me)
    assert status == 401 and problem["code"] == "token_revoked"
    # The app's own token is untouched by the member logging out.
    status, _ = api.call("searchCatalogue", params={"q": "mulisch"})
    assert status == 200
