"""The one place that writes statistics events. Callers are inside their own transaction, so the
event lands or vanishes with the action it describes — and so do the tallies it updates.

Everything comes in as plain values (codes, ids, a date): the room that acts describes its own
objects anonymously (`Item.statistics_traits()`, `Patron.statistics_traits(day)`), so this room
never sees a patron or an item."""

from datetime import date

from . import tallies
from .models import CirculationEvent


def record(
    action: str,
    *,
    on: date,
    organisation_id: int,
    branch_id: int | None = None,
    item_type: str = "",
    material_type: str = "",
    audience: str = "",
    age_band: str = "",
    municipality_code: str = "",
) -> None:
    event = CirculationEvent.objects.create(
        occurred_on=on,
        action=action,
        organisation_id=organisation_id,
        branch_id=branch_id,
        item_type=item_type,
        material_type=material_type,
        audience=audience,
        age_band=age_band,
        municipality_code=municipality_code,
    )
    tallies.add(event)
