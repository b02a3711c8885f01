"""National card numbers: 14 digits, prefix 2 (library range of the Codabar convention),
a Luhn check digit last so that a mistyped or misread number is refused."""

import secrets

from stdnum import luhn
from stdnum.exceptions import ValidationError

PREFIX = "2"
LENGTH = 14


def new_card_number() -> str:
    body = PREFIX + "".join(secrets.choice("0123456789") for _ in range(LENGTH - 2))
    return body + luhn.calc_check_digit(body)


def is_valid_card_number(number: str) -> bool:
    if len(number) != LENGTH or not number.isdigit():
        return False
    try:
        luhn.validate(number)
    except ValidationError:
        return False
    return True


def shelf_code(patron) -> str:
    """What a hold slip, the hold shelf and a kiosk show of the member a copy waits for: initials
    and the last four digits of the card ("KP 4821"), as libraries do. It finds the copy on the
    shelf and the member recognises it; it is not enough to borrow or log in with, which a card
    number printed on a slip in another organisation's branch would be."""
    return f"{_initial(patron.first_name)}{_initial(_surname(patron.last_name))} {patron.card_number[-4:]}"


def _surname(last_name: str) -> str:
    """The name a Dutch list sorts on: "van der Plank" → "Plank"."""
    words = (last_name or "").split()
    proper = [w for w in words if not w[:1].islower()]
    return (proper or words or [""])[0]


def _initial(name: str) -> str:
    return next((c.upper() for c in name or "" if c.isalpha()), "")
