"""Reading numbers that people (or anyone with a URL) type. Python's own int() accepts more than a
database stores: "²" is a digit to str.isdigit() yet no int, and twenty digits overflow SQLite's
and PostgreSQL's integers. Pages and services read ids and counts through here."""

MAX_DIGITS = 18  # below 2**63: every integer column of both databases holds it


def whole_number(text, *, digits: int = MAX_DIGITS) -> int | None:
    """ASCII digits (surrounding spaces allowed) as an int, else None."""
    value = str(text if text is not None else "").strip()
    if value.isascii() and value.isdigit() and len(value) <= digits:
        return int(value)
    return None
