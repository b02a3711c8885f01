"""One copy's circulation history and where it is now. Persons appear only for the owning
organisation's copies and patrons, and never once a loan is anonymised."""

from clb.circulation import history

from .. import access
from ..access import staff_view
from .desk import desk_render


@staff_view
def copy_history(request, barcode):
    item, own = access.desk_item(request, barcode)
    lines = history.item_history(item)
    where = history.whereabouts(item)
    people = [line.patron.pk for line in lines if line.patron]
    people += [where.loan.patron_id if where.loan else None, where.hold and where.hold.patron_id]
    # Another organisation's copy shows no persons at all, whoever borrowed it.
    visible = access.visible_patron_ids(request.user, people) if own else set()

    def shown(patron):
        return patron if patron is not None and patron.pk in visible else None

    return desk_render(
        request,
        "web/desk/copy_history.html",
        {
            "it": item,
            "own": own,
            "lines": [(line, shown(line.patron)) for line in lines],
            "where": where,
            "loan_patron": shown(where.loan.patron if where.loan else None),
            "hold_patron": shown(where.hold.patron if where.hold else None),
        },
    )
