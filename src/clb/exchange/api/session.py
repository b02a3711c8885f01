"""Tokens for members: card + PIN exchanged for a short-lived token (OAuth 2.0 resource-owner
password grant, RFC 6749 4.3, with the app authenticated by its own bearer token), and
revoking a token — a member's at logout, or an app's own."""

from django.utils.translation import gettext as _
from ninja import Form, Router
from ninja.responses import Status

from .. import ratelimit
from ..models import Scope
from . import tokens
from .auth import BearerToken
from .common import answers
from .problems import ApiProblem
from .schemas import TokenOut

router = Router(tags=["tokens"])


@router.post(
    "/token",
    auth=BearerToken(Scope.PATRON_SELF, client=True),
    response=answers({200: TokenOut}, 400, 401, 403),
    operation_id="createMemberToken",
    summary="Inloggen van een lid: pas + pincode voor een token",
    description=(
        "Met het token van de app (recht `patron:self`) in `Authorization`; in het formulier "
        "`grant_type=password`, `username` = pasnummer, `password` = pincode. Dezelfde "
        "blokkering na verkeerde pincodes als aan de balie en bij de zuilen. Het token geldt "
        "een uur en kan met DELETE /token worden ingetrokken."
    ),
)
def create_member_token(
    request,
    grant_type: str = Form(..., max_length=40),
    username: str = Form(..., max_length=40, description="pasnummer"),
    password: str = Form(..., max_length=40, description="pincode"),
    scope: str = Form(
        "",
        max_length=200,
        description="genegeerd: het token krijgt de rechten van de app voor leden",
    ),
):
    if grant_type != "password":
        raise ApiProblem(
            "unsupported_grant_type",
            _("Alleen grant_type=password wordt ondersteund."),
            field="grant_type",
        )
    verdict = ratelimit.check("api_login", ratelimit.client_address(request))
    if not verdict.allowed:
        raise ApiProblem(
            "rate_limited",
            _("Te veel inlogpogingen vanaf dit adres; probeer het later opnieuw."),
            retry_after=verdict.retry_after,
        )
    token, raw = tokens.issue_member_token(request.auth.token, username, password)
    return {
        "access_token": raw,
        "token_type": "Bearer",
        "expires_in": int((token.expires_at - token.created_at).total_seconds()),
        "scope": " ".join(token.scopes),
    }


@router.delete(
    "/token",
    auth=BearerToken(),
    response=answers({204: None}, 401),
    operation_id="revokeToken",
    summary="Dit token intrekken (uitloggen)",
)
def revoke_token(request):
    tokens.revoke(request.auth.token)
    return Status(204, None)
