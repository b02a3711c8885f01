"""The desk's item work: checkin with routing (and its slip), the hold shelf, transits, and an
item's status (lost, found, missing, in repair, withdrawn)."""

from datetime import datetime

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from clb import clock
from clb.catalogue.models import Item, ItemStatus
from clb.circulation import services as circulation
from clb.circulation.models import Hold, Loan, Transit
from clb.errors import DomainError
from clb.inputs import whole_number
from clb.members.cards import shelf_code
from clb.members.models import Patron
from clb.scoping import patrons_visible_to, sees_everything

from .. import access, audit
from ..access import desk_view, staff_view
from ..forms import ScanForm
from ..forms import add_domain_error as show_error
from ..models import AuditAction
from ..templatetags.clb_web import euro
from .desk import UNPROCESSABLE, desk_render

CHECKINS_KEY = "clb_checkins"
KEEP_CHECKINS = 30
KIND_LABELS = {
    "shelf": gettext_lazy("Kast"),
    "hold_shelf": gettext_lazy("Reserveringsplank"),
    "transit": gettext_lazy("Transport"),
    "return_to_lender": gettext_lazy("Terug naar uitlenende bibliotheek"),
}


# --- checkin ------------------------------------------------------------------------------------


def remember_routing(request, barcode: str, result) -> dict:
    """Keep the routing of this desk's recent checkins in the session, for the list and the slip."""
    routing = result.routing
    entries = request.session.get(CHECKINS_KEY, [])
    entry = {
        "n": (entries[0]["n"] + 1) if entries else 1,
        "barcode": result.item.barcode or barcode,
        "title": result.item.record.title[:200],
        "kind": routing.kind,
        "destination": routing.destination.name,
        "destination_org": routing.destination.organisation.name,
        "shelf_code": routing.shelf_code,
        "message": routing.message,
        "notes": [str(m) for m in result.messages],
        "fine": str(result.fine) if result.fine else "",
        "at": clock.now().isoformat(),
    }
    request.session[CHECKINS_KEY] = [entry, *entries][:KEEP_CHECKINS]
    return entry


def _scan_in(request, template, extra=None):
    """Checkin and receiving a transit are the same act at the desk: scan, route, show."""
    form = ScanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        barcode = form.cleaned_data["item_barcode"]
        try:
            result = circulation.checkin(
                item_barcode=barcode, branch=access.desk_branch(request), staff=request.user
            )
        except DomainError as exc:
            show_error(form, exc)
        else:
            remember_routing(request, barcode, result)
            return redirect(request.path + "#scan")
    entries = [_labelled(e) for e in request.session.get(CHECKINS_KEY, [])]
    context = {"form": form, "entries": entries, **(extra or {})}
    return desk_render(request, template, context, UNPROCESSABLE if form.errors else 200)


@desk_view
def checkin(request):
    return _scan_in(request, "web/desk/checkin.html")


@staff_view
def routing_slip(request, n):
    entry = next((e for e in request.session.get(CHECKINS_KEY, []) if e["n"] == n), None)
    if entry is None:
        raise Http404
    return desk_render(request, "web/desk/slip.html", {"entry": _labelled(entry)})


def _labelled(entry: dict) -> dict:
    return {
        **entry,
        "kind_label": KIND_LABELS.get(entry["kind"], entry["kind"]),
        "when": datetime.fromisoformat(entry["at"]),
    }


# --- hold shelf -----------------------------------------------------------------------------------


@desk_view
def hold_shelf(request):
    branch = access.desk_branch(request)
    now = clock.now()
    shelf = list(circulation.hold_shelf(branch))
    pull = list(circulation.pull_list(branch)[:200])
    return desk_render(
        request,
        "web/desk/hold_shelf.html",
        {
            "ready": _on_shelf(request, [h for h in shelf if h.expires_at and h.expires_at >= now]),
            "expired": _on_shelf(
                request, [h for h in shelf if h.expires_at and h.expires_at < now]
            ),
            "pull": [(h, [h.captured_item]) for h in pull],
            "now": now,
        },
    )


def _on_shelf(request, holds) -> list:
    """(hold, shelf code, name or "") per hold: the shelf code for everyone, the name only for
    members of this desk's organisation (a copy for another library's member says nothing more)."""
    own = set(
        patrons_visible_to(
            request.user, Patron.objects.filter(pk__in={h.patron_id for h in holds})
        ).values_list("pk", flat=True)
    )
    return [
        (
            h,
            shelf_code(h.patron),
            f"{h.patron.first_name[:1]}. {h.patron.last_name}" if h.patron_id in own else "",
        )
        for h in holds
    ]


@desk_view
@require_POST
def expire_holds(request):
    """Run the expiry rule now for this desk's shelf (it also runs nightly for all:
    `clb expire-holds`) and tell the desk where each copy goes."""
    branch = access.desk_branch(request)
    now = clock.now()
    expired_here = [
        h.captured_item_id for h in circulation.hold_shelf(branch) if h.expires_at < now
    ]
    circulation.expire_holds(at=now, branch=branch)
    for item in Item.objects.filter(pk__in=expired_here).select_related("record"):
        messages.info(request, f"{item.barcode} {item.record.title[:60]}: {_where_now(item)}")
    if not expired_here:
        messages.info(request, _("Geen verlopen reserveringen op deze plank."))
    return redirect("web:desk-hold-shelf")


def _where_now(item: Item) -> str:
    if item.status == ItemStatus.ON_HOLD_SHELF:
        hold = Hold.objects.ready_for(item).first()
        code = shelf_code(hold.patron) if hold else ""
        return _("blijft op de plank voor de volgende (%(code)s)") % {"code": code}
    if item.status == ItemStatus.IN_TRANSIT:
        transit = Transit.objects.filter(item=item, received_at__isnull=True).first()
        if transit is not None:
            return _("transport naar %(b)s") % {"b": transit.to_branch.name}
    return _("terug in de kast")


# --- transits -------------------------------------------------------------------------------------


@desk_view
def transits(request):
    branch = access.desk_branch(request)
    related = ("item__record", "to_branch__organisation", "from_branch__organisation")
    return _scan_in(
        request,
        "web/desk/transits.html",
        {
            "to_send": circulation.transits_to_send(branch)
            .select_related(*related)
            .order_by("to_branch__organisation__name", "to_branch__name", "created_at"),
            "to_receive": circulation.transits_to_receive(branch)
            .select_related(*related)
            .order_by("created_at"),
        },
    )


@desk_view
@require_POST
def transit_sent(request, pk):
    branch = access.desk_branch(request)
    transit = get_object_or_404(
        Transit, pk=pk, from_branch=branch, sent_at__isnull=True, received_at__isnull=True
    )
    circulation.send_transit(transit.pk)
    messages.success(
        request,
        _("%(b)s verzonden naar %(to)s.") % {"b": transit.item.barcode, "to": transit.to_branch},
    )
    return redirect("web:desk-transits")


@desk_view
@require_POST
def transits_selected(request):
    """Send or receive all ticked transits at once: a crate packed, a crate unpacked."""
    branch = access.desk_branch(request)
    ids = [n for n in map(whole_number, request.POST.getlist("transit")) if n is not None]
    action = request.POST.get("action")
    if action not in ("send", "receive"):
        raise Http404
    if not ids:
        messages.warning(request, _("Kies eerst een of meer exemplaren."))
    elif action == "send":
        try:
            sent = circulation.send_transits(ids, branch=branch)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("%(n)s exemplaar/exemplaren verzonden.") % {"n": sent})
    else:
        outcome = circulation.receive_transits(ids, branch=branch, staff=request.user)
        received = 0
        for _transit_id, result in outcome:
            if isinstance(result, DomainError):
                messages.error(request, str(result))
            else:
                remember_routing(request, result.item.barcode, result)
                received += 1
        if received:
            messages.success(
                request,
                _("%(n)s exemplaar/exemplaren ontvangen; zie hieronder waar elk heen gaat.")
                % {"n": received},
            )
    return redirect("web:desk-transits")


# --- one item -------------------------------------------------------------------------------------

STATUS_ACTIONS = {
    "missing": ItemStatus.MISSING,
    "in_repair": ItemStatus.IN_REPAIR,
    "withdrawn": ItemStatus.WITHDRAWN,
    "available": ItemStatus.AVAILABLE,
}


def _own_item(request, barcode: str) -> Item:
    """Status work is for the owning organisation's staff; any desk may check items in."""
    items = Item.objects.select_related(
        "record", "organisation", "home_branch", "current_branch", "item_type"
    )
    if not sees_everything(request.user):
        items = items.filter(organisation=access.staff_organisation(request))
    item = items.filter(barcode=(barcode or "").strip()).first()
    if item is None:
        raise Http404
    return item


@staff_view
def item_lookup(request):
    form = ScanForm(request.GET or None)
    if form.is_valid():
        barcode = form.cleaned_data["item_barcode"]
        try:
            _own_item(request, barcode)
        except Http404:
            try:  # another library's copy lying here: its history and whereabouts, to read
                access.desk_item(request, barcode)
            except Http404:
                pass
            else:
                return redirect("web:desk-copy-history", barcode=barcode.strip())
            form.add_error(
                "item_barcode",
                _(
                    "Geen exemplaar %(b)s van uw organisatie of in uw vestigingen. "
                    "Innemen kan altijd via Innemen."
                )
                % {"b": barcode},
            )
            return desk_render(request, "web/desk/item.html", {"form": form}, 404)
        return redirect("web:desk-item", barcode=barcode)
    return desk_render(request, "web/desk/item.html", {"form": form})


@desk_view
def item(request, barcode):
    it = _own_item(request, barcode)
    error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            done = _item_action(request, it, action)
        except DomainError as exc:
            error = str(exc)
        else:
            messages.success(request, done)
            return redirect("web:desk-item", barcode=it.barcode)
    loan = Loan.objects.open().filter(item=it).first()
    return desk_render(
        request,
        "web/desk/item.html",
        {
            "form": ScanForm(initial={"item_barcode": it.barcode}),
            "it": it,
            "loan": loan,
            "action_error": error,
            "status_actions": [
                (code, ItemStatus(status).label)
                for code, status in STATUS_ACTIONS.items()
                if status != it.status
            ],
        },
        UNPROCESSABLE if error else 200,
    )


def _item_action(request, it: Item, action: str) -> str:
    staff = request.user
    if action == "lost":
        loan = Loan.objects.open().filter(item=it).first()
        if loan is None:
            circulation.set_item_status(
                item_barcode=it.barcode, status=ItemStatus.LOST, staff=staff
            )
            return _("Gemeld als verloren.")
        with transaction.atomic():
            charged = circulation.mark_lost(item_barcode=it.barcode, staff=staff)
            audit.record(request, AuditAction.LOST, patron=loan.patron, detail=it.barcode)
        return _("Verloren gemeld; %(a)s in rekening gebracht bij de lener.") % {"a": euro(charged)}
    if action == "found":
        if it.status not in (ItemStatus.LOST, ItemStatus.MISSING, ItemStatus.CLAIMED_RETURNED):
            raise DomainError(_("Dit exemplaar is niet vermist."), code="not_missing")
        branch = access.desk_branch(request)
        result = circulation.checkin(item_barcode=it.barcode, branch=branch, staff=staff)
        remember_routing(request, it.barcode, result)
        return " ".join([*map(str, result.messages), result.routing.message])
    if action in STATUS_ACTIONS:
        circulation.set_item_status(
            item_barcode=it.barcode, status=STATUS_ACTIONS[action], staff=staff
        )
        return _("Status gewijzigd in '%(s)s'.") % {"s": ItemStatus(STATUS_ACTIONS[action]).label}
    raise Http404
