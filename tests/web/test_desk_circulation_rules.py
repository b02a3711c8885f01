"""The desk's side of the circulation rules of issues 11 and 12: a copy a hold needs is set aside
at checkout and lent only by a logged override; a copy elsewhere is not lent here; transits are
sent and received in bulk; membership renewal and hold cancellation ask first; payments record
their method and end on a receipt; write-offs need a reason and are logged."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from clb import formatting
from clb.catalogue.models import ItemStatus
from clb.circulation import services as circ
from clb.circulation.models import Hold, HoldStatus, Loan, Transit
from clb.members.models import LedgerKind
from clb.web.models import AuditAction, AuditEntry
from tests.factories import make_item, make_patron, make_record
from tests.web.conftest import CHILD, eur, page

pytestmark = pytest.mark.django_db


def open_patron(client, patron):
    response = client.post("/balie/", {"card_number": patron.card_number})
    assert response.status_code == 302
    return response.url


def test_a_copy_a_hold_needs_goes_to_that_hold_not_to_the_patron_at_the_desk(net, desk, patron_a):
    record = make_record(title="Het diner")
    copy = make_item(net.a1, record)
    waiting = make_patron(net.org_a, birth_date=CHILD)
    hold = circ.place_hold(card_number=waiting.card_number, record=record, pickup_branch=net.a2)
    url = open_patron(desk, patron_a)
    response = desk.post(f"{url}uitlenen/", {"item_barcode": copy.barcode})
    assert response.status_code == 422
    html = page(response)
    notice = html.split('id="held"')[1].split("</div>")[0]
    assert "Niet uitgeleend: ‘Het diner’ is nodig voor een reservering" in notice
    assert "onderweg naar Overvecht: doorsturen" in notice  # the copy in hand goes on to pickup
    assert not Loan.objects.exists()
    transit = Transit.objects.get(item=copy, received_at__isnull=True)
    assert transit.from_branch == net.a1 and transit.to_branch == net.a2
    assert transit.reason == Transit.Reason.HOLD  # in hand now, no longer on the pull list
    assert not AuditEntry.objects.filter(action=AuditAction.CHECKOUT).exists()
    # Staff decide to lend it anyway: the loan is made and the override logged.
    response = desk.post(f"{url}uitlenen/", {"item_barcode": copy.barcode, "override_hold": "1"})
    assert response.status_code == 302
    assert Loan.objects.get(item=copy).patron == patron_a
    hold.hold.refresh_from_db()
    assert hold.hold.status == HoldStatus.WAITING and hold.hold.captured_item is None
    entry = AuditEntry.objects.get(action=AuditAction.HOLD_OVERRIDE)
    assert entry.patron == patron_a and "Het diner" in entry.detail and copy.barcode in entry.detail
    assert entry.user.username == "balie-a"


def test_a_free_copy_with_a_waiting_hold_is_set_aside_for_the_hold_shelf_here(net, desk, patron_a):
    """A hold from before copies were set aside: the desk puts the copy on the hold shelf."""
    record = make_record(title="Tirza")
    copy = make_item(net.a1, record)
    waiting = make_patron(net.org_a, birth_date=CHILD)
    legacy = Hold.objects.create(
        patron=waiting, record=record, pickup_branch=net.a1, placed_at=timezone.now()
    )
    url = open_patron(desk, patron_a)
    response = desk.post(f"{url}uitlenen/", {"item_barcode": copy.barcode})
    assert response.status_code == 422
    assert "Naar de reserveringsplank" in page(response).split('id="held"')[1]
    legacy.refresh_from_db()
    copy.refresh_from_db()
    assert legacy.status == HoldStatus.READY and copy.status == ItemStatus.ON_HOLD_SHELF


@pytest.mark.parametrize("where", ["b1", "a2"])
def test_a_copy_that_is_not_here_is_not_lent_at_this_desk(net, desk, patron_a, where):
    """Issue 12, item 4: barcodes are sequential; typing one lends nothing from elsewhere."""
    branch = getattr(net, where)
    item = make_item(branch, make_record(title="Elders"))
    url = open_patron(desk, patron_a)
    response = desk.post(f"{url}uitlenen/", {"item_barcode": item.barcode})
    assert response.status_code == 422
    error = page(response).split('id="id_item_barcode_error"')[1].split("</p>")[0]
    assert f"staat volgens CLB in {branch.name}" in error
    assert not Loan.objects.exists()
    # Returning it here is always allowed.
    assert desk.post("/balie/innemen/", {"item_barcode": item.barcode}).status_code == 302
    item.refresh_from_db()
    assert item.current_branch == net.a1 and item.status == ItemStatus.IN_TRANSIT


def test_the_transits_page_sends_and_receives_the_selected(net, client, desk_b, patron_a, earlier):
    from clb.accounts.models import User

    items = [make_item(net.a1, make_record(title=f"Reis {n}")) for n in range(3)]
    for it in items:
        circ.checkout(
            item_barcode=it.barcode, card_number=patron_a.card_number, branch=net.a1, at=earlier
        )
        circ.checkin(item_barcode=it.barcode, branch=net.b1)
    transits = list(Transit.objects.order_by("id"))
    client.force_login(desk_b)
    html = page(client.get("/balie/transport/"))
    assert html.count('name="transit"') == 3 and 'data-select-all="send-selected"' in html
    response = client.post(
        "/balie/transport/selectie/",
        {"action": "send", "transit": [transits[0].pk, transits[1].pk]},
    )
    assert response.status_code == 302
    assert "2 exemplaar/exemplaren verzonden." in page(client.get(response.url))
    assert [t.sent_at is not None for t in Transit.objects.order_by("id")] == [True, True, False]
    # Nothing chosen is said, not done.
    response = client.post("/balie/transport/selectie/", {"action": "send"})
    assert "Kies eerst een of meer exemplaren." in page(client.get(response.url))
    # The receiving branch unpacks the crate: all selected at once, each routed.
    client.force_login(
        User.objects.create_user("balie-a1", role="desk", organisation=net.org_a, branch=net.a1)
    )
    response = client.post(
        "/balie/transport/selectie/",
        {"action": "receive", "transit": [t.pk for t in transits]},
    )
    html = page(client.get(response.url))
    assert "3 exemplaar/exemplaren ontvangen" in html
    routings = html.split('class="routings"')[1].split("</ol>")[0]
    assert routings.count("Terugzetten in de kast.") == 3
    for it in items:
        it.refresh_from_db()
        assert it.status == ItemStatus.AVAILABLE and it.current_branch == net.a1


def test_bulk_send_of_transits_of_another_branch_changes_nothing(net, desk, patron_a, earlier):
    item = make_item(net.a1)
    circ.checkout(
        item_barcode=item.barcode, card_number=patron_a.card_number, branch=net.a1, at=earlier
    )
    circ.checkin(item_barcode=item.barcode, branch=net.b1)  # leaves from b1, not this desk
    transit = Transit.objects.get()
    response = desk.post("/balie/transport/selectie/", {"action": "send", "transit": transit.pk})
    assert "kunnen worden verzonden" in page(desk.get(response.url))
    transit.refresh_from_db()
    assert transit.sent_at is None
    assert desk.post("/balie/transport/selectie/", {"action": "weg"}).status_code == 404


def test_membership_renewal_asks_first_and_only_within_the_window(net, desk):
    far = make_patron(net.org_a, at=timezone.now() - timedelta(days=40))
    url = open_patron(desk, far)
    html = page(desk.get(url))
    assert "Verlengen kan vanaf" in html and f"{url}lidmaatschap/" not in html
    response = desk.post(f"{url}lidmaatschap/")
    assert response.status_code == 422 and "verlengen kan vanaf" in page(response)
    assert far.balance(net.org_a) == 0
    near = make_patron(net.org_a, at=timezone.now() - timedelta(days=350))
    url = open_patron(desk, near)
    assert f"{url}lidmaatschap/" in page(desk.get(url))
    expires = near.memberships.get().expires_on
    question = page(desk.get(f"{url}lidmaatschap/"))
    new_expiry = formatting.day(expires + timedelta(days=365))
    assert f'id="new-expiry">{new_expiry}' in question and eur("57,50") in question
    assert near.balance(net.org_a) == 0  # asking changed nothing
    assert desk.post(f"{url}lidmaatschap/").status_code == 302
    assert near.balance(net.org_a) == Decimal("57.50")
    assert near.memberships.get().expires_on == expires + timedelta(days=365)
    # A second click is a year early: refused, charged once.
    assert desk.post(f"{url}lidmaatschap/").status_code == 422
    assert near.balance(net.org_a) == Decimal("57.50")


def test_cancelling_a_hold_at_the_desk_asks_and_says_whether_the_fee_comes_back(
    net, desk, patron_a
):
    record = make_record(title="Het diner")
    copy = make_item(net.a1, record)
    hold = circ.place_hold(card_number=patron_a.card_number, record=record, pickup_branch=net.a1)
    circ.checkin(item_barcode=copy.barcode, branch=net.a1)  # ready on the hold shelf
    url = open_patron(desk, patron_a)
    link = f"{url}reserveringen/{hold.hold.pk}/annuleren/"
    assert link in page(desk.get(url))
    question = page(desk.get(link))
    assert "Reservering annuleren?" in question and "Het diner" in question
    # The national rule gives the fee back only while nothing lies ready.
    assert f"De reserveringskosten van {eur('0,50')} worden niet terugbetaald." in question
    assert Hold.objects.get(pk=hold.hold.pk).status == HoldStatus.READY
    response = desk.post(link)
    assert response.status_code == 302
    assert Hold.objects.get(pk=hold.hold.pk).status == HoldStatus.CANCELLED
    assert patron_a.balance() == Decimal("0.50")
    assert AuditEntry.objects.filter(action=AuditAction.HOLD_CANCELLED).exists()


def test_write_off_needs_a_reason_is_logged_and_printed(net, desk):
    patron = make_patron(net.org_a, paid=False, at=timezone.now() - timedelta(days=40))
    payment = f"{open_patron(desk, patron)}betalen/"
    response = desk.post(payment, {"write_off": "1", "kwijt-amount": "57,50", "kwijt-reason": ""})
    assert response.status_code == 422 and 'id="id_kwijt-reason_error"' in page(response)
    assert patron.balance() == Decimal("57.50")
    response = desk.post(
        payment,
        {"write_off": "1", "kwijt-amount": "57,50", "kwijt-reason": "Minima-regeling"},
    )
    assert response.status_code == 302
    line = patron.ledger_lines.get(kind=LedgerKind.WAIVER)
    assert line.description == "Minima-regeling" and line.created_by.username == "balie-a"
    assert patron.balance() == 0
    entry = AuditEntry.objects.get(action=AuditAction.WRITE_OFF)
    assert entry.patron == patron and "Minima-regeling" in entry.detail
    receipt = page(desk.get(response.url))
    assert "Kwijtgescholden" in receipt and "Minima-regeling" in receipt
    assert eur("57,50") in receipt


def test_a_receipt_is_only_for_own_payments(net, client, desk_b, patron_a, earlier):
    line = patron_a.ledger_lines.get(amount__lt=0)  # paid at A when joining
    client.force_login(desk_b)
    client.post("/balie/", {"card_number": patron_a.card_number})  # network access at B
    assert client.get(f"/balie/lener/{patron_a.pk}/kwitantie/{line.pk}/").status_code == 404
