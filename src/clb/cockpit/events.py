"""The one place that writes statistics events. Callers are inside their own transaction, so the
event lands or vanishes with the action it describes — and so do the tallies it updates."""

from dataclasses import dataclass
from datetime import datetime

from clb.clock import today
from clb.members.models import age_band
from clb.network.models import Municipality

from . import tallies
from .models import CirculationEvent


def record(
    action: str, *, at: datetime, organisation, branch=None, item=None, patron=None, source=""
):
    """`source` marks an event that is not an action in CLB (see CirculationEvent): it is kept
    but not counted."""
    municipality = patron.municipality.code if patron and patron.municipality_id else ""
    event = _event(action, today(at), organisation, branch, item, patron, municipality, source)
    event.save()
    if not source:
        tallies.add(event)


@dataclass
class Past:
    """Something that happened in another system before it came into CLB (a migration): a
    loan at its checkout, a hold when it was placed, a renewal, a member's registration."""

    action: str
    at: datetime
    organisation: object
    branch: object = None
    item: object = None
    patron: object = None


def record_history(history: list[Past], *, source: str) -> None:
    """Events for history brought in at once, dated when it happened there: written in bulk
    and never counted (they carry their source), so there are no tallies to update."""
    if not source:
        raise ValueError("history brought in carries its source")
    codes = dict(
        Municipality.objects.filter(
            pk__in={p.patron.municipality_id for p in history if p.patron is not None}
        ).values_list("pk", "code")
    )
    CirculationEvent.everything.bulk_create(
        [
            _event(
                p.action,
                today(p.at),
                p.organisation,
                p.branch,
                p.item,
                p.patron,
                codes.get(p.patron.municipality_id, "") if p.patron else "",
                source,
            )  # fmt: skip
            for p in history
        ],
        batch_size=1000,
    )


def _event(action, day, organisation, branch, item, patron, municipality, source):
    return CirculationEvent(
        occurred_on=day,
        action=action,
        organisation_id=organisation.pk,
        branch_id=branch.pk if branch else None,
        item_type=item.item_type.code if item else "",
        material_type=item.item_type.material_type if item else "",
        audience=item.audience if item else "",
        age_band=age_band(patron.birth_date, day) if patron else "",
        municipality_code=municipality,
        source=source,
    )


def remove_source(source: str) -> int:
    """Take out every event of one source (a migration undone); they were never counted."""
    if not source:
        raise ValueError("only events of a named source can be removed")
    return CirculationEvent.everything.filter(source=source).delete()[0]
