"""Mijn Bibliotheek: a member's own loans, holds, fees, reading history, PIN and data."""

import json

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clb import clock
from clb.circulation import services as circulation
from clb.errors import DomainError
from clb.members import services as members
from clb.members.errors import MemberError

from .. import throttle
from ..forms import ChangePinForm, MemberLoginForm
from ..forms import add_domain_error as show_error
from ..members_session import (
    current_member,
    keep_after_pin_change,
    known_tokens,
    log_in,
    log_out,
    member_view,
    remember_browser,
    safe_next,
)
from ..templatetags.clb_web import euro

UNPROCESSABLE = 422
LOGIN_REFUSED = gettext_lazy(
    "Pasnummer of pincode klopt niet. Na vijf verkeerde pogingen moet u even wachten; aan de "
    "balie krijgt u zo nodig een nieuwe pincode."
)


@never_cache
def login(request):
    if current_member(request) is not None and request.method == "GET":
        return redirect(safe_next(request, "/mijn/"))
    form = MemberLoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        ip = throttle.client_ip(request)
        if throttle.is_throttled(throttle.MEMBER, ip):
            form.add_error(
                None,
                _(
                    "Te veel mislukte pogingen vanaf dit adres. Probeer het over een kwartier "
                    "opnieuw of vraag het aan de balie."
                ),
            )
            status = 429
        else:
            data = form.cleaned_data
            try:
                patron = members.verify_pin(
                    data["card_number"], data["pin"], known_tokens=known_tokens(request)
                )
            except MemberError:
                throttle.record_failure(throttle.MEMBER, ip)
                # One answer for an unknown card, a wrong PIN and a locked card: whoever tries
                # card numbers learns nothing about which exist.
                form.add_error(None, LOGIN_REFUSED)
            else:
                log_in(request, patron)
                response = redirect(safe_next(request, "/mijn/"))
                remember_browser(request, response, patron)
                return response
    if form.errors and status == 200:
        status = UNPROCESSABLE
    return render(
        request,
        "web/mine/login.html",
        {"form": form, "next": safe_next(request, "")},
        status=status,
    )


@require_POST
def logout(request):
    log_out(request)
    messages.info(request, _("U bent uitgelogd."))
    return redirect("web:home")


def _home_organisation(patron):
    membership = patron.memberships.select_related("organisation").order_by("-expires_on").first()
    return membership.organisation if membership else patron.registered_by


def _mine_page(request, patron, *, renew_errors=(), hold_error="", status=200):
    overview = circulation.patron_overview(patron, _home_organisation(patron))
    return render(
        request,
        "web/mine/overview.html",
        {
            "patron": patron,
            "overview": overview,
            "now": clock.now(),
            "memberships": patron.memberships.select_related(
                "organisation", "subscription_type"
            ).order_by("organisation__name"),
            "lines": patron.ledger_lines.select_related("organisation").order_by(
                "-created_at", "-id"
            )[:20],
            "renew_errors": list(renew_errors),
            "renewable": any(loan.renewal.allowed for loan in overview.loans),
            "hold_error": hold_error,
        },
        status=status,
    )


@member_view
def overview(request, patron):
    return _mine_page(request, patron)


@member_view
@require_POST
def renew(request, patron):
    if request.POST.get("all"):
        outcome = circulation.renew_all(card_number=patron.card_number)
        refused = [str(r) for _b, r in outcome if isinstance(r, DomainError)]
        renewed = len(outcome) - len(refused)
    else:
        barcode = request.POST.get("item_barcode", "")
        if not patron.loans.open().filter(item__barcode=barcode).exists():
            raise Http404
        try:
            circulation.renew(item_barcode=barcode, card_number=patron.card_number)
            refused, renewed = [], 1
        except DomainError as exc:
            refused, renewed = [str(exc)], 0
    if renewed:
        messages.success(request, _("%(n)s uitlening(en) verlengd.") % {"n": renewed})
    if refused:
        return _mine_page(request, patron, renew_errors=refused, status=UNPROCESSABLE)
    return redirect("web:mine")


@member_view
def cancel_hold(request, patron, hold_id):
    """GET asks to confirm and says whether the fee comes back; POST cancels."""
    if not patron.holds.active().filter(pk=hold_id).exists():
        raise Http404
    if request.method != "POST":
        terms = circulation.cancellation_terms(hold_id)
        return render(request, "web/mine/cancel_hold.html", {"patron": patron, "terms": terms})
    try:
        result = circulation.cancel_hold(hold_id, card_number=patron.card_number)
    except DomainError as exc:
        return _mine_page(request, patron, hold_error=str(exc), status=UNPROCESSABLE)
    messages.success(request, cancelled_message(result))
    return redirect("web:mine")


def cancelled_message(result) -> str:
    """What a cancelled hold cost, said the same way to members and at the desk."""
    if result.refund:
        return _("Reservering geannuleerd; %(fee)s reserveringskosten teruggeboekt.") % {
            "fee": euro(result.refund)
        }
    return _("Reservering geannuleerd.")


@member_view
def history(request, patron):
    if request.method == "POST":
        keep = request.POST.get("keep_history") == "1"
        forgotten = circulation.set_keep_history(patron, keep)
        if keep:
            messages.success(request, _("Uw leesgeschiedenis wordt vanaf nu bewaard."))
        else:
            messages.success(
                request,
                _("Uw leesgeschiedenis wordt niet meer bewaard; %(n)s titels zijn gewist.")
                % {"n": forgotten},
            )
        return redirect("web:mine-history")
    loans = circulation.reading_history(patron)[:500] if patron.keep_history else []
    return render(request, "web/mine/history.html", {"patron": patron, "loans": loans})


@member_view
def change_pin(request, patron):
    form = ChangePinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            members.change_pin(patron, data["old_pin"], data["new_pin"])
        except MemberError as exc:
            show_error(form, exc, aliases={"pin": "old_pin"})
        else:
            keep_after_pin_change(request, patron)
            messages.success(request, _("Uw pincode is gewijzigd."))
            return redirect("web:mine")
    return render(
        request,
        "web/mine/pin.html",
        {"patron": patron, "form": form},
        status=UNPROCESSABLE if form.errors else 200,
    )


@member_view
def my_data(request, patron):
    return render(request, "web/mine/data.html", {"patron": patron})


@member_view
def my_data_json(request, patron):
    body = json.dumps(members.export_data(patron), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"clb-mijn-gegevens-{patron.card_number}-{clock.today():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
