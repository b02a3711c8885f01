"""The one place that writes statistics events. Callers are inside their own transaction, so the
event lands or vanishes with the action it describes — and so do the tallies it updates."""

from datetime import datetime

from clb.clock import today
from clb.members.models import age_band

from . import tallies
from .models import CirculationEvent


def record(
    action: str, *, at: datetime, organisation, branch=None, item=None, patron=None, source=""
):
    """`source` marks an event that is not an action in CLB (see CirculationEvent): it is kept
    but not counted."""
    day = today(at)
    event = CirculationEvent.everything.create(
        occurred_on=day,
        action=action,
        organisation_id=organisation.pk,
        branch_id=branch.pk if branch else None,
        item_type=item.item_type.code if item else "",
        material_type=item.item_type.material_type if item else "",
        audience=item.audience if item else "",
        age_band=age_band(patron.birth_date, day) if patron else "",
        municipality_code=patron.municipality.code if patron and patron.municipality_id else "",
        source=source,
    )
    if not source:
        tallies.add(event)


def remove_source(source: str) -> int:
    """Take out every event of one source (a migration undone); they were never counted."""
    if not source:
        raise ValueError("only events of a named source can be removed")
    return CirculationEvent.everything.filter(source=source).delete()[0]
