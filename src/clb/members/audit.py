"""The one place that writes the audit log of actions on patron data. The interfaces say who
acted (a staff user at a desk, or an app through the API) and for which organisation; the log
keeps the name as text too, so an entry stays readable when the account is gone."""

from clb import clock

from .models import AuditAction, AuditEntry

__all__ = ["AuditAction", "record"]


def record(
    action: str,
    *,
    username: str,
    organisation_id: int | None,
    user=None,
    branch=None,
    patron=None,
    network: bool = False,
    detail: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        at=clock.now(),
        user=user,
        username=username[:150],
        organisation_id=organisation_id,
        branch=branch,
        action=action,
        patron=patron,
        network_access=network,
        detail=detail[:300],
    )
