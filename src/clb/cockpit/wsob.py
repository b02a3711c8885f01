"""The yearly Wsob data delivery (Gegevenslevering Wsob) of one organisation, filled from live data.

The KB asks four questionnaires a year: bezit (collection), kernfuncties (core functions:
members, loans, activities, IDO), personeel (staff) and financieel (finance). This export holds
every figure CLB has for them, one per row, with its source, so a library copies them instead of
counting by hand. Field codes are CLB's own descriptive names (the KB's question numbers are not
published with the data; map them when the KB supplies its form). Circulation, members,
registrations and staff come from the cockpit's indicator definitions (same figures, same
suppression); collection and finance are aggregate counts of the organisation's own items and
ledger lines — no patron is read."""

from datetime import date, datetime, time

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from clb.catalogue.models import Item, ItemStatus, MaterialType
from clb.members import figures as member_figures
from clb.network.models import Organisation
from clb.statistics.periods import parse

from .definitions import INDICATOR_BY_CODE, key_label
from .engine import Cockpit
from .regions import Geography
from .tables import Table, cell, status_label

HEADERS = ["vragenlijst", "code", "omschrijving", "waarde", "eenheid", "bron", "status"]

# (questionnaire, code prefix, indicator, with breakdown rows)
CORE = [
    ("kernfuncties", "leden.totaal", "members", False),
    ("kernfuncties", "leden.leeftijd", "members_by_age", True),
    ("kernfuncties", "leden.nieuw", "new_members_by_age", True),
    ("kernfuncties", "uitleningen.totaal", "loans", False),
    ("kernfuncties", "uitleningen.doelgroep", "loans_by_audience", True),
    ("kernfuncties", "uitleningen.materiaal", "loans_by_material", True),
    ("kernfuncties", "verlengingen", "renewals", False),
    ("kernfuncties", "reserveringen", "holds", False),
    ("kernfuncties", "ido.contacten", "ido_contacts", False),
    ("kernfuncties", "ido.thema", "ido_by_theme", True),
    ("kernfuncties", "activiteiten.functie", "activities_by_function", True),
    ("kernfuncties", "deelnemers.functie", "participants_by_function", True),
    ("kernfuncties", "deelnemers.doelgroep", "participants_by_group", True),
    ("kernfuncties", "cursussen", "courses_by_programme", True),
    ("kernfuncties", "cursisten", "course_participants", True),
    ("kernfuncties", "vestigingen", "branches_by_kind", True),
    ("kernfuncties", "vestigingen.bemande_uren", "staffed_hours", False),
    ("personeel", "medewerkers.personen", "staff_persons", False),
    ("personeel", "medewerkers.fte", "staff_fte", False),
    ("personeel", "vrijwilligers", "volunteers", False),
    ("personeel", "bijgeschoold.aandeel", "trained_share", False),
]

# (kind of ledger line, field code)
FINANCE = [
    ("subscription", "baten.contributies"),
    ("fine", "baten.te_laat_geld"),
    ("hold_fee", "baten.reserveringskosten"),
    ("lost", "baten.vervanging_vermist"),
    ("waiver", "kwijtgescholden"),
    ("payment", "ontvangen_betalingen"),
    ("refund", "terugbetaald"),
]


def delivery(organisation: Organisation, year: int, *, at=None) -> Table:
    period = parse(str(year))
    geo = Geography()
    region = geo.organisation_region(organisation.pk)
    cockpit = Cockpit([region], [period], geo=geo, at=at, focus=region)
    figures = cockpit.figures(region, period)
    final = bool(figures) and all(f.final for f in figures)
    table = Table(
        "wsob",
        _("Gegevenslevering Wsob %(year)s — %(org)s") % {"year": year, "org": organisation.name},
        list(HEADERS),
    )
    status = status_label(final)
    table.rows += _collection(organisation, year, status)
    by_indicator: dict = {}
    for f in figures:
        by_indicator.setdefault(f.indicator.code, []).append(f)
    for questionnaire, code, indicator_code, breakdown in CORE:
        ind = INDICATOR_BY_CODE[indicator_code]
        for f in by_indicator[indicator_code]:
            if bool(f.key) != breakdown:
                continue
            table.rows.append(
                [
                    questionnaire,
                    f"{code}.{f.key}" if f.key else code,
                    f"{ind.name}" + (f" — {f.key_label}" if f.key else ""),
                    cell(f),
                    str(ind.unit),
                    str(ind.source),
                    status_label(f.final),
                ]
            )
    table.rows += _finance(organisation, year, status)
    table.note = _(
        "Bezit is de stand op het moment van exporteren; aantallen personen of handelingen "
        "onder de 10 zijn onderdrukt."
    )
    return table


def _collection(organisation, year: int, status: str) -> list[list]:
    end = timezone.make_aware(datetime.combine(date(year, 12, 31), time.max))
    start = timezone.make_aware(datetime.combine(date(year, 1, 1), time.min))
    held = Item.objects.filter(organisation=organisation, created_at__lte=end).exclude(
        status__in=[ItemStatus.WITHDRAWN, ItemStatus.LOST]
    )
    rows = []
    source = _("exemplaren in de catalogus (stand bij export)")
    for r in (
        held.values("item_type__material_type", "audience")
        .annotate(n=Count("id"))
        .order_by("item_type__material_type", "audience")
    ):
        material, audience = r["item_type__material_type"], r["audience"]
        rows.append(
            [
                "bezit",
                f"exemplaren.{material}.{audience}",
                _("Exemplaren %(m)s, %(a)s")
                % {"m": MaterialType(material).label, "a": key_label("audience", audience)},
                r["n"],
                _("aantal"),
                source,
                status,
            ]
        )
    rows.append(
        [
            "bezit",
            "exemplaren.totaal",
            _("Exemplaren totaal"),
            held.count(),
            _("aantal"),
            source,
            status,
        ]
    )
    rows.append(
        [
            "bezit",
            "titels",
            _("Titels (verschillende beschrijvingen)"),
            held.values("record").distinct().count(),
            _("aantal"),
            source,
            status,
        ]
    )
    rows.append(
        [
            "bezit",
            "aanwinsten",
            _("Aanwinsten in het jaar"),
            Item.objects.filter(
                organisation=organisation, created_at__gte=start, created_at__lte=end
            ).count(),
            _("aantal"),
            source,
            status,
        ]
    )
    return rows


def _finance(organisation, year: int, status: str) -> list[list]:
    totals = member_figures.ledger_totals(organisation.pk, year)
    source = _("financiële regels van de organisatie (som per soort)")
    return [
        [
            "financieel",
            code,
            totals[kind].label,
            abs(totals[kind].total),
            "€",
            source,
            status,
        ]
        for kind, code in FINANCE
    ]
