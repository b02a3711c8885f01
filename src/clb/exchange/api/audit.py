"""Every call that reads or changes a member's data lands in the audit log of the app's
organisation, under the app's name — beside the desk's own entries."""

from clb.members import audit


def record(request, bearer, patron, *, detail: str = "") -> None:
    client = bearer.client
    audit.record(
        audit.AuditAction.API,
        username=f"API: {client.name}",
        organisation_id=client.organisation_id,
        patron=patron,
        detail=detail or f"{request.method} {request.path}",
    )
