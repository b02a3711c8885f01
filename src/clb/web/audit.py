"""The one place that writes the audit log of staff actions on patron data."""

from clb import clock

from . import access
from .models import AuditEntry


def record(request, action: str, *, patron=None, detail: str = "", network: bool = False):
    user = request.user
    branch = access.desk_branch(request)
    return AuditEntry.objects.create(
        at=clock.now(),
        user=user,
        username=user.get_username(),
        organisation=access.staff_organisation(request),
        branch=branch,
        action=action,
        patron=patron,
        network_access=network,
        detail=detail[:300],
    )
