"""Per copy: its circulation history and where it is now; persons only where the desk may see
them (never once anonymised, never for another organisation's copy); another organisation's copy
lying at this desk's branch can be looked up (issue 11, item 7)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clb import formatting
from clb.circulation import services as circ
from tests.factories import make_item, make_patron, make_record
from tests.web.conftest import page

pytestmark = pytest.mark.django_db


@pytest.fixture
def travelled(net, patron_a, earlier):
    """A copy of A lent at a2 to Anna (who keeps no history), returned at a1, sent home to a2
    and received there, then lent to Kees (who keeps history), still out."""
    item = make_item(net.a2, make_record(title="Het gouden ei"))
    kees = make_patron(net.org_a, at=earlier, first_name="Kees", last_name="Leeshonger")
    circ.checkout(
        item_barcode=item.barcode, card_number=patron_a.card_number, branch=net.a2, at=earlier
    )
    returned = earlier + timedelta(days=5)
    circ.checkin(item_barcode=item.barcode, branch=net.a1, at=returned)
    transit = item.transits.get()
    circ.send_transit(transit.pk, at=returned + timedelta(hours=2))
    circ.checkin(item_barcode=item.barcode, branch=net.a2, at=returned + timedelta(days=1))
    lent = returned + timedelta(days=2)
    circ.checkout(item_barcode=item.barcode, card_number=kees.card_number, branch=net.a2, at=lent)
    return {"item": item, "kees": kees, "returned": returned, "lent": lent}


def test_a_copys_history_with_dates_branches_and_only_visible_persons(desk, net, travelled):
    item = travelled["item"]
    html = page(desk.get(f"/balie/exemplaar/{item.barcode}/geschiedenis/"))
    history = html.split('id="history"')[1]
    assert formatting.day(travelled["returned"]) in history
    assert formatting.day(travelled["lent"]) in history
    for name in ("Centrale Bibliotheek", "Overvecht"):
        assert name in history
    assert "Kees Leeshonger" in history  # the current borrower, a member here
    assert "Utrechts" not in html  # Anna's loan was anonymised on return
    assert "geanonimiseerd" in history
    now = html.split('id="now"')[1].split("</dl>")[0]
    assert "uitgeleend" in now.lower() and "Overvecht" in now
    loan = item.loans.get(returned_at__isnull=True)
    assert formatting.day(loan.due_at) in now


def test_the_copy_page_links_to_its_history(desk, net, travelled):
    item = travelled["item"]
    html = page(desk.get(f"/balie/exemplaar/{item.barcode}/"))
    assert f'href="/balie/exemplaar/{item.barcode}/geschiedenis/"' in html


def test_a_copy_of_another_organisation_lying_here_can_be_looked_up(desk, net, patron_b, earlier):
    theirs = make_item(net.b1, make_record(title="Reiziger"))
    circ.checkout(
        item_barcode=theirs.barcode, card_number=patron_b.card_number, branch=net.b1, at=earlier
    )
    circ.checkin(item_barcode=theirs.barcode, branch=net.a1, at=earlier + timedelta(days=3))
    response = desk.get("/balie/exemplaar/", {"item_barcode": theirs.barcode})
    assert response.status_code == 302
    assert response.url == f"/balie/exemplaar/{theirs.barcode}/geschiedenis/"
    html = page(desk.get(response.url))
    assert "Reiziger" in html and "Bibliotheek Eemland" in html
    now = html.split('id="now"')[1].split("</dl>")[0]
    assert "Centrale Bibliotheek" in now and "Eemhuis" in now  # here, to be sent home
    assert formatting.day(earlier) in html  # its history: dates and branches
    assert "Amersfoorts" not in html and patron_b.card_number not in html  # never persons
    assert 'name="action"' not in html  # status work is for its own library
    # Their status page stays theirs.
    assert desk.get(f"/balie/exemplaar/{theirs.barcode}/").status_code == 404


def test_a_copy_of_another_organisation_elsewhere_stays_out_of_sight(desk, net):
    theirs = make_item(net.b1, make_record(title="Thuisblijver"))
    response = desk.get("/balie/exemplaar/", {"item_barcode": theirs.barcode})
    assert response.status_code == 404 and "Thuisblijver" not in page(response)
    assert desk.get(f"/balie/exemplaar/{theirs.barcode}/geschiedenis/").status_code == 404


def test_history_shows_no_persons_to_a_desk_whose_patrons_they_are_not(
    client, net, desk_b, patron_a, earlier
):
    """Anna (of A) borrows B's copy at B's desk by network lending: B's staff see the loan in the
    copy's history, but not who she is."""
    theirs = make_item(net.b1, make_record(title="Netwerkboek"))
    circ.checkout(item_barcode=theirs.barcode, card_number=patron_a.card_number, branch=net.b1)
    client.force_login(desk_b)
    html = page(client.get(f"/balie/exemplaar/{theirs.barcode}/geschiedenis/"))
    assert "Netwerkboek" in html and formatting.day(timezone.now()) in html
    assert "Utrechts" not in html and patron_a.card_number not in html
