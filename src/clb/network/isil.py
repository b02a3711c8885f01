"""ISIL, the International Standard Identifier for Libraries (ISO 15511): a prefix, a hyphen and
a library identifier. The prefix is a country code (ISO 3166-1 alpha-2, "NL" for every Dutch
library, assigned by the KB) or a non-country prefix of up to four letters; the identifier is at
most eleven characters of A-Z, a-z, 0-9, hyphen, slash and colon; the whole at most sixteen.
ISILs are compared case-insensitively, as the standard says."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_LENGTH = 16
_ISIL = re.compile(r"^(?P<prefix>[A-Za-z]{1,4})-(?P<local>[A-Za-z0-9/:\-]{1,11})$")


def check(value: str, *, dutch: bool = False) -> str:
    """The ISIL as it will be stored (prefix in capitals, no surrounding spaces), or
    ValidationError with a Dutch message saying what is wrong."""
    isil = (value or "").strip()
    match = _ISIL.match(isil)
    if not match or len(isil) > MAX_LENGTH:
        raise ValidationError(
            _(
                "'%(value)s' is geen ISIL: verwacht een voorvoegsel, een streepje en ten hoogste "
                "11 letters, cijfers of - / : (ISO 15511), bijvoorbeeld NL-0123456789."
            )
            % {"value": value},
            code="isil",
        )
    prefix = match["prefix"].upper()
    if dutch and prefix != "NL":
        raise ValidationError(
            _("'%(value)s': een Nederlandse bibliotheek heeft een ISIL die met NL- begint.")
            % {"value": value},
            code="isil_country",
        )
    return f"{prefix}-{match['local']}"


def validate_dutch(value: str) -> None:
    check(value, dutch=True)


def validate(value: str) -> None:
    check(value)
