"""Who may call an operation: a bearer token with the operation's scope, checked before the
operation reads its parameters (the gate has counted the request against the token's rate
limit). Refusals are ApiProblems, answered as problem details (401 no or bad token, 403 scope
or organisation)."""

from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from . import cors, tokens
from .problems import ApiProblem


class Anonymous:
    """No token: allowed where an operation says so (network data, final open data)."""

    client = None
    patron = None
    token = None

    def has(self, scope: str) -> bool:
        return False

    def __bool__(self):  # ninja takes a falsy answer for "not authenticated"
        return True


ANONYMOUS = Anonymous()


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`. `scope`: the scope the token must carry; `member`: only a
    member's token (card + PIN); `client`: only an app's own token; `optional`: no token is
    fine (the operation then sees ANONYMOUS)."""

    def __init__(self, scope=None, *, member=False, client=False, optional=False):
        super().__init__()
        self.scope = str(scope) if scope else None
        self.member = member
        self.client = client
        self.optional = optional

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if not header:
            if self.optional:
                return ANONYMOUS
            raise ApiProblem(
                "unauthenticated", _("Stuur een token mee: Authorization: Bearer <token>.")
            )
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise ApiProblem(
                "unauthenticated", _("Stuur een token mee: Authorization: Bearer <token>.")
            )
        return self.authenticate(request, raw.strip())

    def authenticate(self, request, token):
        bearer = tokens.resolve(token)
        entry = getattr(request, "clb_api_entry", None)
        if entry is not None:  # the log line names the app, never the token
            entry["client"] = bearer.client.pk
        if not cors.allowed_for(request, bearer.client):
            raise ApiProblem(
                "origin_not_allowed",
                _("Deze webpagina (%(origin)s) is niet geregistreerd bij deze toepassing.")
                % {"origin": cors.origin(request)},
            )
        if self.scope and not bearer.has(self.scope):
            raise ApiProblem(
                "insufficient_scope",
                _("Dit token heeft het recht %(scope)s niet.") % {"scope": self.scope},
            )
        if self.member and not bearer.is_member:
            raise ApiProblem(
                "member_token_required",
                _("Dit kan alleen met het token van een lid (POST /api/v1/token)."),
            )
        if self.member and not tokens.serves(bearer.client, bearer.token.patron_id):
            raise ApiProblem(
                "other_organisation",
                _("Deze toepassing mag geen leden van een andere organisatie bedienen."),
            )
        if self.client and bearer.is_member:
            raise ApiProblem(
                "client_token_required", _("Dit kan alleen met het token van de toepassing.")
            )
        return bearer
