"""Building hand-made statistics for cockpit tests, through the one event writer."""

from datetime import timedelta

from clb.circulation.services import record_event as record
from clb.cockpit.engine import Cockpit
from clb.cockpit.regions import Geography
from clb.statistics.periods import parse


def record_many(n, action, *, at, organisation, branch=None, item=None, patron=None):
    for i in range(n):
        record(
            action,
            at=at + timedelta(minutes=i),
            organisation=organisation,
            branch=branch,
            item=item,
            patron=patron,
        )


def figures(region_code, period_code, *, at, indicators=None):
    """{(indicator code, key): Figure} for one region and period."""
    geo = Geography()
    region = geo.region(region_code)
    period = parse(period_code)
    kwargs = {"indicators": indicators} if indicators else {}
    cockpit = Cockpit([region], [period], geo=geo, at=at, **kwargs)
    return {(f.indicator.code, f.key): f for f in cockpit.figures(region, period)}


def value(figs, code, key=""):
    return figs[(code, key)].value
