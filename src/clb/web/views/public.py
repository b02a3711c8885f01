"""The public catalogue: search with facets, a record with its copies across the network, and
placing a hold with a pickup branch (for a member who logged in with card and PIN)."""

from collections import OrderedDict
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.db import connection
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from clb import clock, replicas
from clb.catalogue.languages import language_name
from clb.catalogue.models import Audience, BibRecord, Item, ItemStatus, MaterialType
from clb.catalogue.suggestions import suggest
from clb.circulation import services as circulation
from clb.circulation.models import Hold, HoldStatus, Loan
from clb.errors import DomainError
from clb.inputs import whole_number
from clb.network.models import Branch, Organisation

from ..catalogue_search import SearchError, search
from ..members_session import current_member, login_url
from ..templatetags.clb_web import euro

PER_PAGE = 20


def _choice_name(choices):
    names = dict(choices)
    return lambda value: names.get(value, value)


FACETS = OrderedDict(
    material_type=(gettext_lazy("Soort materiaal"), _choice_name(MaterialType.choices)),
    audience=(gettext_lazy("Doelgroep"), _choice_name(Audience.choices)),
    language=(gettext_lazy("Taal"), language_name),
)
TEXT_FILTERS = ("material_type", "audience", "language")
NUMBER_FILTERS = {
    "year_from": "year_from",
    "year_to": "year_to",
    "org": "available_at_organisation",
    "branch": "available_at_branch",
}


def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    answer = {"status": "ok", "database": connection.vendor}
    if replicas.replica_aliases():
        answer.update(replicas.health())
    return JsonResponse(answer)


def home(request):
    if request.GET.get("q") or any(request.GET.get(k) for k in (*TEXT_FILTERS, *NUMBER_FILTERS)):
        return search_page(request)
    return render(request, "web/home.html", {"organisations": _organisations()})


def _organisations():
    return Organisation.objects.public().filter(branches__isnull=False).distinct().order_by("name")


def _read_filters(params) -> tuple[dict, dict, list[str]]:
    """The query string as search filters, plus what the page shows back and input errors."""
    filters, shown, errors = {}, {}, []
    for key in TEXT_FILTERS:
        if value := params.get(key, "").strip():
            filters[key] = shown[key] = value
    for param, key in NUMBER_FILTERS.items():
        value = params.get(param, "").strip()
        if not value:
            continue
        if whole_number(value) is None:
            errors.append(param)
            continue
        filters[key] = int(value)
        shown[param] = value
    return filters, shown, errors


def search_page(request):
    params = request.GET
    query = params.get("q", "").strip()
    filters, shown, errors = _read_filters(params)
    for param in ("org", "branch"):  # chosen from a list: only a made-up address gets here
        if param in errors:
            raise BadRequest(
                _("%(p)s: '%(v)s' is geen organisatie of vestiging.")
                % {"p": param, "v": params.get(param, "")[:20]}
            )
    if not query and not filters:
        return render(request, "web/home.html", {"organisations": _organisations()})
    page = whole_number(params.get("pagina") or "1", digits=9)
    if page is None:
        raise BadRequest(_("Pagina '%(p)s' bestaat niet.") % {"p": params.get("pagina", "")[:20]})
    page = max(1, page)
    try:
        result = search(query, filters=filters, page=page, per_page=PER_PAGE)
    except SearchError as exc:
        raise BadRequest(_search_error(exc)) from exc
    base = {"q": query, **shown}
    pages = max(1, -(-result.total // PER_PAGE))
    suggestions = []
    if result.total == 0 and result.corrected is None:
        suggestions = [
            {
                "query": s.query,
                "total": s.total,
                "without": _filter_label(s.without_filter, shown) if s.without_filter else "",
                "url": _url(_params_of(s.query, s.filters, shown)),
            }
            for s in suggest(query, filters)
        ]
    org = (
        Organisation.objects.public()
        .filter(pk=filters.get("available_at_organisation") or 0)
        .first()
    )
    return render(
        request,
        "web/opac/results.html",
        {
            "query": query,
            "result": result,
            "hits": _with_branches(result.hits),
            "facets": _facets(result.facets, base),
            "active": _active_filters(base),
            "shown": shown,
            "errors": errors,
            "corrected_url": _url({**base, "q": result.corrected}) if result.corrected else "",
            "suggestions": suggestions,
            "organisations": _organisations(),
            "chosen_org": org,
            "org_branches": org.branches.public().order_by("name") if org else [],
            "page": result.page,
            "pages": pages,
            "prev_url": _url(base, pagina=page - 1) if page > 1 else "",
            # an estimated total may overshoot: a further page only after a full one
            "next_url": _url(base, pagina=page + 1)
            if page < pages and len(result.hits) == PER_PAGE
            else "",
            "about": _about(result.total) if result.estimated else "",
        },
        status=400 if errors else 200,
    )


def _about(total: int) -> str:
    """An estimated total as a member reads it: two significant digits, grouped (310.000)."""
    digits = max(0, len(str(total)) - 2)
    return number_format(round(total, -digits), force_grouping=True)


def _search_error(exc: SearchError) -> str:
    """The refusal, naming the parameter of this page rather than the search's own key."""
    names = {"available_at_organisation": "org", "available_at_branch": "branch"}
    field = exc.field or ""
    return str(exc).replace(field, names.get(field, field), 1) if field else str(exc)


def _params_of(query: str, filters: dict, shown: dict) -> dict:
    """The page's query string for a search with these filters (they are the page's own)."""
    keys = {v: k for k, v in NUMBER_FILTERS.items()}
    params = {"q": query}
    for key in filters:
        param = keys.get(key, key)
        params[param] = shown.get(param, filters[key])
    return params


def _filter_label(key: str, shown: dict) -> str:
    param = {v: k for k, v in NUMBER_FILTERS.items()}.get(key, key)
    labels = _active_filters({param: shown.get(param, "")})
    return labels[0]["label"] if labels else param


def _url(params: dict, **changes) -> str:
    merged = {**params, **changes}
    return "?" + urlencode({k: v for k, v in merged.items() if v not in ("", None)})


def _facets(facets: dict, base: dict) -> list:
    shown = []
    for key, values in facets.items():
        if key not in FACETS:  # only facets this page can filter on
            continue
        label, name = FACETS[key]
        entries = []
        for value, count in values:
            selected = base.get(key) == str(value)
            entries.append(
                {
                    "label": name(value),
                    "count": count,
                    "selected": selected,
                    "url": _url(base, **{key: "" if selected else value, "pagina": ""}),
                }
            )
        if entries:
            shown.append({"key": key, "label": label, "entries": entries})
    return shown


def _active_filters(base: dict) -> list:
    """The filters in force, each with the link that removes it."""
    names = {
        "year_from": _("vanaf jaar"),
        "year_to": _("tot en met jaar"),
        "org": _("beschikbaar bij"),
        "branch": _("beschikbaar in vestiging"),
    }
    active = []
    for key, value in base.items():
        if key == "q" or not value:
            continue
        if key in FACETS:
            label = f"{FACETS[key][0]}: {FACETS[key][1](value)}"
        elif key == "org":
            org = Organisation.objects.filter(pk=value).first()
            label = f"{names[key]}: {org.name if org else value}"
        elif key == "branch":
            branch = Branch.objects.filter(pk=value).first()
            label = f"{names[key]}: {branch.name if branch else value}"
        else:
            label = f"{names.get(key, key)}: {value}"
        remove = {key: ""} if key != "org" else {"org": "", "branch": ""}
        active.append({"label": label, "url": _url(base, pagina="", **remove)})
    return active


def _with_branches(hits) -> list:
    """Where each hit's copies are available now: one grouped query for the whole page."""
    ids = [hit.record.pk for hit in hits]
    where = {}
    for row in (
        Item.objects.filter(record_id__in=ids, status=ItemStatus.AVAILABLE)
        .values("record_id", "current_branch__name")
        .annotate(n=Count("id"))
        .order_by("record_id", "-n", "current_branch__name")
    ):
        where.setdefault(row["record_id"], []).append((row["current_branch__name"], row["n"]))
    return [(hit, where.get(hit.record.pk, [])) for hit in hits]


# --- a record -------------------------------------------------------------------------------------


def record(request, pk, *, hold_error: str = "", status: int = 200):
    rec = get_object_or_404(BibRecord, pk=pk)
    copies = list(
        Item.objects.filter(record=rec)
        .exclude(status=ItemStatus.WITHDRAWN)
        .select_related("organisation", "current_branch", "item_type")
        .order_by("organisation__name", "current_branch__name", "barcode")
    )
    due = dict(Loan.objects.open().filter(item__in=copies).values_list("item_id", "due_at"))
    by_org = OrderedDict()
    for item in copies:
        by_org.setdefault(item.organisation.name, []).append((item, due.get(item.pk)))
    member = current_member(request)
    return render(
        request,
        "web/opac/record.html",
        {
            "rec": rec,
            "by_org": by_org,
            "copies": len(copies),
            "available": sum(1 for c in copies if c.status == ItemStatus.AVAILABLE),
            "holds": Hold.objects.active().filter(record=rec).count(),
            "member": member,
            "pickup": _pickup_choices(member) if member else [],
            "hold_error": hold_error,
            "chosen_pickup": request.POST.get("pickup_branch", ""),
            "login_url": login_url(request.path),
            "language": language_name(rec.language),
            # Only a title with a copy in the network can be reserved (place_hold agrees).
            "holdable": bool(copies),
            "back_url": _back_to_results(request),
        },
        status=status,
    )


def _back_to_results(request) -> str:
    referer = request.META.get("HTTP_REFERER", "")
    if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        path = urlsplit(referer)
        if path.path in (reverse("web:search"), reverse("web:home")) and path.query:
            return f"{path.path}?{path.query}"
    return reverse("web:home")


def _pickup_choices(patron) -> list:
    """Pickup points open today, those of the member's own organisations first."""
    own = set(patron.memberships.values_list("organisation_id", flat=True))
    branches = (
        Branch.objects.pickup_points(clock.today())
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )
    groups = OrderedDict()
    for branch in branches:
        groups.setdefault(branch.organisation, []).append(branch)
    return sorted(groups.items(), key=lambda kv: kv[0].pk not in own)


@require_POST
def place_hold(request, pk):
    rec = get_object_or_404(BibRecord, pk=pk)
    member = current_member(request)
    if member is None:
        return redirect(login_url(reverse("web:record", kwargs={"pk": rec.pk})))
    branch = Branch.objects.filter(pk=whole_number(request.POST.get("pickup_branch")) or 0).first()
    if branch is None:
        return record(request, pk, hold_error=_("Kies een afhaalpunt."), status=422)
    try:
        result = circulation.place_hold(
            card_number=member.card_number, pickup_branch=branch, record=rec
        )
    except DomainError as exc:
        return record(request, pk, hold_error=str(exc), status=422)
    if result.hold.status == HoldStatus.WAITING:
        text = _("Gereserveerd: %(t)s. U bent nummer %(n)s in de wachtrij; afhalen in %(b)s.")
    else:  # a copy stood free on a shelf: it is set aside for this hold at once
        text = _("Gereserveerd: %(t)s. Er is een exemplaar voor u apart gezet; afhalen in %(b)s.")
    text %= {"t": rec.title, "n": result.position, "b": branch.name}
    if result.fee:
        text += " " + _("Reserveringskosten: %(f)s.") % {"f": euro(result.fee)}
    messages.success(request, text)
    return redirect("web:mine")
