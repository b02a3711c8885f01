"""SIP2's ways of writing dates, amounts, counts and flags."""

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from . import spec


def sip_date(moment: datetime) -> str:
    """YYYYMMDDZZZZHHMMSS in local time; a blank zone means local time, as the protocol allows.
    In the hour that repeats when summer time ends, local time names two moments: then UTC
    ("   Z"), so the date reads back as the moment it was."""
    local = timezone.localtime(moment)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        return moment.astimezone(UTC).strftime("%Y%m%d   Z%H%M%S")
    return local.strftime("%Y%m%d    %H%M%S")


def parse_sip_date(text: str) -> datetime | None:
    """The moment a YYYYMMDDZZZZHHMMSS field names, or None when it names none. Zone "   Z"
    (or "UTC") is UTC; a blank or other zone is read as the library's local time."""
    if len(text) != 18 or not (text[:8].isdigit() and text[12:].isdigit()):
        return None
    try:
        moment = datetime.strptime(text[:8] + text[12:], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    if text[8:12].strip() in ("Z", "UTC"):
        return moment.replace(tzinfo=UTC)
    return timezone.make_aware(moment)


def amount(value: Decimal) -> str:
    """Euros with a decimal point and cents: 7.50."""
    return f"{Decimal(value):.2f}"


def parse_amount(text: str) -> Decimal:
    """A fee amount as kiosks send it; a Dutch decimal comma is accepted too."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not value.is_finite():
        raise ValueError(text)
    return value


def count(n: int) -> str:
    return f"{min(n, 9999):04d}"


def yn(flag: bool) -> str:
    return "Y" if flag else "N"


def patron_status(denied: set[int]) -> str:
    """The 14-position patron status field: Y at each listed position, blank elsewhere."""
    return "".join("Y" if position in denied else " " for position in range(14))


ALL_PRIVILEGES_DENIED = patron_status(
    {spec.CHARGE_DENIED, spec.RENEWAL_DENIED, spec.RECALL_DENIED, spec.HOLD_DENIED}
)
