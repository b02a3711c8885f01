"""Notices on the pages: a member's notices and choices in Mijn Bibliotheek; every notice of a
member at the desk, with resend; the letters a branch has to print."""

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from clb.inputs import whole_number
from clb.notices import services as notices
from clb.notices.models import OPTIONAL_KINDS, Kind, Language

from .. import access
from ..access import desk_view
from ..members_session import member_view
from .desk import at_desk, desk_render, patron_page


@member_view
def mine(request, patron):
    if request.method == "POST":
        try:
            notices.set_choices(
                patron,
                language=request.POST.get("language", ""),
                opted_out=[k for k in OPTIONAL_KINDS if request.POST.get(f"want_{k}") != "1"],
            )
            messages.success(request, _("Uw keuzes voor berichten zijn bewaard."))
            return redirect("web:mine-notices")
        except notices.NoticeError as exc:
            messages.error(request, str(exc))
    language, opted_out = notices.choices_of(patron)
    return render(
        request,
        "web/mine/notices.html",
        {
            "patron": patron,
            "notices": notices.notices_of(patron)[:100],
            "language": language,
            "languages": Language.choices,
            "kinds": [(k, Kind(k).label, k not in opted_out) for k in OPTIONAL_KINDS],
            "failing": notices.failing_address(patron),
        },
    )


@desk_view
@patron_page
def desk(request, pk):
    # Not for a card scanned at a foreign desk: at_desk refuses network access here (403).
    patron, _network = at_desk(request, pk)
    return desk_render(
        request,
        "web/desk/notices.html",
        {
            "patron": patron,
            "notices": notices.notices_of(patron)[:200],
            "failing": notices.failing_address(patron),
        },
    )


@desk_view
@patron_page
def resend(request, pk, notice_id):
    patron, _network = at_desk(request, pk)  # first, so network access is told why (403)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        copy = notices.resend(notice_id, patron=patron, staff=request.user)
        messages.success(
            request,
            _("Bericht opnieuw klaargezet (%(channel)s).")
            % {"channel": copy.get_channel_display()},
        )
    except notices.NoticeError as exc:
        messages.error(request, str(exc))
    return redirect("web:desk-notices", pk=patron.pk)


@desk_view
def letters(request):
    branch = access.desk_branch(request)
    if request.method == "POST":
        numbers = (whole_number(i) for i in request.POST.getlist("notice"))
        ids = [n for n in numbers if n is not None]
        done = notices.mark_printed(ids, branch=branch, staff=request.user)
        messages.success(request, _("%(n)s brieven gemarkeerd als afgedrukt.") % {"n": done})
        return redirect("web:desk-letters")
    return desk_render(
        request,
        "web/desk/letters.html",
        {"branch": branch, "letters": notices.letters_to_print(branch)},
    )
