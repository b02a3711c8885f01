"""Two organisations' apps, a member of each, and the tokens a real app would hold, over the
small national catalogue of tests/exchange/conftest.py."""

from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from clb.circulation import services as circulation
from clb.exchange.api import tokens
from clb.exchange.models import ApiClient, Scope
from tests.factories import make_patron

ALL_SCOPES = [s.value for s in Scope]
PIN = "4821"
ORIGIN_A = "https://app.utrecht.example"


@dataclass
class ApiWorld:
    shelf: object
    app_a: ApiClient
    app_b: ApiClient
    token_a: str  # app A's own token, every scope
    token_b: str
    anna: object  # member of organisation A, with a loan
    bram: object  # member of organisation B
    member_a: str  # Anna's member token through app A

    @property
    def net(self):
        return self.shelf.net


def bearer(token: str | None) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}


class Api:
    """Django's test client aimed at /api/v1, with a token."""

    def __init__(self, token: str | None = None, **headers):
        self.client = Client()
        self.headers = {**bearer(token), **headers}

    def _call(self, method, path, **kw):
        headers = {**self.headers, **kw.pop("headers", {})}
        return getattr(self.client, method)(f"/api/v1{path}", **kw, **headers)

    def get(self, path, params=None, **kw):
        return self._call("get", path, data=params, **kw)

    def post(self, path, json=None, form=None, **kw):
        if form is not None:
            return self._call("post", path, data=form, **kw)
        return self._call("post", path, data=json or {}, content_type="application/json", **kw)

    def delete(self, path, **kw):
        return self._call("delete", path, **kw)


@pytest.fixture(autouse=True)
def _generous_limits(settings):
    # The limits themselves have their own tests; elsewhere they would only get in the way.
    settings.CLB_EXCHANGE_RATE_LIMITS = {"api": 10**6, "api_token": 10**6, "api_login": 10**6}


def make_app(organisation, name, scopes=ALL_SCOPES, **kw) -> tuple[ApiClient, str]:
    app = ApiClient.objects.create(organisation=organisation, name=name, scopes=scopes, **kw)
    return app, tokens.issue_client_token(app, issued_by="test")[1]


@pytest.fixture
def world(shelf) -> ApiWorld:
    net = shelf.net
    now = timezone.now()
    app_a, token_a = make_app(net.org_a, "Utrecht-app", allowed_origins=ORIGIN_A)
    app_b, token_b = make_app(net.org_b, "Eemland-app")
    anna = make_patron(net.org_a, pin=PIN, at=now, first_name="Anna", last_name="Geheim")
    bram = make_patron(net.org_b, pin=PIN, at=now, first_name="Bram", last_name="Eemlander")
    circulation.checkout(
        item_barcode=shelf.items[0].barcode, card_number=anna.card_number, branch=net.a1
    )
    client_token = tokens.resolve(token_a).token
    member_a = tokens.issue_member_token(client_token, anna.card_number, PIN)[1]
    return ApiWorld(shelf, app_a, app_b, token_a, token_b, anna, bram, member_a)
