"""Cursor pagination: every list answers at most `limit` items and, when there are more, an
opaque `next_cursor` to ask for the next ones. A cursor is signed (clients cannot forge a
position) and bound to the request it continues: the same operation with the same filters."""

from django.core import signing
from django.utils.translation import gettext as _
from ninja import Schema

from .problems import ApiProblem

SALT = "clb.exchange.api.cursor"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def _fingerprint(request) -> str:
    params = sorted((k, v) for k, vs in request.GET.lists() if k != "cursor" for v in vs)
    return signing.Signer(salt=SALT).signature(f"{request.path}?{params}")[:16]


def offset_of(request, cursor: str | None) -> int:
    """Where a page starts: 0 without a cursor, else the cursor's position."""
    if not cursor:
        return 0
    try:
        data = signing.loads(cursor, salt=SALT)
        offset, fingerprint = int(data["o"]), data["f"]
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise ApiProblem("bad_cursor", _("Deze cursor is ongeldig."), field="cursor") from exc
    if fingerprint != _fingerprint(request) or offset < 0:
        raise ApiProblem(
            "bad_cursor",
            _("Deze cursor hoort bij een ander verzoek: gebruik dezelfde filters en limit."),
            field="cursor",
        )
    return offset


def cursor_for(request, offset: int) -> str:
    return signing.dumps({"o": offset, "f": _fingerprint(request)}, salt=SALT)


def page(request, rows, *, limit: int, cursor: str | None) -> tuple[list, str | None]:
    """One page of `rows` (a list or a query set, read no further than needed) and the cursor
    of the next page (None on the last)."""
    start = offset_of(request, cursor)
    chunk = list(rows[start : start + limit + 1])
    more = len(chunk) > limit
    return chunk[:limit], cursor_for(request, start + limit) if more else None


class Page(Schema):
    next_cursor: str | None = None
