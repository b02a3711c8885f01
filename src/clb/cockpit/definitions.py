"""The covenant's indicators, defined once as data.

A *measure* is a number read from one fact source (anonymous events, member counts,
registrations, the network), optionally filtered and broken down by a dimension. An *indicator*
is a formula over measures with a name, unit, source and — where the covenant gives one — a target.
Every page, report and export evaluates these same definitions (engine.py), for any region and
period; nothing else computes a covenant figure.

Suppression: measures that count members of the public or what they did (`suppress=True`) are
shown as "< 10" when below 10, and so is every formula that uses such a count. Counts of staff,
branches, organisations and municipalities describe institutions, not people, and are shown as is.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clb.catalogue.models import Audience, MaterialType
from clb.network.models import BranchKind
from clb.services.models import (
    Channel,
    GovernmentBody,
    Programme,
    Referral,
    TargetGroup,
    Theme,
    WsobFunction,
)
from clb.statistics.bands import AGE_BANDS

SUPPRESS_BELOW = 10

YOUTH_BANDS = ("0-3", "4-8", "9-14", "15-17")
ADULT_BANDS = ("18-19", "20-64", "65+")

# --- dimensions: the breakdowns, in display order, with their labels ------------------------

DIMENSIONS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "age_band": (
        _("leeftijd"),
        [(code, f"{low}–{high - 1}" if high < 200 else f"{low}+") for low, high, code in AGE_BANDS]
        + [("unknown", _("onbekend"))],
    ),
    "audience": (_("doelgroep materiaal"), list(Audience.choices)),
    "material_type": (_("materiaalsoort"), list(MaterialType.choices)),
    "channel": (_("kanaal"), list(Channel.choices)),
    "theme": (_("thema"), list(Theme.choices)),
    "government_body": (_("overheidsorganisatie"), list(GovernmentBody.choices)),
    "referred_to": (_("doorverwezen naar"), list(Referral.choices)),
    "wsob_function": (_("Wsob-functie"), list(WsobFunction.choices)),
    "programme": (_("programma"), list(Programme.choices)),
    "target_group": (pgettext_lazy("participants", "doelgroep"), list(TargetGroup.choices)),
    "kind": (_("soort vestiging"), list(BranchKind.choices)),
}


def key_label(dimension: str, key: str) -> str:
    for code, label in DIMENSIONS[dimension][1]:
        if code == key:
            return str(label)
    return key or str(_("onbekend"))


# --- measures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    code: str
    fact: str
    value: str = "n"
    # Organisations count their memberships, regions count people (see MemberCount).
    org_value: str | None = None
    where: dict = field(default_factory=dict)
    breakdowns: tuple[str, ...] = ()
    aggregate: str = "sum"  # sum | organisations | municipalities (distinct counts)
    suppress: bool = True


MEASURES = {
    m.code: m
    for m in [
        Measure("inhabitants", "population", value="inhabitants", suppress=False),
        Measure("inhabitants_0_17", "population", value="inhabitants_0_17", suppress=False),
        Measure("inhabitants_18_plus", "population", value="inhabitants_18_plus", suppress=False),
        Measure(
            "members", "members", value="patrons", org_value="memberships", breakdowns=("age_band",)
        ),
        Measure(
            "youth_members",
            "members",
            value="patrons",
            org_value="memberships",
            where={"age_band": YOUTH_BANDS},
        ),
        Measure(
            "adult_members",
            "members",
            value="patrons",
            org_value="memberships",
            where={"age_band": ADULT_BANDS},
        ),
        Measure(
            "new_members",
            "residence_events",
            where={"action": "member_registered"},
            breakdowns=("age_band",),
        ),
        Measure(
            "loans_by_borrower",
            "residence_events",
            where={"action": "checkout"},
            breakdowns=("age_band",),
        ),
        Measure(
            "loans",
            "place_events",
            where={"action": "checkout"},
            breakdowns=("audience", "material_type"),
        ),
        Measure("renewals", "place_events", where={"action": "renew"}),
        Measure("holds", "place_events", where={"action": "hold_placed"}),
        Measure("youth_fee_organisations", "youth_fee", aggregate="organisations", suppress=False),
        # IDO contacts are counted per dimension (see services.models.IdoTally): one fact each.
        Measure("ido_contacts", "ido_channel", breakdowns=("channel",)),
        Measure("ido_contacts_by_body", "ido_body", breakdowns=("government_body",)),
        Measure("ido_referred", "ido_referral", breakdowns=("referred_to",)),
        Measure("ido_helped", "ido_helped"),
        Measure("ido_theme_mentions", "ido_theme", breakdowns=("theme",)),
        Measure("activities", "activities", breakdowns=("wsob_function", "programme")),
        Measure("sessions", "activities", value="sessions"),
        Measure("courses", "activities", where={"is_course": True}, breakdowns=("programme",)),
        Measure(
            "participants",
            "participants",
            breakdowns=("wsob_function", "target_group", "programme"),
        ),
        Measure(
            "course_participants",
            "participants",
            where={"is_course": True},
            breakdowns=("programme",),
        ),
        Measure("branches", "branches", breakdowns=("kind",), suppress=False),
        Measure("vestigingen", "branches", where={"kind": "vestiging"}, suppress=False),
        Measure("staffed_hours", "branches", value="hours", suppress=False),
        Measure(
            "branches_opened",
            "branch_changes",
            where={"change": "opened"},
            breakdowns=("kind",),
            suppress=False,
        ),
        Measure(
            "branches_closed",
            "branch_changes",
            where={"change": "closed"},
            breakdowns=("kind",),
            suppress=False,
        ),
        Measure(
            "municipalities", "municipality_network", aggregate="municipalities", suppress=False
        ),
        Measure(
            "municipalities_without_vestiging",
            "municipality_network",
            where={"has_vestiging": False},
            aggregate="municipalities",
            suppress=False,
        ),
        Measure("staff_persons", "staff", value="staff_persons", suppress=False),
        Measure("staff_fte", "staff", value="staff_fte", suppress=False),
        Measure("volunteers", "staff", value="volunteers", suppress=False),
        Measure("staff_trained", "staff", value="staff_trained", suppress=False),
        Measure("staff_organisations", "staff", aggregate="organisations", suppress=False),
    ]
}

# Names a formula may use besides measures: the country's inhabitants (to apportion national
# targets) and the length of the period in years.
CONSTANTS = ("inhabitants_nl", "period_years")

# --- indicators -------------------------------------------------------------------------------

COUNT, PERCENT, PER_INHABITANT, PER_1000, HOURS, FTE = (
    _("aantal"),
    "%",
    _("per inwoner"),
    _("per 1.000 inwoners"),
    _("uren per week"),
    _("fte"),
)

SRC_MEMBERS = _("ledentelling (anoniem, per peildatum)")
SRC_EVENTS = _("statistiekgebeurtenissen uitlening (anoniem)")
SRC_REGISTRATION_EVENTS = _("statistiekgebeurtenissen inschrijving (anoniem)")
SRC_POPULATION = _("CBS bevolking per gemeente (1 januari 2024)")
SRC_SUBSCRIPTIONS = _("abonnementsvormen van de organisaties")
SRC_IDO = _("registratie IDO-contacten")
SRC_ACTIVITIES = _("registratie activiteiten en cursussen")
SRC_NETWORK = _("netwerkgegevens vestigingen")
SRC_STAFF = _("registratie personeel per jaar")

# The covenant (opgave 2): reach 10 % a year, ambition 20 %, of 4 million people who cannot
# take part digitally; apportioned to a region by its share of the population.
IDO_TARGET_GROUP = 4_000_000


@dataclass(frozen=True)
class Indicator:
    code: str
    section: str
    name: str
    formula: str
    unit: str
    source: str
    breakdown: str | None = None
    target: float | None = None
    ambition: float | None = None
    target_note: str = ""
    items: str | None = None  # a distinct-count measure whose members are listed
    on_map: bool = False  # a ratio fit for the choropleth
    compare: bool = False  # a ratio fit for comparing regions of the same size class
    trend: bool = False  # shown over half-years
    decimals: int = 0
    # The figure counts library locations, so it is only as complete as the branch register.
    register: bool = False


S_MEMBERS = _("Leden en jeugd")
S_LOANS = pgettext_lazy("cockpit section", "Uitlenen")  # not the desk's "Uitlenen"
S_IDO = _("Digitale overheid (IDO)")
S_ACTIVITIES = _("Activiteiten en cursussen")
S_NETWORK = _("Netwerk van vestigingen")
S_STAFF = _("Personeel en vrijwilligers")

SECTIONS = [S_MEMBERS, S_LOANS, S_IDO, S_ACTIVITIES, S_NETWORK, S_STAFF]

INDICATORS = [
    # Leden
    Indicator("members", S_MEMBERS, _("Leden"), "members", COUNT, SRC_MEMBERS, trend=True),
    Indicator(
        "members_by_age",
        S_MEMBERS,
        _("Leden naar leeftijd"),
        "members",
        COUNT,
        SRC_MEMBERS,
        breakdown="age_band",
    ),
    Indicator(
        "members_share",
        S_MEMBERS,
        _("Leden als aandeel van de inwoners"),
        "100 * members / inhabitants",
        PERCENT,
        SRC_MEMBERS,
        on_map=True,
        compare=True,
        trend=True,
        decimals=1,
    ),
    Indicator(
        "youth_members_share",
        S_MEMBERS,
        _("Jeugdleden (0–17) als aandeel van de inwoners 0–17"),
        "100 * youth_members / inhabitants_0_17",
        PERCENT,
        SRC_MEMBERS,
        on_map=True,
        compare=True,
        decimals=1,
    ),
    Indicator(
        "adult_members_share",
        S_MEMBERS,
        _("Volwassen leden (18+) als aandeel van de inwoners 18+"),
        "100 * adult_members / inhabitants_18_plus",
        PERCENT,
        SRC_MEMBERS,
        on_map=True,
        compare=True,
        decimals=1,
    ),
    Indicator(
        "new_members_by_age",
        S_MEMBERS,
        _("Nieuwe leden naar leeftijd"),
        "new_members",
        COUNT,
        SRC_REGISTRATION_EVENTS,
        breakdown="age_band",
    ),
    Indicator(
        "youth_fee_organisations",
        S_MEMBERS,
        _("Organisaties die jeugdcontributie heffen"),
        "youth_fee_organisations",
        COUNT,
        SRC_SUBSCRIPTIONS,
        target=0,
        target_note=_("jeugd gratis lid (wettelijk sinds 1 juli 2022)"),
        items="youth_fee_organisations",
    ),
    # Uitlenen
    Indicator("loans", S_LOANS, _("Uitleningen"), "loans", COUNT, SRC_EVENTS, trend=True),
    Indicator(
        "loans_per_inhabitant",
        S_LOANS,
        _("Uitleningen per inwoner"),
        "loans / inhabitants",
        PER_INHABITANT,
        SRC_EVENTS,
        on_map=True,
        compare=True,
        decimals=2,
    ),
    Indicator(
        "loans_by_audience",
        S_LOANS,
        _("Uitleningen naar doelgroep van het materiaal"),
        "loans",
        COUNT,
        SRC_EVENTS,
        breakdown="audience",
    ),
    Indicator(
        "loans_by_material",
        S_LOANS,
        _("Uitleningen naar materiaalsoort"),
        "loans",
        COUNT,
        SRC_EVENTS,
        breakdown="material_type",
    ),
    Indicator(
        "loans_by_age",
        S_LOANS,
        _("Uitleningen naar leeftijd van de lener"),
        "loans_by_borrower",
        COUNT,
        SRC_EVENTS,
        breakdown="age_band",
    ),
    Indicator("renewals", S_LOANS, _("Verlengingen"), "renewals", COUNT, SRC_EVENTS),
    Indicator("holds", S_LOANS, _("Reserveringen"), "holds", COUNT, SRC_EVENTS),
    # IDO
    Indicator(
        "ido_contacts", S_IDO, _("IDO-contacten"), "ido_contacts", COUNT, SRC_IDO, trend=True
    ),
    Indicator(
        "ido_by_theme",
        S_IDO,
        _("IDO-vragen naar thema (een contact kan meer thema's hebben)"),
        "ido_theme_mentions",
        COUNT,
        SRC_IDO,
        breakdown="theme",
    ),
    Indicator(
        "ido_by_channel",
        S_IDO,
        _("IDO-contacten naar kanaal"),
        "ido_contacts",
        COUNT,
        SRC_IDO,
        breakdown="channel",
    ),
    Indicator(
        "ido_by_body",
        S_IDO,
        _("IDO-contacten naar overheidsorganisatie"),
        "ido_contacts_by_body",
        COUNT,
        SRC_IDO,
        breakdown="government_body",
    ),
    Indicator(
        "ido_referral_share",
        S_IDO,
        _("Aandeel doorverwezen"),
        "100 * ido_referred / ido_contacts",
        PERCENT,
        SRC_IDO,
        decimals=1,
    ),
    Indicator(
        "ido_referred_to",
        S_IDO,
        _("Doorverwijzingen naar organisatie"),
        "ido_referred",
        COUNT,
        SRC_IDO,
        breakdown="referred_to",
    ),
    Indicator(
        "ido_target",
        S_IDO,
        _("Doel IDO-bereik in deze periode (10 % van het aandeel in 4 miljoen)"),
        f"0.10 * {IDO_TARGET_GROUP} * inhabitants / inhabitants_nl * period_years",
        COUNT,
        SRC_POPULATION,
    ),
    Indicator(
        "ido_reach",
        S_IDO,
        _("IDO-bereik per jaar als aandeel van de doelgroep"),
        f"100 * ido_contacts / period_years / ({IDO_TARGET_GROUP} * inhabitants / inhabitants_nl)",
        PERCENT,
        SRC_IDO,
        target=10,
        ambition=20,
        target_note=_(
            "convenant: jaarlijks 10 % (ambitie 20 %) van 4 miljoen digitaal kwetsbaren, "
            "naar rato van de inwoners; contacten, niet unieke personen"
        ),
        on_map=True,
        compare=True,
        trend=True,
        decimals=1,
    ),
    # Activiteiten en cursussen
    Indicator(
        "activities_by_function",
        S_ACTIVITIES,
        _("Activiteiten naar Wsob-functie"),
        "activities",
        COUNT,
        SRC_ACTIVITIES,
        breakdown="wsob_function",
    ),
    Indicator(
        "participants_by_function",
        S_ACTIVITIES,
        _("Deelnemers naar Wsob-functie"),
        "participants",
        COUNT,
        SRC_ACTIVITIES,
        breakdown="wsob_function",
    ),
    Indicator(
        "participants_by_group",
        S_ACTIVITIES,
        _("Deelnemers naar doelgroep"),
        "participants",
        COUNT,
        SRC_ACTIVITIES,
        breakdown="target_group",
    ),
    Indicator(
        "participants",
        S_ACTIVITIES,
        _("Deelnemers aan activiteiten"),
        "participants",
        COUNT,
        SRC_ACTIVITIES,
        trend=True,
    ),
    Indicator(
        "participants_per_1000",
        S_ACTIVITIES,
        _("Deelnemers per 1.000 inwoners"),
        "1000 * participants / inhabitants",
        PER_1000,
        SRC_ACTIVITIES,
        on_map=True,
        compare=True,
        decimals=1,
    ),
    Indicator(
        "courses_by_programme",
        S_ACTIVITIES,
        _("Cursussen naar programma"),
        "courses",
        COUNT,
        SRC_ACTIVITIES,
        breakdown="programme",
    ),
    Indicator(
        "course_participants",
        S_ACTIVITIES,
        _("Cursisten naar programma"),
        "course_participants",
        COUNT,
        SRC_ACTIVITIES,
        breakdown="programme",
    ),
    # Netwerk
    Indicator(
        "branches_by_kind",
        S_NETWORK,
        _("Vestigingen en servicepunten naar soort (open op de peildatum)"),
        "branches",
        COUNT,
        SRC_NETWORK,
        register=True,
        breakdown="kind",
    ),
    Indicator(
        "vestigingen_per_100k",
        S_NETWORK,
        _("Volwaardige vestigingen per 100.000 inwoners"),
        "100000 * vestigingen / inhabitants",
        _("per 100.000 inwoners"),
        SRC_NETWORK,
        register=True,
        on_map=True,
        compare=True,
        decimals=1,
    ),
    Indicator(
        "staffed_hours",
        S_NETWORK,
        _("Bemande uren per week (alle open locaties)"),
        "staffed_hours",
        HOURS,
        SRC_NETWORK,
        register=True,
    ),
    Indicator(
        "branches_opened",
        S_NETWORK,
        _("Geopende locaties in de periode"),
        "branches_opened",
        COUNT,
        SRC_NETWORK,
        register=True,
        breakdown="kind",
    ),
    Indicator(
        "branches_closed",
        S_NETWORK,
        _("Gesloten locaties in de periode"),
        "branches_closed",
        COUNT,
        SRC_NETWORK,
        register=True,
        breakdown="kind",
    ),
    Indicator(
        "municipalities_without_vestiging",
        S_NETWORK,
        _("Gemeenten zonder volwaardige vestiging"),
        "municipalities_without_vestiging",
        COUNT,
        SRC_NETWORK,
        register=True,
        target=0,
        target_note=_("Wsob: vanaf 2026 in elke gemeente een volwaardige vestiging"),
        items="municipalities_without_vestiging",
    ),
    # Personeel
    Indicator(
        "staff_persons", S_STAFF, _("Medewerkers (personen)"), "staff_persons", COUNT, SRC_STAFF
    ),
    Indicator(
        "staff_fte", S_STAFF, _("Medewerkers (fte)"), "staff_fte", FTE, SRC_STAFF, decimals=1
    ),
    Indicator("volunteers", S_STAFF, _("Vrijwilligers"), "volunteers", COUNT, SRC_STAFF),
    Indicator(
        "trained_share",
        S_STAFF,
        _("Aandeel medewerkers bijgeschoold"),
        "100 * staff_trained / staff_persons",
        PERCENT,
        SRC_STAFF,
        decimals=1,
    ),
    Indicator(
        "fte_per_10k",
        S_STAFF,
        _("Fte per 10.000 inwoners"),
        "10000 * staff_fte / inhabitants",
        _("per 10.000 inwoners"),
        SRC_STAFF,
        compare=True,
        decimals=2,
    ),
    Indicator(
        "staff_organisations",
        S_STAFF,
        _("Organisaties met personeelsregistratie"),
        "staff_organisations",
        COUNT,
        SRC_STAFF,
        items="staff_organisations",
    ),
]

INDICATOR_BY_CODE = {i.code: i for i in INDICATORS}
