"""Reading numbers that people (or anyone with a URL) type. Python's own int() accepts more than a
database stores: "²" is a digit to str.isdigit() yet no int, and twenty digits overflow SQLite's
and PostgreSQL's integers. Pages and services read ids and counts through here. A NUL character is
no text at all (PostgreSQL stores none): web.bad_input refuses it for every page, except views
marked `answers_bad_input`, which refuse it in their own protocol."""

MAX_DIGITS = 18  # below 2**63: every integer column of both databases holds it


def whole_number(text, *, digits: int = MAX_DIGITS) -> int | None:
    """ASCII digits (surrounding spaces allowed) as an int, else None."""
    value = str(text if text is not None else "").strip()
    if value.isascii() and value.isdigit() and len(value) <= digits:
        return int(value)
    return None


def field_with_nul(pairs) -> str | None:
    """The name of the first field holding a NUL, in QueryDicts or dicts of value lists."""
    for data in pairs:
        items = data.lists() if hasattr(data, "lists") else data.items()
        for key, values in items:
            if "\x00" in key or any("\x00" in value for value in values):
                return key.replace("\x00", "")
    return None


def answers_bad_input(view):
    """Mark a view that refuses unusable input itself, in a form its clients read."""
    view.answers_bad_input = True
    return view
