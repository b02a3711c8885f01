"""An organisation registers its own apps in the admin, issues a token (shown once, kept only as
a digest) and revokes it; it never sees another organisation's apps or tokens."""

import hashlib
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from clb.accounts.models import User
from clb.accounts.roles import ensure_groups
from clb.exchange.models import ApiClient, ApiToken
from tests.exchange.api.conftest import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_a(world):
    user = User.objects.create_user(
        "beheer-a",
        password="x",
        is_staff=True,
        role=User.Role.ORG_ADMIN,
        organisation=world.net.org_a,
    )
    user.groups.add(ensure_groups())
    client = Client()
    client.force_login(user)
    return client


def test_register_issue_once_and_revoke(world, admin_a):
    added = admin_a.post(
        "/admin/exchange/apiclient/add/",
        {
            "organisation": world.net.org_a.pk,
            "name": "Leesclub-app",
            "scopes": ["catalogue:read", "patron:self"],
            "allowed_origins": "https://leesclub.example/\nhttps://app.leesclub.example",
            "network_wide": "on",  # not theirs to decide: ignored
            "region_code": "NL",
            "active": "on",
            "tokens-TOTAL_FORMS": "0",
            "tokens-INITIAL_FORMS": "0",
        },
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    app = ApiClient.objects.get(name="Leesclub-app")
    assert app.scopes == ["catalogue:read", "patron:self"]
    assert app.origins() == ["https://leesclub.example", "https://app.leesclub.example"]
    assert not app.network_wide and app.region_code == ""  # national administration only

    issued = admin_a.post(f"/admin/exchange/apiclient/{app.pk}/token/", {"days": "30"})
    assert issued.status_code == 200 and "no-store" in issued["Cache-Control"]
    raw = re.search(r'<code id="token"[^>]*>([^<]+)</code>', issued.content.decode())[1]
    token = ApiToken.objects.get(client=app)
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(list(ApiToken.objects.values()))  # only the digest is kept
    assert raw not in admin_a.get(f"/admin/exchange/apiclient/{app.pk}/change/").content.decode()
    assert Api(raw).get("/catalogue/search", {"q": "katoren"}).status_code == 200

    revoked = admin_a.post(
        "/admin/exchange/apitoken/",
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    )
    assert revoked.status_code == 302
    answer = Api(raw).get("/catalogue/search", {"q": "katoren"})
    assert answer.status_code == 401 and answer.json()["code"] == "token_revoked"


def test_origins_must_be_origins(world, admin_a):
    answer = admin_a.post(
        "/admin/exchange/apiclient/add/",
        {
            "organisation": world.net.org_a.pk,
            "name": "Fout",
            "allowed_origins": "https://leesclub.example/pad",
            "active": "on",
            "tokens-TOTAL_FORMS": "0",
            "tokens-INITIAL_FORMS": "0",
        },
    )
    assert answer.status_code == 200 and "geen herkomst" in answer.content.decode()
    assert not ApiClient.objects.filter(name="Fout").exists()


def test_another_organisations_apps_and_tokens_stay_out_of_sight(world, admin_a):
    listed = admin_a.get("/admin/exchange/apiclient/").content.decode()
    assert "Utrecht-app" in listed and "Eemland-app" not in listed
    assert admin_a.get(f"/admin/exchange/apiclient/{world.app_b.pk}/change/").status_code in (
        302,
        404,
    )
    assert admin_a.post(f"/admin/exchange/apiclient/{world.app_b.pk}/token/").status_code == 404
    b_token = ApiToken.objects.filter(client=world.app_b).get()
    admin_a.post(
        "/admin/exchange/apitoken/", {"action": "revoke_tokens", "_selected_action": [b_token.pk]}
    )
    b_token.refresh_from_db()
    assert b_token.revoked_at is None
    tokens_page = admin_a.get("/admin/exchange/apitoken/").content.decode()
    assert "Eemland-app" not in tokens_page and world.anna.card_number not in tokens_page


def test_api_token_command_prints_a_token_once(world):
    out = io.StringIO()
    call_command("api_token", "Zuil-app", create=world.net.org_a.isil, scope=["catalogue:read"],
                 days=30, stdout=out)  # fmt: skip
    raw = out.getvalue().strip().splitlines()[-1]
    app = ApiClient.objects.get(name="Zuil-app")
    assert app.organisation == world.net.org_a and app.scopes == ["catalogue:read"]
    assert Api(raw).get("/catalogue/search", {"q": "katoren"}).status_code == 200
    assert Api(raw).get("/catalogue/records/1/availability").json()["code"] == "insufficient_scope"
    again = io.StringIO()
    call_command("api_token", str(app.pk), stdout=again)
    assert raw not in again.getvalue() and ApiToken.objects.filter(client=app).count() == 2
    with pytest.raises(CommandError, match="bestaat niet"):
        call_command("api_token", "Nergens", create="NL-0000XX")
    with pytest.raises(CommandError, match="bestaat niet"):
        call_command("api_token", "999999")
