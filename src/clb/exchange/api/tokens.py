"""API clients' and members' tokens: made here, shown once, kept as a SHA-256 digest (a token is
32 random bytes, so a fast digest is safe and a lookup costs one indexed read), revocable, and
expiring. A member token is exchanged for card + PIN through members.verify_pin, so the API
shares the PIN lockout of the desk, the kiosks and Mijn Bibliotheek."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from clb import clock
from clb.errors import DomainError
from clb.members import services as members
from clb.members.models import Patron
from clb.scoping import patrons_visible_to

from ..models import ApiClient, ApiToken, Scope
from .problems import ApiProblem

PREFIX = "clb_"
CLIENT_TOKEN_DAYS = 365
MEMBER_TOKEN_MINUTES = 60
# What a member token may do besides the member's own data: the reading scopes of its app.
MEMBER_EXTRA_SCOPES = (Scope.CATALOGUE_READ, Scope.AVAILABILITY_READ)
# A used token's last-used time is written at most this often (not a write per request).
TOUCH_EVERY = timedelta(minutes=5)
KEEP_EXPIRED = timedelta(days=7)


def member_token_lifetime() -> timedelta:
    return timedelta(
        minutes=int(getattr(settings, "CLB_API_MEMBER_TOKEN_MINUTES", MEMBER_TOKEN_MINUTES))
    )


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _new(client: ApiClient, *, patron, scopes, expires_at, issued_by, at) -> tuple[ApiToken, str]:
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        client=client,
        patron=patron,
        digest=digest(raw),
        hint=raw[:10],
        scopes=sorted(str(s) for s in scopes),
        created_at=at,
        expires_at=expires_at,
        issued_by=issued_by[:150],
    )
    return token, raw


def issue_client_token(
    client: ApiClient, *, days: int = CLIENT_TOKEN_DAYS, issued_by: str = "", at=None
) -> tuple[ApiToken, str]:
    """A new token for the app itself, with the app's scopes; returns it with the token text,
    which is not kept and cannot be shown again."""
    if not 1 <= int(days) <= 3 * 366:
        raise DomainError(_("Geldigheid: 1 tot 1098 dagen."), code="validation", field="days")
    at = clock.now(at)
    return _new(
        client,
        patron=None,
        scopes=client.scopes,
        expires_at=at + timedelta(days=int(days)),
        issued_by=issued_by,
        at=at,
    )


@dataclass(frozen=True)
class _AsStaff:
    """An app as the staff rule for seeing patrons sees a user: its organisation, and the
    national view for an app the national administration made network-wide."""

    organisation_id: int
    is_national: bool
    is_superuser: bool = False


def serves(client: ApiClient, patron_id: int) -> bool:
    """Whether this app may act for this member: by the same rule that lets staff see a
    patron (a member of, or registered by, the app's organisation), or any member for a
    network-wide app."""
    viewer = _AsStaff(client.organisation_id, client.network_wide)
    return patrons_visible_to(viewer, Patron.objects.filter(pk=patron_id)).exists()


def issue_member_token(client_token: ApiToken, card_number: str, pin: str, *, at=None):
    """Card + PIN for a short-lived member token. An unknown card, a wrong PIN, a locked card
    and a member of another organisation all get the same answer, so the endpoint tells a
    guesser nothing about which cards exist."""
    at = clock.now(at)
    client = client_token.client
    try:
        patron = members.verify_pin(card_number or "", pin or "", at=at)
    except DomainError as exc:
        raise _refused() from exc
    if not serves(client, patron.pk):
        raise _refused()
    scopes = {Scope.PATRON_SELF} | {s for s in MEMBER_EXTRA_SCOPES if s in client.scopes}
    with transaction.atomic():
        # Expired member tokens are cleared as new ones are made, a week late: until then an
        # app that still uses one is told it expired rather than that it is unknown.
        ApiToken.objects.filter(patron__isnull=False, expires_at__lt=at - KEEP_EXPIRED).delete()
        return _new(
            client,
            patron=patron,
            scopes=scopes,
            expires_at=at + member_token_lifetime(),
            issued_by=client.name,
            at=at,
        )


def _refused() -> ApiProblem:
    return ApiProblem(
        "invalid_grant",
        _(
            "Pasnummer of pincode onjuist, of de pas is tijdelijk geblokkeerd. Probeer het "
            "later opnieuw of vraag het aan de balie."
        ),
        field="password",
    )


@dataclass(frozen=True)
class Bearer:
    """Who is calling: a token, its app and (for a member token) the member."""

    token: ApiToken

    @property
    def client(self) -> ApiClient:
        return self.token.client

    @property
    def patron(self) -> Patron | None:
        return self.token.patron

    @property
    def is_member(self) -> bool:
        return self.token.patron_id is not None

    def has(self, scope: str) -> bool:
        """A scope counts while both the token and its app have it: taking a scope from an app
        in the admin takes it from every token it was given before."""
        scope = str(scope)
        return scope in self.token.scopes and scope in self.client.scopes


def resolve(raw: str, *, at=None) -> Bearer:
    """The bearer of this token text, or ApiProblem (401) saying why not."""
    at = clock.now(at)
    token = (
        ApiToken.objects.select_related("client")  # a member is read when a call needs them
        .filter(digest=digest(raw or ""))
        .order_by()  # one row by a unique key: no sorting to compile or run
        .first()
    )
    if token is None or not token.client.active:
        raise ApiProblem("invalid_token", _("Onbekend token."))
    if token.revoked_at is not None:
        raise ApiProblem("token_revoked", _("Dit token is ingetrokken."))
    if token.expires_at <= at:
        raise ApiProblem("token_expired", _("Dit token is verlopen."))
    if token.last_used_at is None or at - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=at)
    return Bearer(token)


def revoke(token: ApiToken, *, at=None) -> None:
    revoke_all(ApiToken.objects.filter(pk=token.pk), at=at)


def revoke_all(found, *, at=None) -> int:
    """Revoke these tokens (a query set); returns how many were still valid."""
    return found.filter(revoked_at__isnull=True).update(revoked_at=clock.now(at))
