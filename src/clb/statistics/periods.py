"""Reporting periods: half-years ("2025-H1") and years ("2025"). The covenant reports twice a year.

A period's figures are provisional until it is closed; closing freezes them (the cockpit's
closing.py) and refuses new registrations dated inside it, so final figures stay final."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

from clb.errors import DomainError

from .models import ClosedPeriod

_CODE = re.compile(r"^(?P<year>\d{4})(?:-H(?P<half>[12]))?$")


class PeriodError(DomainError):
    code = "period"


@dataclass(frozen=True)
class Period:
    code: str
    start: date
    end: date  # inclusive

    @property
    def is_year(self) -> bool:
        return "-" not in self.code

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def half_years(self) -> tuple[date, ...]:
        """First days of the half-years the period consists of."""
        if self.is_year:
            return (date(self.year, 1, 1), date(self.year, 7, 1))
        return (self.start,)

    @property
    def fraction_of_year(self) -> float:
        return len(self.half_years) / 2

    @property
    def label(self) -> str:
        if self.is_year:
            return str(self.year)
        return _("%(half)s halfjaar %(year)s") % {
            "half": _("1e") if self.start.month == 1 else _("2e"),
            "year": self.year,
        }

    def halves(self) -> list["Period"]:
        return [half_year(h) for h in self.half_years]

    def previous_half_years(self, count: int) -> list["Period"]:
        """The `count` half-years up to and including this period's last half-year, oldest first."""
        last = half_year(self.half_years[-1])
        out = [last]
        while len(out) < count:
            out.append(half_year(out[-1].start - timedelta(days=1)))
        return out[::-1]

    def __str__(self):
        return self.code


def half_year(day: date) -> Period:
    if day.month <= 6:
        return Period(f"{day.year}-H1", date(day.year, 1, 1), date(day.year, 6, 30))
    return Period(f"{day.year}-H2", date(day.year, 7, 1), date(day.year, 12, 31))


def parse(code: str) -> Period:
    match = _CODE.match((code or "").strip().upper())
    if not match:
        raise PeriodError(
            _("Periode '%(code)s' is onbekend; gebruik bijvoorbeeld 2025-H1 of 2025.")
            % {"code": code},
            field="period",
        )
    year = int(match["year"])
    if not 1990 <= year <= 2100:
        raise PeriodError(_("Jaar %(year)s valt buiten bereik.") % {"year": year}, field="period")
    if match["half"]:
        return half_year(date(year, 1 if match["half"] == "1" else 7, 1))
    return Period(str(year), date(year, 1, 1), date(year, 12, 31))


def is_final(period: Period) -> bool:
    return ClosedPeriod.objects.filter(code=period.code).exists()


def mark_final(period: Period, *, at: datetime, user=None) -> None:
    """Record that a period is closed; the caller has frozen its figures first."""
    ClosedPeriod.objects.create(code=period.code, closed_at=at, closed_by=user)


def ensure_open(day: date, field: str = "occurred_on") -> None:
    """Refuse a registration dated inside a closed period."""
    closed = ClosedPeriod.objects.filter(code__in=[half_year(day).code, str(day.year)]).first()
    if closed is not None:
        raise PeriodError(
            _("Periode %(code)s is afgesloten; registraties daarin kunnen niet meer veranderen.")
            % {"code": closed.code},
            field=field,
        )
