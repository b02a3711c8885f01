"""The desk's entries in the audit log: who is signed in, at which desk, for which organisation."""

from clb.members import audit

from . import access


def record(request, action: str, *, patron=None, detail: str = "", network: bool = False):
    user = request.user
    organisation = access.staff_organisation(request)
    return audit.record(
        action,
        username=user.get_username(),
        organisation_id=organisation.pk if organisation else None,
        user=user,
        branch=access.desk_branch(request),
        patron=patron,
        network=network,
        detail=detail,
    )
