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
