"""Staff accounts, managed by each organisation's administrators. One transaction per action.

Reach: an organisation administrator manages the staff of their own organisation, and only
accounts whose role they could grant; national administrators manage everyone's. Nobody grants
a role beyond their own (GRANTABLE), and nobody takes their own role or account away."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clb.errors import DomainError
from clb.network.models import Branch
from clb.scoping import sees_everything

from .models import User
from .roles import ensure_groups

Role = User.Role
# The roles each role may grant. A cockpit user's scope is a region, not an organisation: that
# is for national administrators to give.
GRANTABLE = {
    Role.ORG_ADMIN: [Role.DESK, Role.CATALOGUER, Role.ORG_ADMIN],
    Role.NATIONAL_ADMIN: list(Role),
}
# Roles that work in the Django admin (as members of the organisation administrators' group).
ADMIN_ROLES = {Role.ORG_ADMIN}


class StaffError(DomainError):
    code = "staff"


def grantable_roles(by: User) -> list[str]:
    if by.is_superuser:
        return list(Role)
    return list(GRANTABLE.get(by.role, []))


def _may_manage(by: User) -> None:
    if not (by.is_active and grantable_roles(by)):
        raise StaffError(_("U beheert geen medewerkers."), code="forbidden")


def staff_of(by: User):
    """The accounts this administrator manages, by name."""
    _may_manage(by)
    users = User.objects.select_related("organisation", "branch").order_by(
        "organisation__name", "username"
    )
    if sees_everything(by):
        return users
    return users.filter(organisation_id=by.organisation_id, role__in=grantable_roles(by))


def find_staff(by: User, pk) -> User:
    user = staff_of(by).filter(pk=pk).first()
    if user is None or (user.is_superuser and not by.is_superuser):
        raise StaffError(_("Onbekende medewerker."), code="not_found")
    return user


def _check_role(by: User, role: str) -> None:
    if role not in grantable_roles(by):
        raise StaffError(
            _("U kunt de rol '%(role)s' niet toekennen.") % {"role": _role_label(role)},
            field="role",
        )


def _role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


def _check_branch(by: User, organisation_id, branch: Branch | None) -> None:
    if branch is not None and branch.organisation_id != organisation_id:
        raise StaffError(
            _("Vestiging %(b)s hoort niet bij deze organisatie.") % {"b": branch.name},
            field="branch",
        )


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise StaffError(" ".join(exc.messages), field="password") from exc


def _apply_role_access(user: User) -> None:
    """An organisation administrator works in the admin, inside the group's permissions."""
    group = ensure_groups()
    user.is_staff = user.role in ADMIN_ROLES or user.is_superuser
    if user.role in ADMIN_ROLES:
        user.groups.add(group)
    else:
        user.groups.remove(group)


@transaction.atomic
def create_staff(
    by: User,
    *,
    username: str,
    role: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    branch: Branch | None = None,
    organisation=None,
) -> User:
    _may_manage(by)
    username = (username or "").strip()
    if not username:
        raise StaffError(_("Vul een gebruikersnaam in."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise StaffError(
            _("Gebruikersnaam %(u)s is al in gebruik.") % {"u": username}, field="username"
        )
    _check_role(by, role)
    if not sees_everything(by) or organisation is None:
        organisation = by.organisation
    _check_branch(by, organisation.pk if organisation else None, branch)
    user = User(
        username=username,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=(email or "").strip(),
        role=role,
        organisation=organisation,
        branch=branch,
    )
    _check_password(password, user)
    user.set_password(password)
    user.save()
    _apply_role_access(user)
    user.save(update_fields=["is_staff"])
    return user


LABELS = {
    "first_name": gettext_lazy("voornaam"),
    "last_name": gettext_lazy("achternaam"),
    "email": gettext_lazy("e-mail"),
    "role": gettext_lazy("rol"),
    "branch": gettext_lazy("vestiging"),
    "is_active": gettext_lazy("actief"),
}


@transaction.atomic
def update_staff(by: User, user: User, **changes) -> list[str]:
    """Change names, e-mail, role, branch or whether the account may log in. Returns the
    (Dutch) names of what changed, for the audit log."""
    user = find_staff(by, user.pk)
    unknown = sorted(set(changes) - set(LABELS))
    if unknown:
        raise StaffError(_("%(f)s kan hier niet gewijzigd worden.") % {"f": unknown[0]})
    if user.pk == by.pk and (
        changes.get("role", user.role) != user.role or changes.get("is_active") is False
    ):
        raise StaffError(
            _("Uw eigen rol of account kunt u niet intrekken; vraag een andere beheerder."),
            code="self",
        )
    if "role" in changes:
        _check_role(by, changes["role"])
    if "branch" in changes:
        _check_branch(by, user.organisation_id, changes["branch"])
    changed = []
    for name, value in changes.items():
        if isinstance(value, str):
            value = value.strip()
        if value != getattr(user, name):
            setattr(user, name, value)
            changed.append(name)
    if changed:
        _apply_role_access(user)
        user.save()
    return [str(LABELS[name]) for name in changed]


@transaction.atomic
def set_password(by: User, user: User, password: str) -> None:
    user = find_staff(by, user.pk)
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
