"""Schemathesis against the live OpenAPI document: every operation called with generated input
(valid and invalid) through the WSGI application, on SQLite and PostgreSQL alike. No answer may
be a server error, and every answer must be one the document promises — status, media type and
body schema. A stateful run then follows the document's links (place a hold → cancel it)."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from clb.exchange.api import tokens
from clb.exchange.api.main import api

pytestmark = pytest.mark.django_db

EXAMPLES = 12
CONFIG = {
    # Valid input that a service refuses for what it means (a renewal too early, a hold on a
    # title without copies, an unknown record) is answered 400/404/409/422 with a problem.
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "422"]
        }
    },
}
# The operations, read from the same API object that serves the document (the test itself loads
# the document over HTTP).
OPERATIONS = sorted(
    (method.upper(), path)
    for path, methods in api.get_openapi_schema(path_prefix="/api/v1/")["paths"].items()
    for method in methods
)


@pytest.fixture
def live_schema(world):
    # Django closes the database connection when a request ends; inside the test's transaction
    # the WSGI application must leave it open, as Django's own test client does.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi(
            "/api/v1/openapi.json",
            get_wsgi_application(),
            config=SchemathesisConfig.from_dict(CONFIG),
        )

        class Tokens:
            """The token each call carries (schemathesis' auth provider)."""

            def get(self, case, context):
                return token_for(case.method.upper(), case.path, world)

            def set(self, case, token, context):
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

        schema.auth(refresh_interval=None)(Tokens)
        yield schema
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def token_for(method: str, path: str, world) -> str:
    """A member's token for the member's operations, a fresh app token to revoke, else the
    app's own token (every scope)."""
    if path.startswith("/api/v1/me"):
        return world.member_a
    if method == "DELETE" and path == "/api/v1/token":
        return tokens.issue_client_token(world.app_a)[1]
    return world.token_a


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_operation_answers_as_documented(live_schema, world, method, path):
    operation = live_schema[path][method]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=cases)
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate()

    check()


def test_stateful_runs_follow_the_links(live_schema, world):
    """Sequences of calls along the document's links (and the ones schemathesis infers from
    path parameters and response bodies): ids from one answer used in the next call."""
    live_schema.as_state_machine().run(
        settings=settings(
            max_examples=15,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
