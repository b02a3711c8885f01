"""What several routers share: query parameters, the answers every operation documents, and
how CLB's objects are named in the API (ISIL first, code while there is none)."""

from django.utils.translation import gettext as _
from ninja import Query

from .. import agency
from .paging import DEFAULT_LIMIT, MAX_LIMIT
from .problems import ApiProblem
from .schemas import Problem

MAX_ID = 2**63 - 1
LIMIT = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="hoeveel per pagina")
CURSOR = Query(None, max_length=400, description="next_cursor van de vorige pagina")


def answers(ok: dict, *statuses: int) -> dict:
    """An operation's documented answers: its own, and a problem for each listed status (the
    OpenAPI document adds the ones every operation may give: 400, 413, 429, 500)."""
    return {**ok, frozenset(statuses or (404,)): Problem}


def organisation_ref(organisation) -> dict:
    return {"code": organisation.code, "isil": organisation.isil, "name": organisation.name}


def branch_ref(branch) -> dict:
    return {"code": branch.code, "isil": branch.isil, "name": branch.name}


def money(amount) -> str:
    return f"{amount:.2f}"


def find_agency(isil: str, field: str):
    """The organisation or branch with this ISIL, or a 404 problem naming the field."""
    found = agency.find(isil)
    if found is None:
        raise ApiProblem(
            "not_found",
            _("Geen organisatie of vestiging met ISIL %(isil)s.") % {"isil": isil},
            field=field,
        )
    return found
