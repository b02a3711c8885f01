"""Where staff land after logging in: the page their role works on."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from clb.accounts.models import User

from ..access import may_use_desk


@login_required
def after_login(request):
    user = request.user
    if user.role == User.Role.COCKPIT:
        return redirect("/cockpit/")
    if may_use_desk(user):
        return redirect("web:desk-home")
    return redirect("/admin/") if user.is_staff else redirect("web:home")
