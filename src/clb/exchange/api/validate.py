"""For partners such as the national online library: is this card valid and unblocked, the
member's age band and home organisation — nothing else. An app sees only members its
organisation serves; any other card answers exactly as an unknown one."""

from ninja import Router

from clb import clock
from clb.errors import DomainError
from clb.members import services as members

from ..models import Scope
from . import audit, tokens
from .auth import BearerToken
from .common import answers, organisation_ref
from .schemas import ValidateIn, Validation

router = Router(tags=["partners"])
UNKNOWN = {"valid": False, "blocked": False, "age_band": None, "home_organisation": None}


@router.post(
    "/patrons/validate",
    auth=BearerToken(Scope.PATRON_VALIDATE, client=True),
    response=answers({200: Validation}, 401, 403),
    operation_id="validatePatron",
    summary="Pas controleren (geldig, leeftijdsgroep, organisatie)",
    description="Het pasnummer in de body, niet in het adres: zo komt het in geen logregel.",
)
def validate_patron(request, data: ValidateIn):
    try:
        patron = members.find_patron(data.card_number)
    except DomainError:
        return UNKNOWN
    if not tokens.serves(request.auth.client, patron.pk):
        return UNKNOWN
    audit.record(request, request.auth, patron, detail="pas gecontroleerd")
    today = clock.today()
    home = members.home_organisation(patron)
    blocks = {b.code for b in members.borrowing_blocks(patron, home, today)}
    blocked = bool(blocks - {"membership_expired"})
    return {
        "valid": not blocks,
        "blocked": blocked,
        "age_band": patron.age_band(today),
        "home_organisation": organisation_ref(home),
    }
