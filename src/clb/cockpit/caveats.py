"""What a reader must know about a figure besides its value, attached to every figure a page or
report shows (engine.Figure.caveats) and printed beside it:
- a figure that counts library locations in a region whose branch register is incomplete
  (register.py);
- a figure that rests on statistics simulated by `clb load-demo --national` (simulation.py)."""

from django.utils.translation import gettext as _

from clb import clock

from . import formulas, simulation
from .definitions import MEASURES
from .regions import Geography, Region
from .register import RegisterCheck

# The facts the national simulation writes (member counts and circulation tallies).
SIMULATED_FACTS = {"members", "residence_events", "place_events"}


def simulated_label() -> str:
    return _("gesimuleerd")


class Caveats:
    def __init__(self, geo: Geography, *, at=None, register: RegisterCheck | None = None):
        self.geo = geo
        self.register = register or RegisterCheck(geo, clock.today(at))
        self.simulated = simulation.simulated_organisations()
        self.simulated_codes = set().union(*self.simulated.values()) if self.simulated else set()

    def has_simulated(self, region: Region) -> bool:
        """Whether figures of the region include simulated statistics."""
        if not self.simulated:
            return False
        if region.kind == "group":
            return any(self.has_simulated(m) for m in region.members)
        if region.kind == "organisation":
            return self.geo.organisation_of(region).id in self.simulated
        codes = self.geo.municipalities_of(region)
        return codes is None or bool(codes & self.simulated_codes)

    def simulated_sentence(self, region: Region) -> str:
        if not self.has_simulated(region):
            return ""
        return _(
            "Gesimuleerd: de cijfers over leden en uitleningen van %(region)s bevatten een "
            "gesimuleerd jaar (clb load-demo --national), geen echte gegevens. Ze zijn "
            "gemarkeerd als gesimuleerd."
        ) % {"region": region.name}

    def of(self, indicator, region: Region) -> tuple[str, ...]:
        out = []
        if indicator.register:
            caveat = self.register.of(region).caveat
            if caveat:
                out.append(caveat)
        if _reads_simulated(indicator) and self.has_simulated(region):
            out.append(simulated_label())
        return tuple(out)


def _reads_simulated(indicator) -> bool:
    return any(
        MEASURES[name].fact in SIMULATED_FACTS
        for name in formulas.names(indicator.formula)
        if name in MEASURES
    )
