"""Money and dates the way people read them, in the active language: `€ 1,25` and `2 dec. 2026`
in Dutch, `€ 1.25` and `2 Dec 2026` in English. Every page, slip, message and template filter
(clb_web's `euro`, `day`, `moment`) formats through here, so there is one way to write them.

Times are shown in the local zone (Europe/Amsterdam): a loan due at 23:59 on 2 December is due
on 2 December, not on the 2nd in UTC."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import pgettext

NBSP = "\u00a0"
# Dutch abbreviations as the Taaladviesdienst writes them (mei has none); English in locale/.
_MONTHS = (
    ("maand", "jan."),
    ("maand", "feb."),
    ("maand", "mrt."),
    ("maand", "apr."),
    ("maand", "mei"),
    ("maand", "jun."),
    ("maand", "jul."),
    ("maand", "aug."),
    ("maand", "sep."),
    ("maand", "okt."),
    ("maand", "nov."),
    ("maand", "dec."),
)


def _month(number: int) -> str:
    context, name = _MONTHS[number - 1]
    return pgettext(context, name)


def money(value) -> str:
    """€ 1,25 (thousands grouped from € 1.000,00 on); empty for None or ""."""
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    digits = floatformat(amount, "2g" if abs(amount) >= 1000 else 2)
    return f"€{NBSP}{digits}"


def _local(value):
    if isinstance(value, datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    return value


def day(value) -> str:
    """2 dec. 2026: a date, or the local date of a moment; empty for None."""
    if value in (None, ""):
        return ""
    value = _local(value)
    if not isinstance(value, date):
        return str(value)
    return f"{value.day} {_month(value.month)} {value.year}"


def moment(value) -> str:
    """2 dec. 2026 14:05, in local time; empty for None."""
    if value in (None, ""):
        return ""
    value = _local(value)
    if not isinstance(value, datetime):
        return day(value)
    return f"{day(value)} {value:%H:%M}"
