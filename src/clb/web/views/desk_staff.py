"""Staff accounts of the organisation, kept by its administrators (rules: accounts.services)."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from clb.accounts import services as staff
from clb.accounts.models import User
from clb.errors import DomainError

from .. import access, audit
from ..access import org_admin_view
from ..forms import StaffForm
from ..forms import add_domain_error as show_error
from ..models import AuditAction
from .desk import UNPROCESSABLE, desk_render


def _form(request, *, new: bool, initial=None):
    roles = [(role, User.Role(role).label) for role in staff.grantable_roles(request.user)]
    return StaffForm(
        request.POST or None,
        initial=initial,
        roles=roles,
        branches=access.branches_for(request.user).order_by("organisation__name", "name"),
        new=new,
    )


@org_admin_view
def staff_list(request):
    form = _form(request, new=True, initial={"role": User.Role.DESK})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                user = staff.create_staff(
                    request.user,
                    username=data["username"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    email=data["email"],
                    role=data["role"],
                    branch=data["branch"],
                    organisation=data["branch"].organisation if data["branch"] else None,
                    password=data["password"],
                )
                audit.record(
                    request,
                    AuditAction.STAFF,
                    detail=_("nieuw account %(u)s (%(r)s)")
                    % {"u": user.username, "r": user.get_role_display()},
                )
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Account %(u)s aangemaakt.") % {"u": user.username})
            return redirect("web:desk-staff")
    return desk_render(
        request,
        "web/desk/staff.html",
        {"form": form, "accounts": staff.staff_of(request.user)},
        UNPROCESSABLE if form.errors else 200,
    )


@org_admin_view
def staff_member(request, pk):
    try:
        user = staff.find_staff(request.user, pk)
    except staff.StaffError as exc:
        raise Http404 from exc
    fields = ("first_name", "last_name", "email", "role", "branch", "is_active")
    form = _form(request, new=False, initial={name: getattr(user, name) for name in fields})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                changed = staff.update_staff(
                    request.user, user, **{name: data[name] for name in fields}
                )
                if data["password"]:
                    staff.set_password(request.user, user, data["password"])
                    changed.append(_("wachtwoord"))
                if changed:
                    audit.record(
                        request,
                        AuditAction.STAFF,
                        detail=_("%(u)s: %(f)s gewijzigd")
                        % {"u": user.username, "f": ", ".join(changed)},
                    )
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Account %(u)s bijgewerkt.") % {"u": user.username})
            return redirect("web:desk-staff")
    return desk_render(
        request,
        "web/desk/staff_member.html",
        {"form": form, "account": user},
        UNPROCESSABLE if form.errors else 200,
    )
