"""What other rooms change in the network: an organisation's ISIL, given by a library that
moves in (its migration package names it) and taken back when that migration is undone."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Organisation, clean_isil


class IsilError(ValueError):
    pass


@transaction.atomic
def assign_isil(organisation: Organisation, value: str) -> str:
    """Give an organisation that has none its ISIL; returns it as stored. IsilError (Dutch)
    when the ISIL is not one, another organisation or branch has it, or the organisation has
    another already."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.isil:
        raise IsilError(_("%(org)s heeft al ISIL %(isil)s.")
                        % {"org": organisation.code, "isil": organisation.isil})  # fmt: skip
    organisation.isil = value
    try:
        clean_isil(organisation)
    except ValidationError as exc:
        raise IsilError(" ".join(exc.messages)) from exc
    organisation.save(update_fields=["isil"])
    return organisation.isil


@transaction.atomic
def withdraw_isil(organisation: Organisation, value: str) -> None:
    """Take back an ISIL assign_isil gave, while it is still the organisation's."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if (organisation.isil or "").casefold() != value.casefold():
        raise IsilError(_("ISIL van %(org)s is sindsdien gewijzigd.") % {"org": organisation.code})
    organisation.isil = None
    organisation.save(update_fields=["isil"])
