"""What a reader must know about a figure besides its value, attached to every figure a page or
report shows (engine.Figure.caveats) and printed beside it: a figure that counts library
locations in a region whose branch register is incomplete (register.py)."""

from clb import clock

from .regions import Geography, Region
from .register import RegisterCheck


class Caveats:
    def __init__(self, geo: Geography, *, at=None, register: RegisterCheck | None = None):
        self.register = register or RegisterCheck(geo, clock.today(at))

    def of(self, indicator, region: Region) -> tuple[str, ...]:
        out = []
        if indicator.register:
            caveat = self.register.of(region).caveat
            if caveat:
                out.append(caveat)
        return tuple(out)
