"""Is CLB's register of an area complete enough to say what the area has today?

The "zoals nu" (as now) levels read what CLB holds: open branches, their staffed hours, the
collection. An area whose library does not (yet) run on CLB holds next to nothing, and "as now"
would then mean "no library". Two figures are judged:

- library locations: the branch register's completeness as every page states it (cockpit's
  register.py: locations loaded against those expected, and CBS's road distance);
- the collection: the items in CLB against the national estimate for an area of this size
  (national.py), complete from the model's rule `volledig_vanaf` (a share of the estimate).

When either is incomplete, the national estimate stands in for all of today's figures."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from clb.cockpit import register as branch_register

LOCATIONS = _("bibliotheeklocaties")
COLLECTION = (_("exemplaren in de collectie"), "collectie_nu")


@dataclass(frozen=True)
class Figure:
    label: str
    loaded: Decimal  # what CLB's register holds
    expected: Decimal | None  # what the national figures say an area of this size has
    complete: bool | None  # None: nothing to judge against

    @property
    def ratio(self) -> Decimal | None:
        if not self.expected:
            return None
        return self.loaded / self.expected


@dataclass(frozen=True)
class Completeness:
    figures: list[Figure] = field(default_factory=list)

    @property
    def complete(self) -> bool | None:
        """True or False; None when nothing can be compared."""
        judged = [f.complete for f in self.figures if f.complete is not None]
        if not judged:
            return None
        return all(judged)


def register_completeness(
    register: branch_register.Completeness | None,
    live: dict[str, Decimal | None],
    expected: dict[str, Decimal | None],
    threshold: Decimal,
) -> Completeness:
    """The branch register's completeness (None: not known) and the collection's, compared with
    the collection expected for the area's size."""
    figures = []
    if register is not None:
        figures.append(
            Figure(
                str(LOCATIONS),
                Decimal(register.loaded),
                Decimal(str(round(register.expected, 2))),
                register.complete,
            )
        )
    label, name = COLLECTION
    loaded, wanted = live.get(name) or Decimal(0), expected.get(name)
    judged = None if not wanted else loaded / wanted >= threshold
    figures.append(Figure(str(label), loaded, wanted, judged))
    return Completeness(figures)
