"""Base of every domain error: a message for people (translated) and a code for machines."""


class DomainError(Exception):
    code = "error"

    def __init__(self, message, *, code: str | None = None, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.field = field

    def __str__(self) -> str:
        return str(self.message)
