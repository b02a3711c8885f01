"""Is CLB's register of an area complete enough to say what the area has today?

The "zoals nu" (as now) levels read what CLB holds: open branches, their staffed hours, the
collection. An area whose library does not (yet) run on CLB holds next to nothing, and "as now"
would then mean "no library". So the register is compared with what an area of this size has
according to the national figures (the model's estimates, national.py): library locations and
collection. When either is below the model's rule `volledig_vanaf` (a share of the expected
figure) the register counts as incomplete and the national estimate is used instead.

This is one small function on purpose: the desk's register-completeness view (branches loaded
against branches expected) can share it."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

# What is compared: a label and the live variables that are added up for it.
FIGURES = (
    (_("bibliotheeklocaties"), ("vestigingen_nu", "servicepunten_nu")),
    (_("exemplaren in de collectie"), ("collectie_nu",)),
)


@dataclass(frozen=True)
class Figure:
    label: str
    loaded: Decimal  # what CLB's register holds
    expected: Decimal | None  # what the national figures say an area of this size has

    @property
    def ratio(self) -> Decimal | None:
        if not self.expected:
            return None
        return self.loaded / self.expected


@dataclass(frozen=True)
class Completeness:
    threshold: Decimal
    figures: list[Figure] = field(default_factory=list)

    @property
    def complete(self) -> bool | None:
        """True or False; None when nothing can be compared (the model has no estimates)."""
        judged = [f for f in self.figures if f.ratio is not None]
        if not judged:
            return None
        return all(f.ratio >= self.threshold for f in judged)


def register_completeness(
    live: dict[str, Decimal | None], expected: dict[str, Decimal | None], threshold: Decimal
) -> Completeness:
    """Compare CLB's live figures of an area with the figures expected for its size."""
    figures = []
    for label, names in FIGURES:
        loaded = sum((live.get(n) or Decimal(0) for n in names), Decimal(0))
        wanted = [expected.get(n) for n in names]
        total = None if any(w is None for w in wanted) else sum(wanted, Decimal(0))
        figures.append(Figure(str(label), loaded, total))
    return Completeness(threshold, figures)
