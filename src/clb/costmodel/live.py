"""What CLB knows about today's service in an area: open branches and their staffed hours, the
collection, members, loans, IDO contacts, courses and activities. These fill the "huidig" (current)
level of the building blocks.

Counts are per municipality in a handful of grouped queries, so the same code serves one area
and a whole size class. The registration of IDO contacts and activities lives in the services
room; where that room's tables are not there, those figures are unknown (None), never zero."""

from datetime import timedelta
from decimal import Decimal

from django.apps import apps
from django.db import connection
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from clb import clock
from clb.catalogue.models import Item, ItemStatus
from clb.members import figures as member_figures
from clb.network.models import Branch, BranchKind
from clb.statistics.models import CirculationEvent, EventAction

from .definitions import LIVE_VARIABLES

SERVICEPUNT_KINDS = (BranchKind.SERVICEPUNT, BranchKind.MINI_SERVICEPUNT)
GONE = (ItemStatus.WITHDRAWN, ItemStatus.LOST, ItemStatus.MISSING)
SERVICES_VARIABLES = ("ido_contacten_12m", "cursussen_12m", "cursisten_12m", "activiteiten_12m")
# Read from the branch register: only as complete as it is (engine.AreaData).
REGISTER_VARIABLES = (
    "vestigingen_nu",
    "bemande_uren_vestigingen_nu",
    "servicepunten_nu",
    "bemande_uren_servicepunten_nu",
)


def services_models():
    """The services room's models, or None while they (or their tables) do not exist."""
    if not apps.is_installed("clb.services"):
        return None
    try:
        from clb.services.models import Activity, IdoContact, ParticipantCount
    except ImportError:
        return None
    models = (IdoContact, Activity, ParticipantCount)
    tables = set(connection.introspection.table_names())
    if not all(model._meta.db_table in tables for model in models):
        return None
    return models


def _grouped(queryset, key: str, value=None) -> dict[int, int]:
    value = value or Count("pk")
    return {row[key]: row["n"] or 0 for row in queryset.values(key).annotate(n=value).order_by()}


def figures(municipalities, *, days: int, at=None) -> tuple[dict[int, dict], list[str]]:
    """Per municipality pk: every live variable as a Decimal, or None where CLB cannot know."""
    day = clock.today(at)
    since = day - timedelta(days=days)
    pks = [m.pk for m in municipalities]
    out = {pk: dict.fromkeys(LIVE_VARIABLES, Decimal(0)) for pk in pks}
    notes = []

    for b in Branch.objects.filter(municipality__in=pks):
        if not b.is_open_on(day):
            continue
        row = out[b.municipality_id]
        if b.kind == BranchKind.VESTIGING:
            row["vestigingen_nu"] += 1
            row["bemande_uren_vestigingen_nu"] += b.staffed_hours_week
        elif b.kind in SERVICEPUNT_KINDS:
            row["servicepunten_nu"] += 1
            row["bemande_uren_servicepunten_nu"] += b.staffed_hours_week

    counts = {
        "collectie_nu": _grouped(
            Item.objects.filter(home_branch__municipality__in=pks).exclude(status__in=GONE),
            "home_branch__municipality",
        ),
        "leden_nu": member_figures.members_by_municipality(pks, day),
        "uitleningen_12m": _grouped(
            CirculationEvent.objects.filter(
                action=EventAction.CHECKOUT,
                branch__municipality__in=pks,
                occurred_on__gt=since,
                occurred_on__lte=day,
            ),
            "branch__municipality",
        ),
    }
    services = services_models()
    if services is None:
        notes.append(
            _(
                "De registratie van IDO-contacten, cursussen en activiteiten is in deze "
                "installatie niet beschikbaar: het huidige niveau daarvan is onbekend."
            )
        )
        for row in out.values():
            row.update(dict.fromkeys(SERVICES_VARIABLES))
    else:
        ido, activity, participants = services
        window = {"starts_on__gt": since, "starts_on__lte": day, "municipality__in": pks}
        counts["ido_contacten_12m"] = _grouped(
            ido.objects.filter(
                branch__municipality__in=pks, occurred_on__gt=since, occurred_on__lte=day
            ),
            "branch__municipality",
        )
        counts["cursussen_12m"] = _grouped(
            activity.objects.filter(is_course=True, **window), "municipality"
        )
        counts["activiteiten_12m"] = _grouped(
            activity.objects.filter(is_course=False, **window), "municipality"
        )
        counts["cursisten_12m"] = _grouped(
            participants.objects.filter(
                activity__is_course=True,
                **{f"activity__{k}": v for k, v in window.items()},
            ),
            "activity__municipality",
            Sum("count"),
        )
    for name, per_municipality in counts.items():
        for pk, n in per_municipality.items():
            out[pk][name] = Decimal(n)
    return out, notes


def combine(parts: list[dict]) -> dict[str, Decimal | None]:
    """Sum over municipalities; unknown if unknown anywhere."""
    out = {}
    for name in LIVE_VARIABLES:
        values = [p[name] for p in parts]
        out[name] = None if any(v is None for v in values) else sum(values, Decimal(0))
    return out
