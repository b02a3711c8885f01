"""Registering a member at the desk (with the duplicate check), editing their details, and the
organisation's audit log."""

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from clb import clock, exports
from clb.errors import DomainError
from clb.members import services as members
from clb.members.models import Patron, SubscriptionType
from clb.scoping import patrons_visible_to, sees_everything

from .. import access, audit
from ..access import desk_view, org_admin_view
from ..forms import PatronEditForm, RegisterForm
from ..forms import add_domain_error as show_error
from ..models import AuditAction, AuditEntry, SecurityAlert
from ..templatetags.clb_web import euro
from .desk import UNPROCESSABLE, at_desk, desk_render, patron_page

ALERTS_SHOWN_FOR = timedelta(days=30)


@desk_view
def register(request):
    organisation = access.staff_organisation(request)
    form = RegisterForm(request.POST or None)
    duplicates = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Present once the desk was shown a possible duplicate: staff chose to register anyway.
        reason = data["duplicate_reason"] if "duplicate_reason" in request.POST else None
        try:
            with transaction.atomic():
                patron = members.register_patron(
                    organisation=organisation,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    birth_date=data["birth_date"],
                    postcode=data["postcode"],
                    pin=data["pin"],
                    email=data["email"],
                    phone=data["phone"],
                    street=data["street"],
                    place=data["place"],
                    keep_history=data["keep_history"],
                    card_number=data["card_number"].strip() or None,
                    guardian_name=data["guardian_name"],
                    guardian_phone=data["guardian_phone"],
                    guardian_email=data["guardian_email"],
                    duplicate_reason=reason,
                    branch=access.desk_branch(request),
                    staff=request.user,
                )
                detail = (
                    _("ondanks mogelijk dubbel: %(r)s") % {"r": reason.strip()} if reason else ""
                )
                audit.record(request, AuditAction.REGISTERED, patron=patron, detail=detail)
        except members.PossibleDuplicate as exc:
            duplicates = _split_by_visibility(request.user, exc.patrons)
            show_error(form, exc)
            form.fields["pin"].widget.render_value = True  # asked once, not twice
        except DomainError as exc:
            show_error(form, exc)
        else:
            access.start_transaction(request, patron, by_card=False)
            membership = patron.memberships.select_related("subscription_type").get()
            messages.success(
                request,
                _("Ingeschreven met pas %(card)s, abonnement %(sub)s. Te betalen: %(owed)s.")
                % {
                    "card": patron.card_number,
                    "sub": membership.subscription_type.name,
                    "owed": euro(members.balance(patron, organisation)),
                },
            )
            return redirect("web:desk-patron", pk=patron.pk)
    return desk_render(
        request,
        "web/desk/register.html",
        {
            "form": form,
            "organisation": organisation,
            "duplicates": duplicates,
            "asking_reason": duplicates is not None or "duplicate_reason" in request.POST,
            "subscription_types": SubscriptionType.objects.filter(
                organisation=organisation, active=True
            ),
        },
        UNPROCESSABLE if form.errors else 200,
    )


def _split_by_visibility(user, patrons) -> dict:
    """The possible duplicates this desk may open, and how many are members elsewhere (those
    are not shown: the person at the desk can show their card)."""
    own = set(
        patrons_visible_to(user, Patron.objects.filter(pk__in=[p.pk for p in patrons])).values_list(
            "pk", flat=True
        )
    )
    return {
        "own": [p for p in patrons if p.pk in own],
        "elsewhere": sum(1 for p in patrons if p.pk not in own),
    }


@desk_view
@patron_page
def edit_patron(request, pk):
    """A member's address, contact, guardian and subscription type here. Only for the
    organisation's own members: a card scanned at a foreign desk lends and returns, no more
    (at_desk refuses a patron opened by network access)."""
    patron, _network = at_desk(request, pk)
    organisation = access.staff_organisation(request)
    membership = patron.memberships.filter(organisation=organisation).first()
    types = (
        SubscriptionType.objects.filter(organisation=organisation, active=True)
        if membership
        else None
    )
    initial = {name: getattr(patron, name) for name in members.EDITABLE}
    if membership:
        initial["subscription_type"] = membership.subscription_type_id
    form = PatronEditForm(request.POST or None, initial=initial, subscription_types=types)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                changed = members.update_patron(
                    patron,
                    staff=request.user,
                    **{name: data[name] for name in members.EDITABLE},
                )
                chosen = data.get("subscription_type")
                if membership and chosen and chosen.pk != membership.subscription_type_id:
                    members.change_subscription_type(patron, organisation, chosen)
                    changed.append(_("abonnementsvorm: %(s)s") % {"s": chosen.name})
                if changed:
                    audit.record(
                        request,
                        AuditAction.EDITED,
                        patron=patron,
                        detail=_("gewijzigd: %(f)s") % {"f": ", ".join(changed)},
                    )
        except DomainError as exc:
            show_error(form, exc)
        else:
            if changed:
                messages.success(
                    request, _("Gegevens gewijzigd: %(f)s.") % {"f": ", ".join(changed)}
                )
            else:
                messages.info(request, _("Niets gewijzigd."))
            return redirect("web:desk-patron", pk=patron.pk)
    return desk_render(
        request,
        "web/desk/edit_patron.html",
        {"patron": patron, "form": form, "organisation": organisation},
        UNPROCESSABLE if form.errors else 200,
    )


@org_admin_view
def audit_log(request):
    """What this organisation's staff did, and what other organisations' desks did with this
    organisation's members by network access (their card scanned there)."""
    entries = AuditEntry.objects.select_related("patron", "branch", "organisation").order_by(
        "-at", "-id"
    )
    if not sees_everything(request.user):
        own_members = patrons_visible_to(request.user, Patron.objects.all()).values("pk")
        entries = entries.filter(
            Q(organisation_id=request.user.organisation_id)
            | Q(network_access=True, patron__in=own_members)
        )
    card = request.GET.get("pas", "").strip()
    if card:
        entries = entries.filter(patron__card_number=card)
    if request.GET.get("formaat") == "csv":
        return _audit_csv(request, entries)
    page = Paginator(entries, 50).get_page(request.GET.get("pagina"))
    alerts = SecurityAlert.objects.filter(at__gte=clock.now() - ALERTS_SHOWN_FOR)
    if not sees_everything(request.user):
        alerts = alerts.filter(organisation_id=request.user.organisation_id)
    return desk_render(
        request,
        "web/desk/audit.html",
        {"page": page, "card": card, "alerts": alerts.select_related("organisation")[:50]},
    )


def _audit_csv(request, entries):
    """The log as shown, for an inspection or a member's request (AVG): a spreadsheet file."""
    header = [
        _("tijdstip"),
        _("medewerker"),
        _("organisatie"),
        _("balie"),
        _("handeling"),
        _("pas"),
        _("via netwerkpas"),
        _("details"),
    ]
    rows = (
        [
            timezone.localtime(e.at).strftime("%d-%m-%Y %H:%M:%S"),
            e.username,
            e.organisation.name if e.organisation else "",
            e.branch.name if e.branch else "",
            e.get_action_display(),
            e.patron.card_number if e.patron else "",
            _("ja") if e.network_access else _("nee"),
            e.detail,
        ]
        for e in entries.iterator(chunk_size=2000)
    )
    body = exports.csv_text([header, *rows], exports.requested_style(request))
    return exports.download(body, f"logboek-{clock.today():%Y%m%d}.csv")
