"""The desk's circulation pages: scan a card, scan items, check in with routing, the hold shelf,
transits and an item's status — each a thin page over the circulation services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from clb import formatting
from clb.catalogue.models import ItemStatus
from clb.circulation import services as circ
from clb.circulation.models import Hold, HoldStatus, Loan, Transit
from clb.members.cards import shelf_code
from clb.web.models import AuditAction, AuditEntry
from tests.factories import make_item, make_patron, make_record
from tests.web.conftest import CHILD, eur, page

pytestmark = pytest.mark.django_db


def open_patron(client, patron):
    response = client.post("/balie/", {"card_number": patron.card_number})
    assert response.status_code == 302
    return response.url


def test_scanning_a_card_opens_the_patron_with_loans_holds_fees_and_blocks(
    net, desk, patron_a, books, earlier
):
    circ.checkout(
        item_barcode=books[0].barcode, card_number=patron_a.card_number, branch=net.a1, at=earlier
    )
    reader = make_patron(net.org_a, birth_date=CHILD, at=earlier)
    circ.checkout(
        item_barcode=books[1].barcode, card_number=reader.card_number, branch=net.a1, at=earlier
    )
    circ.place_hold(
        card_number=patron_a.card_number, record=books[1].record, pickup_branch=net.a2, at=earlier
    )
    url = open_patron(desk, patron_a)
    assert url == f"/balie/lener/{patron_a.pk}/"
    html = page(desk.get(url))
    assert "Anna Utrechts" in html and patron_a.card_number in html
    assert "De avonden" in html and "te laat" in html  # due 21 days after 40 days ago
    assert "Max Havelaar" in html and "nummer 1 in de wachtrij" in html
    assert "Overvecht" in html  # the pickup branch
    assert eur("0,50") in html  # the hold fee, charged by the rule
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.patron, entry.user.username) == (
        AuditAction.OPENED,
        patron_a,
        "balie-a",
    )


def test_unknown_card_is_named_next_to_the_card_field(desk):
    response = desk.post("/balie/", {"card_number": "29999999999999"})
    assert response.status_code == 422
    html = page(response)
    assert 'id="id_card_number_error"' in html and "Onbekende pas: 29999999999999" in html
    assert 'aria-describedby="id_card_number_error"' in html


def test_three_scans_check_out_three_items_with_due_dates(net, desk, patron_a, books):
    url = open_patron(desk, patron_a)
    for item in books:
        response = desk.post(f"{url}uitlenen/", {"item_barcode": item.barcode})
        assert response.status_code == 302 and response.url.endswith("#scan")
    loans = Loan.objects.filter(patron=patron_a, returned_at__isnull=True)
    assert sorted(loans.values_list("item__barcode", flat=True)) == sorted(b.barcode for b in books)
    html = page(desk.get(url))
    due = formatting.day(loans.first().due_at)
    just_now = html.split('id="now-title"')[1].split("</section>")[0]
    assert "Nu uitgeleend: 3 exemplaren" in just_now
    assert just_now.count(f"inleveren uiterlijk {due}") == 3
    assert f"Uitgeleend: Het achterhuis, inleveren uiterlijk {due}" in html  # read out
    assert "autofocus" in html.split('id="id_item_barcode"')[0].rsplit("<input", 1)[1]
    assert AuditEntry.objects.filter(action=AuditAction.CHECKOUT, patron=patron_a).count() == 3


def test_refused_checkout_shows_the_service_message_at_the_scan_field(net, desk, patron_a):
    other = make_patron(net.org_a, first_name="Other")
    item = make_item(net.a1)
    circ.checkout(item_barcode=item.barcode, card_number=other.card_number, branch=net.a1)
    url = open_patron(desk, patron_a)
    response = desk.post(f"{url}uitlenen/", {"item_barcode": item.barcode})
    assert response.status_code == 422
    html = page(response)
    assert "Dit exemplaar staat nog uitgeleend; neem het eerst in." in html
    assert 'id="id_item_barcode_error"' in html
    assert f'value="{item.barcode}"' in html  # kept, so staff see what was scanned
    assert not AuditEntry.objects.filter(action=AuditAction.CHECKOUT).exists()


def test_blocked_patron_sees_why(net, desk, earlier):
    unpaid = make_patron(net.org_a, at=earlier, paid=False)  # € 57,50 subscription open
    url = open_patron(desk, unpaid)
    html = page(desk.get(url))
    assert "Lenen geblokkeerd" in html and "57,50" in html
    response = desk.post(f"{url}uitlenen/", {"item_barcode": make_item(net.a1).barcode})
    assert response.status_code == 422 and "Openstaand bedrag" in page(response)


def test_a_card_scanned_into_the_item_field_opens_that_patron(net, desk, patron_a, patron_b):
    url = open_patron(desk, patron_a)
    response = desk.post(f"{url}uitlenen/", {"item_barcode": patron_b.card_number})
    assert response.status_code == 302 and response.url == f"/balie/lener/{patron_b.pk}/"
    assert AuditEntry.objects.filter(patron=patron_b, network_access=True).exists()


def test_renew_and_renew_all_at_the_desk(net, desk, patron_a, books, earlier):
    for item in books[:2]:
        circ.checkout(
            item_barcode=item.barcode,
            card_number=patron_a.card_number,
            branch=net.a1,
            at=earlier,
        )
    waiting = make_patron(net.org_a, birth_date=CHILD)
    circ.place_hold(card_number=waiting.card_number, record=books[1].record, pickup_branch=net.a1)
    url = open_patron(desk, patron_a)
    response = desk.post(f"{url}verlengen/", {"item_barcode": books[0].barcode})
    assert response.status_code == 302
    assert Loan.objects.get(item=books[0], returned_at__isnull=True).renewals == 1
    # The page now offers no renewal for either: one gains nothing today, one is wanted.
    html = page(desk.get(url))
    loans = html.split('id="loans-title"')[1].split('id="holds-title"')[0]
    assert f"{url}verlengen/" not in loans  # no renew button, not even "Alles verlengen"
    assert (
        'data-renewal="renewal_gains_nothing"' in loans and 'data-renewal="hold_waiting"' in loans
    )
    # Renewing all anyway (an old page) refuses both, by title, and uses up nothing.
    response = desk.post(f"{url}verlengen/", {"all": "1"})
    assert response.status_code == 422
    refusals = page(response).split("Niet verlengd:")[1].split("</div>")[0]
    assert "‘De avonden’ verlengen levert nu niets op" in refusals
    assert "‘Max Havelaar’ kan niet worden verlengd: een andere lener" in refusals
    assert books[0].barcode not in refusals and books[1].barcode not in refusals
    assert Loan.objects.get(item=books[0], returned_at__isnull=True).renewals == 1
    # Renewing someone else's loan through this patron's page is not possible.
    stranger_item = make_item(net.a1)
    circ.checkout(
        item_barcode=stranger_item.barcode, card_number=waiting.card_number, branch=net.a1
    )
    assert desk.post(f"{url}verlengen/", {"item_barcode": stranger_item.barcode}).status_code == 404


def test_checkin_routes_to_shelf_hold_shelf_and_transit(net, desk, patron_a, earlier):
    waiting_here = make_patron(net.org_a, birth_date=CHILD, at=earlier)
    waiting_there = make_patron(net.org_b, birth_date=CHILD, at=earlier, postcode="3811 AB")
    plain, held_here, held_there = (make_item(net.a1, make_record(title=t)) for t in "ABC")
    for item in (plain, held_here, held_there):
        circ.checkout(
            item_barcode=item.barcode, card_number=patron_a.card_number, branch=net.a1, at=earlier
        )
    circ.place_hold(
        card_number=waiting_here.card_number, record=held_here.record, pickup_branch=net.a1
    )
    circ.place_hold(
        card_number=waiting_there.card_number, record=held_there.record, pickup_branch=net.b1
    )
    for item in (plain, held_here, held_there):
        response = desk.post("/balie/innemen/", {"item_barcode": item.barcode})
        assert response.status_code == 302
    html = page(desk.get("/balie/innemen/"))
    newest_first = html.split('class="routings"')[1]
    assert newest_first.index("Transport") < newest_first.index("Reserveringsplank")
    assert f"Reserveringsplank — {shelf_code(waiting_here)}" in html
    assert waiting_here.card_number not in html
    assert "Transport → Eemhuis" in html and "Bibliotheek Eemland" in html
    assert "Terugzetten in de kast." in html
    assert Hold.objects.get(patron=waiting_here).status == HoldStatus.READY
    assert Transit.objects.get(item=held_there).to_branch == net.b1
    # A slip names who the copy waits for by shelf code (never the card) and where it goes.
    slips = [page(desk.get(f"/balie/innemen/bon/{n}/")) for n in (2, 3)]
    assert shelf_code(waiting_here) in slips[0] and waiting_here.card_number not in slips[0]
    assert "Eemhuis" in slips[1] and shelf_code(waiting_there) in slips[1]
    assert waiting_there.card_number not in slips[1]
    assert desk.get("/balie/innemen/bon/99/").status_code == 404


def test_checkin_of_unknown_barcode_says_so_at_the_field(desk):
    response = desk.post("/balie/innemen/", {"item_barcode": "NOPE"})
    assert response.status_code == 422
    assert "Onbekend exemplaar: NOPE" in page(response)


def test_overdue_checkin_shows_the_fine(net, desk, patron_a):
    item = make_item(net.a1)
    long_ago = timezone.now() - timedelta(days=30)
    circ.checkout(
        item_barcode=item.barcode, card_number=patron_a.card_number, branch=net.a1, at=long_ago
    )
    desk.post("/balie/innemen/", {"item_barcode": item.barcode})
    html = page(desk.get("/balie/innemen/"))
    assert "Te-laat-geld €\u00a02,25" in html  # 9 days late at € 0,25
    assert patron_a.balance(net.org_a) == Decimal("2.25")


def test_hold_shelf_pull_list_and_expired(net, desk, earlier):
    pull_record, ready_record, expired_record = (make_record(title=t) for t in "PRE")
    make_item(net.a1, pull_record, barcode="PULL-1")
    ready_item = make_item(net.a1, ready_record)
    expired_item = make_item(net.a1, expired_record)
    patrons = [make_patron(net.org_a, birth_date=CHILD, at=earlier) for _ in range(3)]
    circ.place_hold(card_number=patrons[0].card_number, record=pull_record, pickup_branch=net.a2)
    circ.place_hold(card_number=patrons[1].card_number, record=ready_record, pickup_branch=net.a1)
    circ.place_hold(
        card_number=patrons[2].card_number, record=expired_record, pickup_branch=net.a1, at=earlier
    )
    circ.checkin(item_barcode=ready_item.barcode, branch=net.a1)
    circ.checkin(item_barcode=expired_item.barcode, branch=net.a1, at=earlier)  # shelf time over
    html = page(desk.get("/balie/reserveringsplank/"))
    pull, ready, expired = (
        html.split('id="pull-title"')[1].split('id="ready-title"')[0],
        html.split('id="ready-title"')[1].split('id="expired-title"')[0],
        html.split('id="expired-title"')[1],
    )
    assert "PULL-1" in pull and "Overvecht" in pull
    assert shelf_code(patrons[1]) in ready and ready_item.barcode in ready
    assert shelf_code(patrons[2]) in expired and expired_item.barcode in expired
    response = desk.post("/balie/reserveringsplank/verlopen/")
    assert response.status_code == 302
    assert Hold.objects.get(patron=patrons[2]).status == HoldStatus.EXPIRED
    html = page(desk.get(response.url))
    assert f"{expired_item.barcode} E: terug in de kast" in html


def test_transits_to_send_and_to_receive(net, client, desk_b, patron_a, earlier):
    """A copy of org A returned at org B's branch: B sends it, A receives it."""
    item = make_item(net.a1)
    circ.checkout(
        item_barcode=item.barcode, card_number=patron_a.card_number, branch=net.a1, at=earlier
    )
    client.force_login(desk_b)
    client.post("/balie/innemen/", {"item_barcode": item.barcode})
    html = page(client.get("/balie/transport/"))
    to_send = html.split('id="send-title"')[1]
    assert item.barcode in to_send and "Centrale Bibliotheek" in to_send
    transit = Transit.objects.get(item=item)
    assert client.post(f"/balie/transport/{transit.pk}/verzonden/").status_code == 302
    transit.refresh_from_db()
    assert transit.sent_at is not None
    assert item.barcode not in page(client.get("/balie/transport/")).split('id="send-title"')[1]

    from clb.accounts.models import User

    client.force_login(
        User.objects.create_user("balie-a2", role="desk", branch=net.a1, organisation=net.org_a)
    )
    html = page(client.get("/balie/transport/"))
    assert item.barcode in html.split("Onderweg hierheen")[1]
    response = client.post("/balie/transport/", {"item_barcode": item.barcode})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE and item.current_branch == net.a1
    assert "Terugzetten in de kast." in page(client.get("/balie/transport/"))


def test_mark_lost_from_the_patron_and_found_from_the_item_page(net, desk, patron_a, earlier):
    item = make_item(net.a1, price="22.50")
    circ.checkout(
        item_barcode=item.barcode, card_number=patron_a.card_number, branch=net.a1, at=earlier
    )
    url = open_patron(desk, patron_a)
    assert desk.post(f"{url}verloren/", {"item_barcode": item.barcode}).status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.LOST
    assert patron_a.balance(net.org_a) == Decimal("22.50")
    assert AuditEntry.objects.filter(action=AuditAction.LOST, patron=patron_a).exists()
    # It turns up: found through the item page waives what is still owed and routes the copy.
    assert desk.get(f"/balie/exemplaar/?item_barcode={item.barcode}").url == (
        f"/balie/exemplaar/{item.barcode}/"
    )
    response = desk.post(f"/balie/exemplaar/{item.barcode}/", {"action": "found"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE
    assert patron_a.balance(net.org_a) == Decimal("0.00")
    assert "Exemplaar teruggevonden." in page(desk.get(response.url))


def test_item_status_changes_and_refusals(net, desk, patron_a):
    item = make_item(net.a1)
    url = f"/balie/exemplaar/{item.barcode}/"
    assert desk.post(url, {"action": "in_repair"}).status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_REPAIR
    response = desk.post(url, {"action": "missing"})  # in repair → missing is no transition
    assert response.status_code == 422 and "kan niet van" in page(response)
    assert desk.post(url, {"action": "available"}).status_code == 302
    assert desk.post(url, {"action": "nonsense"}).status_code == 404
    circ.checkout(item_barcode=item.barcode, card_number=patron_a.card_number, branch=net.a1)
    response = desk.post(url, {"action": "withdrawn"})
    assert response.status_code == 422 and "neem het eerst in" in page(response)


def test_cancel_hold_at_the_desk_sends_a_ready_copy_on(net, desk, patron_a):
    record = make_record()
    item = make_item(net.a1, record)
    circ.place_hold(card_number=patron_a.card_number, record=record, pickup_branch=net.a1)
    circ.checkin(item_barcode=item.barcode, branch=net.a1)
    hold = Hold.objects.get()
    url = open_patron(desk, patron_a)
    response = desk.post(f"{url}reserveringen/{hold.pk}/annuleren/")
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.status == HoldStatus.CANCELLED
    assert "Terugzetten in de kast." in page(desk.get(url))
    assert desk.post(f"{url}reserveringen/{hold.pk}/annuleren/").status_code == 404


def test_done_ends_the_transaction(net, desk, patron_a):
    url = open_patron(desk, patron_a)
    assert "Aan de balie" in page(desk.get("/balie/innemen/"))
    desk.post(f"{url}klaar/")
    assert "Aan de balie" not in page(desk.get("/balie/innemen/"))


def test_staff_without_a_branch_choose_one_first(net, client):
    from clb.accounts.models import User

    user = User.objects.create_user("zwerver", role="desk", organisation=net.org_a)
    client.force_login(user)
    response = client.get("/balie/innemen/")
    assert response.status_code == 302 and response.url.startswith("/balie/vestiging/")
    assert "Eemhuis" not in page(client.get("/balie/vestiging/"))  # only own branches
    assert client.post("/balie/vestiging/", {"branch": net.b1.pk}).status_code == 404
    response = client.post("/balie/vestiging/", {"branch": net.a2.pk, "next": "/balie/innemen/"})
    assert response.url == "/balie/innemen/"
    assert "Balie Overvecht" in page(client.get("/balie/innemen/"))
