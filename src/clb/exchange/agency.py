"""ISIL codes as agency ids: which organisation or branch a protocol message means, and which
partner system is calling."""

from dataclasses import dataclass

from clb import clock
from clb.network.models import Branch, Organisation

from .models import PartnerAgency


@dataclass(frozen=True)
class Agency:
    organisation: Organisation
    branch: Branch | None = None  # when the ISIL is a branch's

    @property
    def isil(self) -> str:
        return (self.branch.isil if self.branch else None) or self.organisation.isil or ""


def find(isil: str) -> Agency | None:
    """The organisation or branch with this ISIL (compared case-insensitively), or None."""
    isil = (isil or "").strip()
    if not isil:
        return None
    organisation = Organisation.objects.filter(isil__iexact=isil).first()
    if organisation is not None:
        return Agency(organisation)
    branch = Branch.objects.select_related("organisation").filter(isil__iexact=isil).first()
    return Agency(branch.organisation, branch) if branch else None


def isil_of(organisation: Organisation) -> str:
    """What to call an organisation in a protocol: its ISIL, or its code while it has none."""
    return organisation.isil or organisation.code


def isils(organisation_ids=None, branch_ids=None) -> tuple[dict[int, str], dict[int, str]]:
    """Protocol names (ISIL, or code while there is none) of these organisations and branches
    (all when None), by id."""
    organisations, branches = Organisation.objects.all(), Branch.objects.all()
    if organisation_ids is not None:
        organisations = organisations.filter(pk__in=set(organisation_ids))
    if branch_ids is not None:
        branches = branches.filter(pk__in=set(branch_ids))
    return (
        {pk: isil or code for pk, isil, code in organisations.values_list("pk", "isil", "code")},
        {pk: isil or code for pk, isil, code in branches.values_list("pk", "isil", "code")},
    )


def default_branch(organisation: Organisation, *, at=None) -> Branch | None:
    """Where an organisation receives and sends interlibrary loans when a message names no
    branch: its first open branch with the most staffed hours (the main library)."""
    day = clock.today(at)
    for branch in organisation.branches.order_by("-staffed_hours_week", "code"):
        if branch.is_open_on(day):
            return branch
    return None


def partner(isil: str, secret: str, *, at=None) -> PartnerAgency | None:
    """The active partner with this ISIL whose secret this is; None otherwise (no difference is
    told between an unknown ISIL and a wrong secret)."""
    found = PartnerAgency.objects.filter(isil__iexact=(isil or "").strip(), active=True).first()
    if found is None or not found.check_secret(secret or ""):
        return None
    PartnerAgency.objects.filter(pk=found.pk).update(last_seen_at=clock.now(at))
    return found
