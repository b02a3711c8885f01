"""Rate limits per token and per address, CORS only for registered origins, and no PIN, token
or card number in any log line."""

import logging
import re

import pytest

from clb.exchange.api import tokens
from tests.exchange.api.conftest import ORIGIN_A, Api
from tests.factories import make_patron

pytestmark = pytest.mark.django_db


def limits(settings, **kw):
    settings.CLB_EXCHANGE_RATE_LIMITS = {"api": 10**6, "api_token": 10**6, "api_login": 10**6, **kw}


def test_rate_limit_per_token(world, settings):
    limits(settings, api_token=3)
    a, b = Api(world.token_a), Api(world.token_b)
    for _ in range(3):
        assert a.get("/catalogue/search", {"q": "katoren"}).status_code == 200
    refused = a.get("/catalogue/search", {"q": "katoren"})
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert 0 < int(refused["Retry-After"]) <= 61
    assert refused["Content-Type"] == "application/problem+json"
    assert b.get("/catalogue/search", {"q": "katoren"}).status_code == 200  # its own count


def test_rate_limit_per_address(world, settings):
    limits(settings, api=3)
    here = {"REMOTE_ADDR": "192.0.2.7"}
    for token in (world.token_a, world.token_b, None):
        assert Api(token, **here).get("/network/organisations").status_code == 200
    refused = Api(world.token_a, **here).get("/network/organisations")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    elsewhere = Api(world.token_a, REMOTE_ADDR="192.0.2.8").get("/network/organisations")
    assert elsewhere.status_code == 200


def test_cors_only_for_registered_origins(world):
    preflight = Api().client.options(
        "/api/v1/catalogue/search",
        HTTP_ORIGIN=ORIGIN_A,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == ORIGIN_A
    assert "Authorization" in preflight["Access-Control-Allow-Headers"]
    stranger = Api().client.options(
        "/api/v1/catalogue/search",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert stranger.status_code == 403 and stranger.json()["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in stranger

    own = Api(world.token_a, HTTP_ORIGIN=ORIGIN_A).get("/catalogue/search", {"q": "katoren"})
    assert own.status_code == 200 and own["Access-Control-Allow-Origin"] == ORIGIN_A
    assert "Origin" in own["Vary"]
    # App B registered no origins: its token does not work from A's pages.
    borrowed = Api(world.token_b, HTTP_ORIGIN=ORIGIN_A).get("/catalogue/search", {"q": "k"})
    assert borrowed.status_code == 403 and borrowed.json()["code"] == "origin_not_allowed"
    anonymous = Api(HTTP_ORIGIN="https://evil.example").get("/network/organisations")
    assert anonymous.status_code == 200 and "Access-Control-Allow-Origin" not in anonymous


def test_no_pin_token_or_card_number_in_any_log_line(world, caplog):
    secret_pin = "8264"
    carla = make_patron(world.net.org_a, pin=secret_pin)
    caplog.set_level(logging.DEBUG)
    app = Api(world.token_a)
    login = {"grant_type": "password", "username": carla.card_number}
    assert app.post("/token", form={**login, "password": "5719"}).status_code == 400
    granted = app.post("/token", form={**login, "password": secret_pin}).json()
    member = Api(granted["access_token"])
    assert member.get("/me").status_code == 200
    app.post("/patrons/validate", {"card_number": carla.card_number})
    Api(world.token_a + "x").get("/me")
    member.delete("/token")
    assert member.get("/me").status_code == 401
    lines = [re.sub(r"ms=\d+", "", r.getMessage()) for r in caplog.records]
    assert any("api" in line and "POST" in line for line in lines)
    for line in lines:
        for secret in (
            secret_pin,
            "5719",
            carla.card_number,
            granted["access_token"],
            world.token_a,
            world.token_a[len(tokens.PREFIX) :][:12],
        ):
            assert secret not in line, line
