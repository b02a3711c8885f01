"""The covenant's aims and targets, as data beside the indicators (definitions.py).

Each target gives its number, the year from which it counts and where the covenant says so, as a
quotation of the covenant's own text (data/bibliotheekconvenant-2020-2023.txt; a test checks every
quotation is in it word for word). An aim is what the first page of the half-year report and the
first screen of the dashboard answer: the region's figure, the target in force, the trend and
whether the region is on track. A new covenant period is a new `Covenant` in COVENANTS; the
periods it covers pick it up, nothing else changes.

Where the covenant names a direction but no number (more youth members, more course participants)
the aim has no target and is judged by its trend. The covenant gives years loosely; where this
file reads a year into its words, `reading` says how."""

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.utils.translation import gettext_lazy as _

DATA = Path(__file__).resolve().parent / "data"

HIGHER, LOWER = "higher", "lower"  # which way is better
ACCESSIBILITY = "accessibility"  # an aim measured by the accessibility analysis, not an indicator


@dataclass(frozen=True)
class Target:
    value: float
    year: int  # the first year the target counts
    ambition: bool = False  # the covenant's "ambitiescenario", beyond the target itself


@dataclass(frozen=True)
class Source:
    document: str
    article: str  # where in the document
    quote: str = ""  # word for word (the bold marks of the text left out)
    reading: str = ""  # how a year or number is read from the quotation, where it is not literal


@dataclass(frozen=True)
class Aim:
    code: str
    task: str  # the covenant's maatschappelijke opgave or condition
    title: str
    indicator: str  # the figure shown and judged (an indicator code, or ACCESSIBILITY)
    direction: str
    source: Source
    targets: tuple[Target, ...] = ()
    # The ratio that compares parts of a region (best and worst of a size class); None: no
    # comparison makes sense (a count of organisations).
    compare: str | None = None
    # For ACCESSIBILITY: the distance the aim counts inhabitants beyond.
    max_km: float | None = None

    def target_for(self, year: int) -> Target | None:
        """The target in force in a year: the latest that has started (ambitions included)."""
        started = [t for t in self.targets if t.year <= year]
        return max(started, key=lambda t: t.year) if started else None


@dataclass(frozen=True)
class IndicatorTarget:
    """A target on an indicator from another source than the covenant (the law)."""

    indicator: str
    target: Target
    source: Source


@dataclass(frozen=True)
class Covenant:
    code: str
    title: str
    starts: date
    ends: date
    text: str  # file name in data/
    aims: tuple[Aim, ...]
    other_targets: tuple[IndicatorTarget, ...] = field(default=())

    def read_text(self) -> str:
        return (DATA / self.text).read_text(encoding="utf-8")

    def targets_of(self, indicator: str) -> list[tuple[Target, Source]]:
        out = [(t, a.source) for a in self.aims if a.indicator == indicator for t in a.targets]
        out += [(o.target, o.source) for o in self.other_targets if o.indicator == indicator]
        return out


CONVENANT = "Bibliotheekconvenant 2020–2023"

COVENANTS = [
    Covenant(
        code="2020-2023",
        title=CONVENANT,
        starts=date(2020, 9, 30),
        ends=date(2023, 9, 30),
        text="bibliotheekconvenant-2020-2023.txt",
        aims=(
            Aim(
                code="ido_reach",
                task=_("Opgave 2: participatie in de informatiesamenleving"),
                title=_("Bereik Informatiepunten Digitale Overheid"),
                indicator="ido_reach",
                direction=HIGHER,
                targets=(Target(10, 2021), Target(20, 2023, ambition=True)),
                compare="ido_reach",
                source=Source(
                    CONVENANT,
                    "3, opgave 2",
                    "Hiermee beogen zij jaarlijks 10% van de doelgroep en op termijn zelfs 20% "
                    "(ambitiescenario) te bereiken van de in totaal 4 miljoen kwetsbare burgers "
                    "die digitaal niet mee kunnen doen.",
                    reading=_(
                        '10 % per jaar zodra de IDO\'s er zijn ("in 2020-2021 geïmplementeerd"), '
                        'dus vanaf 2021; 20 % "op termijn", gelezen als het einde van het '
                        "convenant (2023). Contacten, naar rato van de inwoners."
                    ),
                ),
            ),
            Aim(
                code="youth_free",
                task=_("Opgave 1: geletterde samenleving"),
                title=_("Jeugd gratis lid: organisaties die jeugdcontributie heffen"),
                indicator="youth_fee_organisations",
                direction=LOWER,
                targets=(Target(0, 2020),),
                source=Source(
                    CONVENANT,
                    "3, opgave 1",
                    "Partijen zijn gegeven deze ontwikkeling van mening dat kosten geen drempel "
                    "mogen vormen voor het gebruik van de bibliotheek door de jeugd.",
                    reading=_("Geen organisatie heft nog jeugdcontributie, vanaf het convenant."),
                ),
            ),
            Aim(
                code="youth_members",
                task=_("Opgave 1: geletterde samenleving"),
                title=_("Jeugdleden (0–17) als aandeel van de inwoners 0–17"),
                indicator="youth_members_share",
                direction=HIGHER,
                compare="youth_members_share",
                source=Source(
                    CONVENANT,
                    "3, opgave 1",
                    "spreken partijen af dat bibliotheken een extra impuls geven aan lees- en "
                    "taalstimulering.",
                    reading=_("Geen getal: het aandeel jeugdleden hoort te stijgen."),
                ),
            ),
            Aim(
                code="course_participants",
                task=_("Opgave 3: leven lang ontwikkelen"),
                title=_("Deelnemers aan cursussen"),
                indicator="course_participants",
                direction=HIGHER,
                compare="course_participants_per_1000",
                source=Source(
                    CONVENANT,
                    "3, opgave 3",
                    "Partijen spreken met elkaar af dat de KB, provinciale "
                    "ondersteuningsinstellingen en lokale bibliotheken gezamenlijk het programma "
                    "'de Bibliotheek en basisvaardigheden' continueren en daarnaast een nieuw "
                    "landelijk programma 'Leven lang ontwikkelen' opzetten.",
                    reading=_("Geen getal: het aantal cursisten hoort te stijgen."),
                ),
            ),
            Aim(
                code="accessibility",
                task=_("Basis: een goed bereikbare bibliotheek"),
                title=_("Inwoners verder dan 5 km van een volwaardige vestiging"),
                indicator=ACCESSIBILITY,
                direction=LOWER,
                targets=(Target(0, 2020),),
                compare=ACCESSIBILITY,
                max_km=5.0,
                source=Source(
                    CONVENANT,
                    "2",
                    "Om dat te bereiken is het nodig dat iedere inwoner van Nederland binnen een "
                    "redelijke afstand toegang heeft tot een volwaardige openbare bibliotheek.",
                    reading=_(
                        "Het convenant noemt geen afstand; CLB telt wie verder dan 5 km "
                        "hemelsbreed van een volwaardige vestiging woont. Het CBS meet de "
                        "gemiddelde afstand over de weg; die staat ernaast."
                    ),
                ),
            ),
        ),
        other_targets=(
            IndicatorTarget(
                "municipalities_without_vestiging",
                Target(0, 2026),
                Source("Wsob", _("vanaf 2026 in elke gemeente een volwaardige vestiging")),
            ),
        ),
    ),
]


def covenant_for(day: date) -> Covenant:
    """The covenant whose aims a period ending on `day` is measured against: the latest that
    had started by then (its aims hold until a new covenant replaces them)."""
    started = [c for c in COVENANTS if c.starts <= day]
    return max(started, key=lambda c: c.starts) if started else COVENANTS[0]


def aim(code: str, covenant: Covenant | None = None) -> Aim:
    for a in (covenant or COVENANTS[-1]).aims:
        if a.code == code:
            return a
    raise KeyError(code)
