"""Staff pages for registration: thin adapters over services.py, keyboard first."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clb import clock
from clb.errors import DomainError

from . import services
from .forms import ActivityForm, IdoContactForm, StaffYearForm
from .models import Activity, IdoContact, StaffYear
from .services import QUICK_CHANNELS, QUICK_REFERRALS, QUICK_THEMES

SESSION_BRANCH = "clb_ido_branch"
SESSION_DAY = "clb_ido_day"


def registration_view(view):
    """Staff of an organisation register for that organisation only."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.organisation_id is None:
            raise PermissionDenied(
                _("Registreren kan alleen voor een organisatie; uw account hoort bij geen.")
            )
        return view(request, request.user.organisation, *args, **kwargs)

    return wrapper


def _report(form, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error))


def _describe(contact: IdoContact) -> str:
    themes = ", ".join(t.get_theme_display() for t in contact.themes.all())
    outcome = []
    if contact.helped:
        outcome.append(_("geholpen"))
    if contact.referred_to:
        outcome.append(_("doorverwezen naar %(r)s") % {"r": contact.get_referred_to_display()})
    return f"{contact.get_channel_display()} · {themes} · {' + '.join(outcome)}"


@registration_view
def ido(request, organisation):
    today = clock.today()
    initial = {
        "branch": request.session.get(SESSION_BRANCH)
        or request.user.branch_id
        or organisation.branches.values_list("pk", flat=True).first(),
        "occurred_on": request.session.get(SESSION_DAY) or today.isoformat(),
    }
    form = IdoContactForm(request.POST or None, organisation=organisation, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["quick"].strip():
                contact = services.register_quick_contact(
                    data["quick"],
                    branch=data["branch"],
                    on=data["occurred_on"],
                    staff=request.user,
                )
            else:
                contact = services.register_contact(
                    branch=data["branch"],
                    channel=data["channel"],
                    themes=data["themes"],
                    helped=data["helped"],
                    referred_to=data["referred_to"],
                    government_body=data["government_body"],
                    on=data["occurred_on"],
                    staff=request.user,
                )
        except DomainError as error:
            _report(form, error)
        else:
            request.session[SESSION_BRANCH] = data["branch"].pk
            # Back-dated entry stays on that day until changed; today's entry follows the clock.
            request.session[SESSION_DAY] = (
                data["occurred_on"].isoformat() if data["occurred_on"] != today else None
            )
            messages.success(request, _("Geregistreerd: %(c)s") % {"c": _describe(contact)})
            return redirect("services:ido")
    recent = (
        IdoContact.objects.filter(organisation=organisation)
        .select_related("branch")
        .prefetch_related("themes")[:25]
    )
    return render(
        request,
        "services/ido.html",
        {
            "form": form,
            "recent": [(c, _describe(c)) for c in recent],
            "channels": [(k, v.label) for k, v in QUICK_CHANNELS.items()],
            "themes": [(k, v.label) for k, v in QUICK_THEMES.items()],
            "referrals": [(k, v.label) for k, v in QUICK_REFERRALS.items()],
            "today_count": IdoContact.objects.filter(
                organisation=organisation, occurred_on=today
            ).count(),
        },
    )


@require_POST
@registration_view
def ido_delete(request, organisation, pk):
    contact = get_object_or_404(IdoContact, pk=pk, organisation=organisation)
    try:
        services.delete_contact(contact, organisation=organisation)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Contact verwijderd."))
    return redirect("services:ido")


@registration_view
def activities(request, organisation, pk=None):
    activity = get_object_or_404(Activity, pk=pk, organisation=organisation) if pk else None
    initial = {"starts_on": clock.today().isoformat(), "sessions": 1}
    if activity is not None:
        initial = {
            "programme": activity.programme,
            "title": activity.title,
            "wsob_function": activity.wsob_function,
            "is_course": "1" if activity.is_course else "0",
            "starts_on": activity.starts_on,
            "ends_on": activity.ends_on,
            "sessions": activity.sessions,
            "branch": activity.branch_id,
            "municipality": activity.municipality_id,
        } | {f"participants_{p.target_group}": p.count for p in activity.participants.all()}
    form = ActivityForm(request.POST or None, organisation=organisation, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.save_activity(
                organisation=organisation,
                programme=data["programme"],
                title=data["title"],
                wsob_function=data["wsob_function"],
                is_course=data["is_course"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                sessions=data["sessions"],
                branch=data["branch"],
                municipality=data["municipality"],
                participants=form.participants(),
                activity=activity,
                staff=request.user,
            )
        except DomainError as error:
            _report(form, error)
        else:
            messages.success(
                request,
                _("Opgeslagen: %(a)s, %(n)s deelnemers")
                % {"a": saved, "n": saved.participants_total},
            )
            return redirect("services:activities")
    listing = (
        Activity.objects.filter(organisation=organisation)
        .select_related("branch", "municipality")
        .prefetch_related("participants")[:50]
    )
    return render(
        request,
        "services/activities.html",
        {"form": form, "activity": activity, "listing": listing},
    )


@require_POST
@registration_view
def activity_delete(request, organisation, pk):
    activity = get_object_or_404(Activity, pk=pk, organisation=organisation)
    try:
        services.delete_activity(activity, organisation=organisation)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Activiteit verwijderd."))
    return redirect("services:activities")


@registration_view
def staff(request, organisation):
    year = clock.today().year - 1
    existing = StaffYear.objects.filter(organisation=organisation, year=year).first()
    initial = {"year": year}
    if existing:
        initial |= {
            "staff_persons": existing.staff_persons,
            "staff_fte": existing.staff_fte,
            "volunteers": existing.volunteers,
            "staff_trained": existing.staff_trained,
        }
    form = StaffYearForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.record_staff_year(
                organisation=organisation, staff=request.user, **form.cleaned_data
            )
        except DomainError as error:
            _report(form, error)
        else:
            messages.success(request, _("Personeel %(y)s opgeslagen.") % {"y": record.year})
            return redirect("services:staff")
    return render(
        request,
        "services/staff.html",
        {"form": form, "years": StaffYear.objects.filter(organisation=organisation)},
    )
