"""Every call that reads or changes a member's data lands in the audit log of the app's
organisation, under the app's name — beside the desk's own entries."""

from clb import clock
from clb.web.models import AuditAction, AuditEntry


def record(request, bearer, patron, *, detail: str = "") -> None:
    client = bearer.client
    AuditEntry.objects.create(
        at=clock.now(),
        user=None,
        username=f"API: {client.name}"[:150],
        organisation_id=client.organisation_id,
        action=AuditAction.API,
        patron=patron,
        network_access=False,
        detail=(detail or f"{request.method} {request.path}")[:300],
    )
