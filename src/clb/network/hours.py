"""A branch's opening hours: read from the short notation branch lists and people use
("ma-vr 10:00-17:00; za 10:00-13:00"), checked (no two openings of one day overlap, staffed
or not), and stored in one transaction. A branch may be open without staff (self-service with
the library card) besides its staffed hours; only the staffed hours count for its kind."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from clb.errors import DomainError

from .models import Branch, OpeningHours, Weekday

DAYS = {"ma": 1, "di": 2, "wo": 3, "do": 4, "vr": 5, "za": 6, "zo": 7}
_DAY_PART = re.compile(r"^(ma|di|wo|do|vr|za|zo)(?:-(ma|di|wo|do|vr|za|zo))?$")
_TIMES = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class HoursError(DomainError):
    code = "opening_hours"


@dataclass(frozen=True, order=True)
class Opening:
    weekday: int  # ISO: Monday is 1
    opens: time
    closes: time
    staffed: bool = True

    def hours(self) -> Decimal:
        start = datetime.combine(date.min, self.opens)
        span = datetime.combine(date.min, self.closes) - start
        return Decimal(span.total_seconds()) / 3600

    def __str__(self):
        day = Weekday(self.weekday).label
        return f"{day} {self.opens:%H:%M}-{self.closes:%H:%M}"


def _days(part: str, field: str) -> list[int]:
    days = []
    for piece in part.split(","):
        found = _DAY_PART.match(piece.strip())
        if not found:
            raise HoursError(
                _("'%(part)s' is geen dag (ma, di, wo, do, vr, za, zo of ma-vr).")
                % {"part": piece.strip()},
                field=field,
            )
        first, last = DAYS[found[1]], DAYS[found[2] or found[1]]
        if last < first:
            raise HoursError(
                _("'%(part)s' loopt achteruit.") % {"part": piece.strip()},
                field=field,
            )
        days += range(first, last + 1)
    return days


def _span(text: str, field: str) -> tuple[time, time]:
    found = _TIMES.match(text.strip())
    try:
        if not found:
            raise ValueError(text)
        opens = time(int(found[1]), int(found[2]))
        closes = time(int(found[3]), int(found[4]))
    except ValueError:
        raise HoursError(
            _("'%(text)s' is geen tijdvak (uu:mm-uu:mm).") % {"text": text.strip()},
            field=field,
        ) from None
    return opens, closes


def parse(text: str, *, staffed: bool = True, field: str = "opening_hours") -> list[Opening]:
    """'ma-vr 10:00-17:00; za 10:00-13:00, 14:00-16:00' as openings. Days: ma … zo, ranges
    (ma-vr) and lists (ma,wo); several time spans of a day separated by commas."""
    openings = []
    for rule in filter(None, (r.strip() for r in (text or "").split(";"))):
        days, _sep, spans = rule.partition(" ")
        if not spans.strip():
            raise HoursError(
                _("Bij '%(rule)s' ontbreken de tijden.") % {"rule": rule},
                field=field,
            )
        for day in _days(days.lower(), field):
            for span in spans.split(","):
                opens, closes = _span(span, field)
                openings.append(Opening(day, opens, closes, staffed))
    return check(openings, field=field)


def check(openings, *, field: str = "opening_hours") -> list[Opening]:
    """The openings in order, or HoursError naming the first that is empty or overlaps."""
    ordered = sorted(openings, key=lambda o: (o.weekday, o.opens, o.closes))
    for before, after in zip([None, *ordered], ordered, strict=False):
        if after.closes <= after.opens:
            raise HoursError(
                _("%(opening)s sluit niet na de opening.") % {"opening": after},
                field=field,
            )
        if before and before.weekday == after.weekday and after.opens < before.closes:
            raise HoursError(
                _("%(a)s en %(b)s overlappen.") % {"a": before, "b": after},
                field=field,
            )
    return ordered


def staffed_hours(openings) -> Decimal:
    """Staffed hours a week, as Branch.staffed_hours_week keeps them (one decimal)."""
    total = sum((o.hours() for o in openings if o.staffed), Decimal(0))
    return total.quantize(Decimal("0.1"))


@transaction.atomic
def replace(branch: Branch, openings) -> list[Opening]:
    """The branch's opening hours become these (checked first; nothing changes on an error)."""
    ordered = check(openings)
    OpeningHours.objects.filter(branch=branch).delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(
            branch=branch, weekday=o.weekday, opens=o.opens, closes=o.closes, staffed=o.staffed
        )
        for o in ordered
    )
    return ordered


def of(branch: Branch) -> list[Opening]:
    return [
        Opening(h.weekday, h.opens, h.closes, h.staffed)
        for h in sorted(branch.opening_hours.all(), key=lambda h: (h.weekday, h.opens))
    ]
