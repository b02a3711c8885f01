"""Base of every domain error: a message for people (translated) and a code for machines."""

from enum import StrEnum


class DomainError(Exception):
    code = "error"
    # The room's enums of codes (circulation/errors.py, members/errors.py). Where a room has them,
    # each of its errors carries a member, so interfaces compare against the enum, not free text.
    codes: tuple[type[StrEnum], ...] = ()

    def __init__(self, message, *, code: str | None = None, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        if self.codes:
            self.code = _member(self.codes, self.code)
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


def _member(enums: tuple[type[StrEnum], ...], code: str) -> StrEnum:
    for enum in enums:
        try:
            return enum(code)
        except ValueError:
            continue
    names = ", ".join(f"{e.__module__}.{e.__qualname__}" for e in enums)
    raise ValueError(f"{code!r} is no code of {names}")
