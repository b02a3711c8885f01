"""Every API operation, tried with a token of another organisation, a token without the scope,
an expired and a revoked token — and, as a control, with the right token, so a refusal is the
check and not a broken endpoint.

The operations come from the URL resolver (and, for the methods of each path, the API's own
OpenAPI document): a new endpoint fails this test until CASES says how to attack it."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from clb.circulation import services as circulation
from clb.circulation.models import ACTIVE_HOLD
from clb.exchange.api import tokens
from clb.exchange.models import ApiClient, Scope
from clb.members.models import AuditEntry
from clb.statistics.models import ClosedPeriod
from clb.statistics.periods import half_year
from tests.exchange.api.conftest import ALL_SCOPES, PIN, Api, make_app

pytestmark = pytest.mark.django_db

NAMESPACE = "api-v1:"


def api_operations() -> set[str]:
    """'METHOD route' of every operation under /api/v1/, from the resolver."""
    routes = {}

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and namespace == NAMESPACE:
                routes[prefix + str(p.pattern)] = p.name

    walk(get_resolver().url_patterns, "", "")
    document = Api().get("/openapi.json").json()["paths"]
    found = set()
    for route, name in routes.items():
        if name == "not-found":  # the catch-all that answers unknown paths
            continue
        template = "/" + route.replace("<", "{").replace(">", "}")
        for method in document.get(template, {"get": None}):
            found.add(f"{method.upper()} {route}")
    return found


@dataclass
class Case:
    """How to aim one operation at organisation A's data."""

    kind: str  # member | scoped | client | open | provisional | own_token | document
    path: object  # world → path under /api/v1
    body: object = None  # world → JSON body
    form: object = None  # world → form body
    params: dict = field(default_factory=dict)


def _loan(w):
    return w.anna.loans.get(returned_at__isnull=True).pk


def _hold(w):
    """Anna's hold (placed once; the control call cancels it)."""
    record = w.shelf.records[3]
    hold = w.anna.holds.filter(record=record, status__in=ACTIVE_HOLD).first()
    if hold is None:
        hold = circulation.place_hold(
            card_number=w.anna.card_number, pickup_branch=w.net.a1, record=record
        ).hold
    return hold.pk


CASES = {
    "POST api/v1/token": Case(
        "client",
        lambda w: "/token",
        form=lambda w: {"grant_type": "password", "username": w.anna.card_number, "password": PIN},
    ),
    "DELETE api/v1/token": Case("own_token", lambda w: "/token"),
    "GET api/v1/catalogue/search": Case(
        "scoped", lambda w: "/catalogue/search", params={"q": "katoren"}
    ),
    "GET api/v1/catalogue/records/<record_id>": Case(
        "scoped", lambda w: f"/catalogue/records/{w.shelf.records[0].pk}"
    ),
    "GET api/v1/catalogue/records/<record_id>/availability": Case(
        "scoped", lambda w: f"/catalogue/records/{w.shelf.records[0].pk}/availability"
    ),
    "GET api/v1/me": Case("member", lambda w: "/me"),
    "GET api/v1/me/loans": Case("member", lambda w: "/me/loans"),
    "POST api/v1/me/loans/<loan_id>/renew": Case("member", lambda w: f"/me/loans/{_loan(w)}/renew"),
    "POST api/v1/me/loans/renew": Case("member", lambda w: "/me/loans/renew"),
    "GET api/v1/me/holds": Case("member", lambda w: "/me/holds"),
    "POST api/v1/me/holds": Case(
        "member",
        lambda w: "/me/holds",
        body=lambda w: {"record_id": w.shelf.records[5].pk, "pickup_branch": w.net.a1.isil},
    ),
    "DELETE api/v1/me/holds/<hold_id>": Case("member", lambda w: f"/me/holds/{_hold(w)}"),
    "GET api/v1/me/fees": Case("member", lambda w: "/me/fees"),
    "GET api/v1/me/history": Case("member", lambda w: "/me/history"),
    "GET api/v1/me/export": Case("member", lambda w: "/me/export"),
    "POST api/v1/patrons/validate": Case(
        "client", lambda w: "/patrons/validate", body=lambda w: {"card_number": w.anna.card_number}
    ),
    "GET api/v1/opendata/periods": Case("open", lambda w: "/opendata/periods"),
    "GET api/v1/opendata/indicators": Case(
        "provisional",
        lambda w: "/opendata/indicators",
        params={"region": "ORG:bibliotheek-utrecht"},
    ),
    "GET api/v1/network/organisations": Case("open", lambda w: "/network/organisations"),
    "GET api/v1/network/organisations/<ref>": Case(
        "open", lambda w: f"/network/organisations/{w.net.org_a.isil}"
    ),
    "GET api/v1/network/branches": Case("open", lambda w: "/network/branches"),
    "GET api/v1/network/branches/<ref>": Case(
        "open", lambda w: f"/network/branches/{w.net.a1.isil}"
    ),
    "GET api/v1/openapi.json": Case("document", lambda w: "/openapi.json"),
    "GET api/v1/docs": Case("document", lambda w: "/docs"),
    "GET api/v1/": Case("document", lambda w: "/"),
}


def test_every_operation_has_a_case():
    missing = sorted(api_operations() - set(CASES))
    assert not missing, f"No isolation case for {missing}: add one to CASES."
    stale = sorted(set(CASES) - api_operations())
    assert not stale, f"CASES names operations that no longer exist: {stale}"


def _tokens(world) -> dict[str, str]:
    """The attacking tokens, and the right one for each kind of operation."""
    now = timezone.now()
    past = now - timedelta(days=2)
    a_client = tokens.resolve(world.token_a).token
    bare, bare_token = make_app(world.net.org_a, "Kale app", scopes=[])
    without_self = ApiClient.objects.create(
        organisation=world.net.org_a,
        name="App zonder patron:self",
        scopes=[s for s in ALL_SCOPES if s != Scope.PATRON_SELF],
    )
    expired_client = tokens.issue_client_token(world.app_a, days=1, at=past)[1]
    revoked_client_token, revoked_client = tokens.issue_client_token(world.app_a)
    tokens.revoke(revoked_client_token)
    expired_member = tokens.issue_member_token(a_client, world.anna.card_number, PIN, at=past)[1]
    revoked_member_token, revoked_member = tokens.issue_member_token(
        a_client, world.anna.card_number, PIN
    )
    tokens.revoke(revoked_member_token)
    # Tokens no service would issue: Anna's token through another organisation's app, and
    # through an app that lost the scope. The check must hold on every call, not only at login.
    other_member = tokens._new(
        world.app_b,
        patron=world.anna,
        scopes=[Scope.PATRON_SELF],
        expires_at=now + timedelta(hours=1),
        issued_by="test",
        at=now,
    )[1]
    scopeless_member = tokens._new(
        without_self,
        patron=world.anna,
        scopes=[Scope.PATRON_SELF],
        expires_at=now + timedelta(hours=1),
        issued_by="test",
        at=now,
    )[1]
    return {
        "client": world.token_a,
        "member": world.member_a,
        "other_client": world.token_b,
        "other_member": other_member,
        "bare_client": bare_token,
        "scopeless_member": scopeless_member,
        "expired_client": expired_client,
        "expired_member": expired_member,
        "revoked_client": revoked_client,
        "revoked_member": revoked_member,
    }


def _call(token, case: Case, world):
    api = Api(token)
    path = case.path(world)
    method = _method_of[id(case)]
    if method == "GET":
        return api.get(path, case.params)
    if method == "DELETE":
        return api.delete(path)
    if case.form:
        return api.post(path, form=case.form(world))
    return api.post(path, json=case.body(world) if case.body else {})


_method_of: dict[int, str] = {}
for _key, _case in CASES.items():
    _method_of[id(_case)] = _key.split()[0]


def _is_problem(answer, status, code=None):
    assert answer.status_code == status, (answer.status_code, answer.content[:300])
    assert answer["Content-Type"] == "application/problem+json"
    if code:
        assert answer.json()["code"] == code, answer.json()


ANNA = b"Geheim"  # her last name: no refused answer may carry it


@pytest.mark.parametrize("operation", sorted(CASES))
def test_operation_isolation(world, operation):
    case = CASES[operation]
    ClosedPeriod.objects.all().delete()  # the current period is provisional
    t = _tokens(world)
    if case.kind == "provisional":
        case.params = {**case.params, "period": half_year(timezone.localdate()).code}
    own, other, scopeless, expired, revoked = {
        "member": (
            "member",
            "other_member",
            "scopeless_member",
            "expired_member",
            "revoked_member",
        ),
        "scoped": ("member", "other_client", "bare_client", "expired_client", "revoked_client"),
        "client": ("client", "other_client", "bare_client", "expired_client", "revoked_client"),
        "open": ("client", "other_client", "bare_client", "expired_client", "revoked_client"),
        "provisional": (
            "client",
            "other_client",
            "bare_client",
            "expired_client",
            "revoked_client",
        ),
        "own_token": ("client", "other_client", "bare_client", "expired_client", "revoked_client"),
        "document": ("client", "other_client", "bare_client", "expired_client", "revoked_client"),
    }[case.kind]
    audit_before = AuditEntry.objects.count()

    # expired and revoked: refused everywhere a token counts
    for name, code in ((expired, "token_expired"), (revoked, "token_revoked")):
        answer = _call(t[name], case, world)
        if case.kind == "document":
            assert answer.status_code in (200, 302), answer.status_code
        else:
            _is_problem(answer, 401, code)
            assert ANNA not in answer.content

    # without the scope
    answer = _call(t[scopeless], case, world)
    if case.kind in ("member", "scoped", "client"):
        _is_problem(answer, 403, "insufficient_scope")
    elif case.kind == "provisional":
        _is_problem(answer, 401, "provisional_figures")
    else:  # open data, documents and revoking one's own token need no scope
        assert answer.status_code in (200, 204, 302), answer.content[:300]
    assert ANNA not in answer.content

    # another organisation's token
    answer = _call(t[other], case, world)
    if case.kind == "member":
        _is_problem(answer, 403, "other_organisation")
    elif case.kind == "provisional":
        _is_problem(answer, 403, "region_not_allowed")
    elif operation == "POST api/v1/token":
        _is_problem(answer, 400, "invalid_grant")
    elif operation == "POST api/v1/patrons/validate":
        assert answer.status_code == 200
        assert answer.json() == {
            "valid": False,
            "blocked": False,
            "age_band": None,
            "home_organisation": None,
        }
    else:  # national data (catalogue, network) and one's own token
        assert answer.status_code in (200, 204, 302), answer.content[:300]
    assert ANNA not in answer.content
    assert AuditEntry.objects.count() == audit_before, "a refused call left an audit entry"

    # control: the right token works (or gets a refusal of the service, never of the check)
    answer = _call(t[own], case, world)
    assert answer.status_code < 500
    assert answer.status_code not in (401, 403), answer.content[:300]
    if case.kind == "member":
        assert AuditEntry.objects.filter(patron=world.anna, username="API: Utrecht-app").exists()
