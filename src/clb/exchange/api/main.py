"""The API object: routers, how errors become problem details, and the OpenAPI 3.1 document
as a developer reads it (scopes on each operation, problems as application/problem+json)."""

import copy

from django.http import Http404
from django.urls import re_path
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from clb.errors import DomainError

from ..models import Scope
from . import catalogue, member, network, opendata, problems, session, validate
from .auth import BearerToken
from .gate import gated, not_found, to_docs

DESCRIPTION = """\
De REST-API van het Collectief Landelijk Bibliotheekstelsel (CLB) voor apps en partners.

**Tokens.** Een toepassing wordt per organisatie geregistreerd (beheer → API-toepassingen) en
krijgt daar een token (eenmalig getoond) met rechten: `catalogue:read`, `availability:read`,
`patron:self`, `patron:validate`, `stats:read`. Stuur het mee als `Authorization: Bearer <token>`.
Een lid logt in via de app: `POST /api/v1/token` met pasnummer en pincode geeft een token van
een uur voor de gegevens van dat lid.

**Fouten** zijn *problem details* (RFC 9457) met een vaste `code`, een Nederlandse `title`,
de uitleg in `detail` en het veld in `field`.

**Lijsten** hebben een cursor: vraag de volgende pagina met `cursor=<next_cursor>` en dezelfde
filters. Antwoorden hebben een `ETag`; met `If-None-Match` volgt 304 als er niets veranderde.

**Grenzen**: per token en per adres een maximum aantal verzoeken per minuut (429 met
`Retry-After`). Webpagina's mogen de API alleen aanroepen vanaf een geregistreerde herkomst.
"""
SCHEME = "BearerToken"


class Api(NinjaAPI):
    """Generating the document takes half a second and it only changes with the code, so each
    process makes it once per language."""

    _documents: dict

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        key = (path_prefix, str(path_params), get_language())
        cache = self.__dict__.setdefault("_documents", {})
        if key not in cache:
            schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
            cache[key] = document(schema, self)
        return copy.deepcopy(cache[key])


api = Api(
    title="CLB API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    docs=Swagger(settings={"persistAuthorization": False, "tryItOutEnabled": True}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/", session.router)
api.add_router("/catalogue", catalogue.router)
api.add_router("/", member.router)
api.add_router("/", validate.router)
api.add_router("/opendata", opendata.router)
api.add_router("/network", network.router)


@api.exception_handler(DomainError)
def _domain(request, exc):
    return problems.from_error(request, exc)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    errors = [
        {"field": str(e.get("loc", ["?"])[-1]), "reason": str(e.get("type", "invalid"))}
        for e in exc.errors
    ]
    first = errors[0]["field"] if errors else None
    return problems.response(
        request,
        "validation",
        _("Ongeldige waarde voor %(field)s.") % {"field": first or "?"},
        field=first,
        errors=errors,
    )


@api.exception_handler(Http404)
def _missing(request, exc):
    return problems.response(request, "not_found", _("Niet gevonden."))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problems.response(request, "unauthenticated", _("Stuur een geldig token mee."))


@api.exception_handler(HttpError)
def _http(request, exc):
    return problems.response(request, "bad_input", str(exc), status=exc.status_code)


# --- the OpenAPI document --------------------------------------------------------------------

# Any operation may be refused for these: unreadable or invalid input, size, rate, or our fault.
ALWAYS = (400, 413, 422, 429, 500)


def _problem_content() -> dict:
    return {problems.MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _security(auth) -> list | None:
    if not isinstance(auth, BearerToken):
        return None
    requirement = [{SCHEME: [auth.scope] if auth.scope else []}]
    return requirement + [{}] if auth.optional else requirement


def document(schema: dict, api_object) -> dict:
    """Scopes on each operation, problems in their own media type, the answers every
    operation may give, and the token scheme described."""
    auth_of = {}
    for bound in api_object._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                callbacks = operation.auth_callbacks
                auth_of[operation.operation_id] = callbacks[0] if callbacks else None
    for methods in schema["paths"].values():
        for operation in methods.values():
            responses = operation["responses"]
            for status in list(responses):
                if int(status) >= 400:
                    responses[status] = {
                        "description": str(problems.BY_STATUS.get(int(status), "")),
                        "content": _problem_content(),
                    }
            for status in ALWAYS:
                responses.setdefault(
                    status,
                    {"description": str(problems.BY_STATUS[status]), "content": _problem_content()},
                )
            security = _security(auth_of.get(operation["operationId"]))
            if security is not None:
                operation["security"] = security
            else:
                operation.pop("security", None)
    components = schema.setdefault("components", {})
    components["securitySchemes"] = {
        SCHEME: {
            "type": "http",
            "scheme": "bearer",
            "description": "Het token van de app, of van een lid (POST /api/v1/token). "
            "Rechten: " + ", ".join(f"`{s.value}` ({s.label})" for s in Scope),
        }
    }
    schema["servers"] = [{"url": "/", "description": "deze CLB"}]
    return schema


def urls():
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback = gated(to_docs if pattern.name == "api-root" else pattern.callback)
    patterns.append(re_path(r"^.*$", gated(not_found), name="not-found"))
    return patterns, app_name, namespace


__all__ = ["api", "urls"]
