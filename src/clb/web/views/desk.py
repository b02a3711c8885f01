"""The staff desk: a card opens a patron, items are scanned one after another. Views translate
between HTTP and the circulation and member services and nothing more: every rule lives there.

A refused action re-renders its page with the service's message next to the field (status 422);
a done action redirects (post/redirect/get), so a reload never repeats it. A GET never changes
anything: a patron's pages show the patron at the desk, and opening another one (which starts a
desk transaction and writes the audit log) is a POST."""

from functools import wraps

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clb import clock, formatting
from clb.circulation import services as circulation
from clb.circulation.models import Hold
from clb.errors import DomainError
from clb.inputs import whole_number
from clb.members import cards
from clb.members import services as members
from clb.members.models import LedgerLine, Patron
from clb.scoping import patrons_visible_to

from .. import access, audit, refusals
from ..access import desk_view, staff_view
from ..forms import CardForm, PatronSearchForm, PaymentForm, PinResetForm, ScanForm, WriteOffForm
from ..forms import add_domain_error as show_error
from ..models import AuditAction
from ..templatetags.clb_web import euro
from .member import cancelled_message

UNPROCESSABLE = 422


def desk_render(request, template, context=None, status=200):
    """Every desk page knows its branch and the patron at the desk (for the header)."""
    at_desk = access.transaction_state(request).get("patron")
    shown = (context or {}).get("patron")
    if at_desk is None:
        current = None
    elif getattr(shown, "pk", None) == at_desk:
        current = shown
    else:
        current = Patron.objects.filter(pk=at_desk).first()
    context = {
        "desk_branch": access.desk_branch(request),
        "desk_patron": current,
        **(context or {}),
    }
    return render(request, template, context, status=status)


# --- start: scan a card ---------------------------------------------------------------------------


@desk_view
def home(request):
    form = CardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patron = members.find_patron(form.cleaned_data["card_number"])
        except DomainError as exc:
            show_error(form, exc)
        else:
            return _open_by_card(request, patron)
    status = UNPROCESSABLE if form.errors else 200
    return desk_render(request, "web/desk/home.html", {"form": form}, status)


def _open_by_card(request, patron):
    with transaction.atomic():
        network = access.start_transaction(request, patron, by_card=True)
        audit.record(
            request,
            AuditAction.OPENED,
            patron=patron,
            network=network,
            detail=_("pas gescand"),
        )
    return redirect("web:desk-patron", pk=patron.pk)


@staff_view
def choose_branch(request):
    branches = access.branches_for(request.user).order_by("organisation__name", "name")
    if request.method == "POST":
        branch = branches.filter(pk=whole_number(request.POST.get("branch")) or 0).first()
        if branch is None:
            raise Http404
        access.set_desk_branch(request, branch)
        messages.success(request, _("U werkt nu aan de balie van %(b)s.") % {"b": branch.name})
        target = request.POST.get("next") or ""
        if not target.startswith("/balie/") or target.startswith("//"):
            target = reverse("web:desk-home")
        return redirect(target)
    return desk_render(
        request,
        "web/desk/branch.html",
        {"branches": branches, "next": request.GET.get("next", "")},
    )


@staff_view
def search_patrons(request):
    """Own organisation's patrons by name or card (a patron who forgot their card)."""
    form = PatronSearchForm(request.GET or None)
    found = []
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        found = list(
            patrons_visible_to(request.user, Patron.objects.all())
            .filter(Q(last_name__icontains=q) | Q(card_number=q))
            .order_by("last_name", "first_name")[:50]
        )
        audit.record(request, AuditAction.SEARCHED, detail=q)
    return desk_render(request, "web/desk/search.html", {"form": form, "found": found})


# --- the patron at the desk -----------------------------------------------------------------------


class _OpenFirst(Exception):
    """A page of a patron who is not at this desk: showing them means opening them (a POST)."""

    def __init__(self, patron):
        self.patron = patron


def at_desk(request, pk, *, lending=False):
    """The patron a desk URL names, at this desk. A POST opens them (a desk transaction and an
    audit entry) if they were not yet; a GET only reads, so they must be open already.
    `lending`: this view lends, renews, takes this organisation's fees or ends the transaction,
    which is all a desk may do for a patron reached by network access (see access.py)."""
    patron, network = access.desk_patron(request, pk, lending=lending)
    state = access.transaction_state(request)
    if state.get("patron") != patron.pk:
        if request.method != "POST":
            raise _OpenFirst(patron)
        with transaction.atomic():
            access.start_transaction(request, patron, by_card=False)
            audit.record(request, AuditAction.OPENED, patron=patron)
    else:
        access.touch(request)
    return patron, network


def patron_page(view):
    """Pages of a patron that a GET may ask for: a patron not at the desk gets the open button."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _OpenFirst as closed:
            return desk_render(request, "web/desk/open.html", {"closed": closed.patron})

    return wrapper


def _patron_page(request, patron, network, *, status=200, **forms):
    organisation = access.staff_organisation(request)
    overview = circulation.patron_overview(patron, organisation)
    loans = overview.loans
    if network:
        # Lending here needs what was lent here; what they read elsewhere is not ours to see.
        loans = [loan for loan in loans if loan.organisation_id == organisation.pk]
    state = access.transaction_state(request)
    just_now = set(state.get("checkouts", []))
    by_id = {loan.pk: loan for loan in loans}
    memberships = list(
        patron.memberships.select_related("organisation", "subscription_type").order_by(
            "organisation__name"
        )
    )
    own_lines = list(
        LedgerLine.objects.filter(patron=patron, organisation=organisation).order_by(
            "-created_at", "-id"
        )[:20]
    )
    context = {
        "patron": patron,
        "network": network,
        "overview": overview,
        "loans": [(loan, loan.pk in just_now) for loan in loans],
        "loans_elsewhere": len(overview.loans) - len(loans),
        "just_now": [by_id[pk] for pk in state.get("checkouts", []) if pk in by_id],
        "memberships": memberships,
        "own_membership": next(
            (m for m in memberships if m.organisation_id == organisation.pk), None
        ),
        "organisation": organisation,
        "own_balance": members.balance(patron, organisation),
        "own_lines": own_lines,
        "now": clock.now(),
        "scan_form": forms.get("scan_form") or ScanForm(),
        "renew_errors": forms.get("renew_errors") or [],
        "action_error": forms.get("action_error"),
        "held": forms.get("held"),
        "renewable": any(loan.renewal.allowed for loan in overview.loans),
        "membership_terms": _membership_terms(patron, organisation),
    }
    return desk_render(request, "web/desk/patron.html", context, status)


def _membership_terms(patron, organisation):
    try:
        return members.renewal_terms(patron, organisation)
    except DomainError:
        return None  # no membership here, or no subscription type fits: nothing to offer


@desk_view
@patron_page
def patron(request, pk):
    p, network = at_desk(request, pk, lending=True)
    if request.method == "POST":  # the open button: now at the desk
        return redirect("web:desk-patron", pk=p.pk)
    return _patron_page(request, p, network)


@desk_view
@require_POST
def checkout(request, pk):
    p, network = at_desk(request, pk, lending=True)
    form = ScanForm(request.POST)
    override = request.POST.get("override_hold") == "1"
    held = None
    if form.is_valid():
        barcode = form.cleaned_data["item_barcode"]
        try:
            with transaction.atomic():
                result = circulation.checkout(
                    item_barcode=barcode,
                    card_number=p.card_number,
                    branch=access.desk_branch(request),
                    staff=request.user,
                    override_hold=override,
                )
                audit.record(
                    request, AuditAction.CHECKOUT, patron=p, network=network, detail=barcode
                )
                for hold in result.overridden:
                    audit.record(
                        request,
                        AuditAction.HOLD_OVERRIDE,
                        patron=p,
                        network=network,
                        detail=_("%(barcode)s uitgeleend vóór reservering %(hold)s (%(title)s)")
                        % {"barcode": barcode, "hold": hold.pk, "title": hold.record.title},
                    )
        except DomainError as exc:
            other = _other_card(exc, barcode)
            if other is not None:  # a card scanned into the item field: the next patron
                return _open_by_card(request, other)
            show_error(form, exc)
            if refusals.answer(exc.code).set_aside_for_hold:
                held = _set_aside_for_hold(request, barcode)
        else:
            state = access.transaction_state(request)
            access.touch(request, checkouts=[*state.get("checkouts", []), result.loan.pk])
            return redirect(reverse("web:desk-patron", kwargs={"pk": p.pk}) + "#scan")
    return _patron_page(request, p, network, status=UNPROCESSABLE, scan_form=form, held=held)


def _set_aside_for_hold(request, barcode: str) -> dict:
    """Route the copy to the hold it serves, as a checkin here would, and offer the override."""
    from .desk_items import remember_routing  # desk_items builds on this module

    result = circulation.checkin(
        item_barcode=barcode, branch=access.desk_branch(request), staff=request.user
    )
    entry = remember_routing(request, barcode, result)
    return {"barcode": barcode, "title": entry["title"], "routing": entry}


def _other_card(exc: DomainError, value: str):
    if not refusals.answer(exc.code).maybe_a_card or not cards.is_valid_card_number(value.strip()):
        return None
    return Patron.objects.filter(card_number=value.strip()).first()


@desk_view
@require_POST
def renew(request, pk):
    p, network = at_desk(request, pk, lending=True)
    if request.POST.get("all"):
        if network:  # all their loans: other libraries' too
            raise access.NotForNetworkAccess(p)
        outcome = circulation.renew_all(card_number=p.card_number, staff=request.user)
        renewed = [barcode for barcode, r in outcome if not isinstance(r, DomainError)]
        refused = [str(r) for _barcode, r in outcome if isinstance(r, DomainError)]
        if renewed:
            audit.record(
                request, AuditAction.RENEW, patron=p, network=network, detail=" ".join(renewed)
            )
            messages.success(request, _("%(n)s uitlening(en) verlengd.") % {"n": len(renewed)})
        if refused:
            return _patron_page(request, p, network, status=UNPROCESSABLE, renew_errors=refused)
        return redirect("web:desk-patron", pk=p.pk)
    barcode = request.POST.get("item_barcode", "")
    _own_loan_or_404(p, barcode, lent_by=access.staff_organisation(request) if network else None)
    try:
        with transaction.atomic():
            result = circulation.renew(
                item_barcode=barcode, card_number=p.card_number, staff=request.user
            )
            audit.record(request, AuditAction.RENEW, patron=p, network=network, detail=barcode)
    except DomainError as exc:
        return _patron_page(request, p, network, status=UNPROCESSABLE, renew_errors=[str(exc)])
    messages.success(
        request,
        _("Verlengd tot %(date)s.") % {"date": formatting.day(result.due_at)},
    )
    return redirect("web:desk-patron", pk=p.pk)


def _own_loan_or_404(patron, barcode, *, lent_by=None):
    """Actions on a loan name it by barcode; it must be this patron's open loan (and, by network
    access, one lent by this desk's organisation)."""
    loans = patron.loans.select_related("organisation").open().filter(item__barcode=barcode)
    if lent_by is not None:
        loans = loans.filter(organisation=lent_by)
    loan = loans.first()
    if loan is None:
        raise Http404
    return loan


@desk_view
@require_POST
def mark_lost(request, pk):
    p, network = at_desk(request, pk, lending=True)
    barcode = request.POST.get("item_barcode", "")
    _own_loan_or_404(p, barcode, lent_by=access.staff_organisation(request) if network else None)
    try:
        with transaction.atomic():
            charged = circulation.mark_lost(item_barcode=barcode, staff=request.user)
            audit.record(request, AuditAction.LOST, patron=p, network=network, detail=barcode)
    except DomainError as exc:
        return _patron_page(request, p, network, status=UNPROCESSABLE, action_error=str(exc))
    messages.success(
        request,
        _("Verloren gemeld; vervangingskosten %(a)s in rekening gebracht.") % {"a": euro(charged)},
    )
    return redirect("web:desk-patron", pk=p.pk)


@desk_view
@patron_page
def cancel_hold(request, pk, hold_id):
    """GET asks to confirm (and says what happens to the fee); POST cancels."""
    p, network = at_desk(request, pk)
    hold = get_object_or_404(Hold.objects.active(), pk=hold_id, patron=p)
    if request.method != "POST":
        return desk_render(
            request,
            "web/desk/cancel_hold.html",
            {"patron": p, "terms": circulation.cancellation_terms(hold.pk)},
        )
    try:
        with transaction.atomic():
            result = circulation.cancel_hold(hold.pk, card_number=p.card_number, staff=request.user)
            audit.record(
                request,
                AuditAction.HOLD_CANCELLED,
                patron=p,
                network=network,
                detail=hold.record.title[:200],
            )
    except DomainError as exc:
        return _patron_page(request, p, network, status=UNPROCESSABLE, action_error=str(exc))
    messages.success(request, cancelled_message(result))
    if result.routing is not None:
        messages.info(request, result.routing.message)
    return redirect("web:desk-patron", pk=p.pk)


@desk_view
@patron_page
def payment(request, pk):
    """Receive a payment (how it was paid is recorded) or, with a reason, write off what is
    owed; either ends on a receipt to print. Only ever onto this organisation's own ledger, so
    also for a patron by network access; writing off is the home library's call, not the desk's."""
    p, network = at_desk(request, pk, lending=True)
    organisation = access.staff_organisation(request)
    writing_off = request.POST.get("write_off") == "1"
    if writing_off and network:
        raise access.NotForNetworkAccess(p)
    form = PaymentForm(None if writing_off else (request.POST or None))
    write_off_form = WriteOffForm(request.POST if writing_off else None, prefix="kwijt")
    done = form if not writing_off else write_off_form
    if request.method == "POST" and done.is_valid():
        amount = done.cleaned_data["amount"]
        try:
            with transaction.atomic():
                if writing_off:
                    reason = done.cleaned_data["reason"]
                    line = members.write_off(
                        p, organisation, amount, reason=reason, staff=request.user
                    )
                    audit.record(
                        request,
                        AuditAction.WRITE_OFF,
                        patron=p,
                        network=network,
                        detail=f"€ {amount}: {reason}",
                    )
                else:
                    line = members.pay(
                        p,
                        organisation,
                        amount,
                        method=done.cleaned_data["method"],
                        staff=request.user,
                    )
                    audit.record(
                        request,
                        AuditAction.PAYMENT,
                        patron=p,
                        network=network,
                        detail=f"€ {amount}",
                    )
        except DomainError as exc:
            show_error(done, exc)
        else:
            if writing_off:
                messages.success(request, _("%(a)s kwijtgescholden.") % {"a": euro(amount)})
            else:
                messages.success(request, _("Betaling van %(a)s ontvangen.") % {"a": euro(amount)})
            return redirect("web:desk-receipt", pk=p.pk, line_id=line.pk)
    owed = members.balance(p, organisation)
    if request.method == "GET" and owed > 0:
        form = PaymentForm(initial={"amount": f"{owed:.2f}".replace(".", ",")})
    return desk_render(
        request,
        "web/desk/payment.html",
        {
            "patron": p,
            "form": form,
            "write_off_form": None if network else write_off_form,
            "owed": owed,
            "organisation": organisation,
        },
        UNPROCESSABLE if done.errors else 200,
    )


@desk_view
@patron_page
def receipt(request, pk, line_id):
    """A printable receipt of a payment or write-off on this organisation's ledger (so also
    for a patron by network access who just paid here: it shows no card number)."""
    p, _network = at_desk(request, pk, lending=True)
    organisation = access.staff_organisation(request)
    line = get_object_or_404(
        LedgerLine.objects.select_related("organisation", "created_by"),
        pk=line_id,
        patron=p,
        organisation=organisation,
        amount__lt=0,
    )
    return desk_render(
        request,
        "web/desk/receipt.html",
        {
            "patron": p,
            "line": line,
            "paid": -line.amount,
            "owed": members.balance(p, organisation),
            "organisation": organisation,
        },
    )


@desk_view
@patron_page
def renew_membership(request, pk):
    """GET shows what renewing does (new date, type, fee) to confirm; POST renews."""
    p, network = at_desk(request, pk)
    organisation = access.staff_organisation(request)
    if request.method != "POST":
        try:
            terms = members.renewal_terms(p, organisation)
        except DomainError as exc:
            return _patron_page(request, p, network, status=UNPROCESSABLE, action_error=str(exc))
        return desk_render(
            request,
            "web/desk/membership.html",
            {"patron": p, "terms": terms, "organisation": organisation},
        )
    try:
        with transaction.atomic():
            membership = members.renew_membership(p, organisation, staff=request.user)
            audit.record(request, AuditAction.MEMBERSHIP_RENEWED, patron=p, network=network)
    except DomainError as exc:
        return _patron_page(request, p, network, status=UNPROCESSABLE, action_error=str(exc))
    messages.success(
        request,
        _("Lidmaatschap verlengd tot %(d)s (%(s)s). Te betalen: %(o)s.")
        % {
            "d": formatting.day(membership.expires_on),
            "s": membership.subscription_type.name,
            "o": euro(members.balance(p, organisation)),
        },
    )
    return redirect("web:desk-patron", pk=p.pk)


@desk_view
@patron_page
def reset_pin(request, pk):
    p, network = at_desk(request, pk)
    form = PinResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                members.set_pin(p, form.cleaned_data["pin"], staff=request.user)
                audit.record(request, AuditAction.PIN_RESET, patron=p, network=network)
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Nieuwe pincode ingesteld; de pas is ontgrendeld."))
            return redirect("web:desk-patron", pk=p.pk)
    return desk_render(
        request,
        "web/desk/pin.html",
        {"patron": p, "form": form},
        UNPROCESSABLE if form.errors else 200,
    )


@staff_view
@require_POST
def done(request, pk):
    access.desk_patron(request, pk, lending=True)
    access.end_transaction(request)
    return redirect("web:desk-home")
