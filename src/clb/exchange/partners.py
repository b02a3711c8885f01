"""Registering partner systems for NCIP: the secret is made here, shown once, stored hashed."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction

from clb.errors import DomainError
from clb.network import isil as isils
from clb.network.models import Organisation

from .models import PartnerAgency


class PartnerError(DomainError):
    code = "partner"


@transaction.atomic
def register(isil: str, name: str, *, organisations: list[str] = ()) -> tuple[PartnerAgency, str]:
    """Create or re-key a partner; returns it with its new secret (shown once, never stored)."""
    try:
        isil = isils.check(isil)
    except ValidationError as exc:
        raise PartnerError(" ".join(exc.messages), field="isil") from exc
    scope = []
    for code in organisations:
        found = Organisation.objects.filter(isil__iexact=code).first()
        if found is None:
            raise PartnerError(f"organisatie met ISIL {code} bestaat niet", field="organisations")
        scope.append(found)
    partner = PartnerAgency.objects.filter(isil__iexact=isil).first() or PartnerAgency(isil=isil)
    partner.name = name or partner.name or isil
    secret = secrets.token_urlsafe(32)
    partner.set_secret(secret)
    partner.active = True
    partner.save()
    partner.organisations.set(scope)
    return partner, secret
