"""Closing a period: its figures become final.

Closing stores every region's measure values as they are now (FrozenMeasures), so later changes —
a corrected branch date, new CBS population figures — do not move final figures, and from then on
registrations dated inside the period are refused (periods.ensure_open). Closing the second half of
a year closes the year; closing a year closes both halves."""

from django.db import transaction
from django.utils.translation import gettext as _

from clb import clock, formatting
from clb.statistics import periods
from clb.statistics.periods import Period, PeriodError, parse

from .definitions import INDICATORS
from .engine import LiveValues, freeze, measure_requests
from .facts import Scope
from .models import FrozenMeasures
from .regions import NATIONAL, Geography


def all_regions(geo: Geography):
    yield geo.region(NATIONAL)
    for code in sorted(geo.provinces):
        yield geo.region(code)
    for code in sorted(geo.municipalities):
        yield geo.region(code)
    for org in sorted(geo.organisations.values(), key=lambda o: o.code):
        yield geo.organisation_region(org.id)


@transaction.atomic
def close_period(code: str, *, at=None, user=None, progress=lambda _m: None) -> list[str]:
    """Close a half-year or year; returns the codes closed now."""
    period = parse(code)
    today = clock.today(at)
    if period.end >= today:
        raise PeriodError(
            _("Periode %(code)s loopt nog (tot en met %(end)s); sluit na afloop.")
            % {"code": period.code, "end": formatting.day(period.end)},
            field="period",
        )
    if periods.is_final(period):
        raise PeriodError(_("Periode %(code)s is al afgesloten.") % {"code": period.code})
    to_close = [period] if not period.is_year else [*period.halves(), period]
    if not period.is_year:
        year = parse(str(period.year))
        other = [h for h in year.halves() if h.code != period.code]
        if all(periods.is_final(h) for h in other):
            to_close.append(year)
    closed = []
    geo = Geography()
    requests = measure_requests(INDICATORS)
    for p in to_close:
        if periods.is_final(p):
            continue
        _freeze_all(geo, p, requests, today, progress)
        periods.mark_final(p, at=clock.now(at), user=user)
        closed.append(p.code)
    return closed


def _freeze_all(geo, period: Period, requests, today, progress) -> None:
    values = LiveValues(geo, Scope(), period.half_years, requests, today)
    regions = list(all_regions(geo))
    FrozenMeasures.objects.filter(period=period.code).delete()
    batch = []
    for i, region in enumerate(regions, 1):
        batch.append(
            FrozenMeasures(
                period=period.code,
                region=region.code,
                values=freeze(values, period, region, requests),
            )
        )
        if i % 100 == 0 or i == len(regions):
            progress(
                _("%(period)s: %(done)s/%(total)s regio's vastgelegd")
                % {"period": period.code, "done": i, "total": len(regions)}
            )
    FrozenMeasures.objects.bulk_create(batch, batch_size=200)
