"""Network access (issue 12 item 1): a card scanned at another organisation's desk opens its holder
for lending and returning there, and for nothing else. No PIN reset (the probe's takeover), no
personal data, no reading history of other libraries, no money on another organisation's ledger;
every action there also shows in the home organisation's audit log; and no slip, list or kiosk
answer a foreign organisation reads carries a card number: a shelf code (initials and the last
four digits) and the pickup branch do the job."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from clb.accounts.models import User
from clb.circulation import services as circ
from clb.circulation.models import Hold, HoldStatus, Loan
from clb.members import services as members
from clb.members.cards import shelf_code
from clb.web.models import AuditAction, AuditEntry
from tests.factories import make_item, make_patron, make_record
from tests.web.conftest import CHILD, desk_user, page

pytestmark = pytest.mark.django_db


def below_header(html: str) -> str:
    """The page without the desk's header, which names the patron at this desk."""
    return html.split("<h1", 1)[1]


def slip_of(html: str) -> str:
    return html.split('class="slip', 1)[1].split("</div>", 1)[0]


@pytest.fixture
def rotterdam(net, earlier):
    """Organisation A's member with a life at A: a loan, a hold, an address, a fee."""
    anna = make_patron(
        net.org_a,
        at=earlier,
        first_name="Anna",
        last_name="Geheim",
        street="Verborgenlaan 7",
        email="anna@example.org",
    )
    home_loan = make_item(net.a1, make_record(title="Thuis geleend boek"))
    circ.checkout(item_barcode=home_loan.barcode, card_number=anna.card_number, branch=net.a1)
    wanted = make_record(title="Gewenst boek")
    make_item(net.a2, wanted)
    circ.place_hold(card_number=anna.card_number, record=wanted, pickup_branch=net.a1)
    members.charge(anna, net.org_a, "fine", Decimal("1.50"), description="te laat")
    return {"patron": anna, "home_loan": home_loan, "owed": anna.balance(net.org_a)}


@pytest.fixture
def venlo(client, desk_b, rotterdam):
    """Organisation B's desk with Anna's card just scanned."""
    client.force_login(desk_b)
    response = client.post("/balie/", {"card_number": rotterdam["patron"].card_number})
    assert response.status_code == 302
    return client


def test_a_foreign_desk_cannot_reset_the_pin(venlo, rotterdam):
    """The probe's attack: scan the card, POST a new PIN, log in at /mijn/ with it."""
    anna = rotterdam["patron"]
    url = f"/balie/lener/{anna.pk}/pincode/"
    assert venlo.get(url).status_code == 403
    response = venlo.post(url, {"pin": "9999"})
    assert response.status_code == 403
    assert "alleen lenen en inleveren" in page(response)
    assert members.verify_pin(anna.card_number, "1234") == anna  # the old PIN still works
    member = Client()
    login = member.post("/mijn/inloggen/", {"card_number": anna.card_number, "pin": "9999"})
    assert login.status_code == 422 and member.get("/mijn/").status_code == 302
    assert not AuditEntry.objects.filter(action=AuditAction.PIN_RESET).exists()


def test_a_foreign_desk_lends_and_takes_back_and_nothing_more(net, venlo, rotterdam):
    anna = rotterdam["patron"]
    base = f"/balie/lener/{anna.pk}/"
    here = make_item(net.b1, make_record(title="Hier geleend boek"))
    assert venlo.post(base + "uitlenen/", {"item_barcode": here.barcode}).status_code == 302
    loan = Loan.objects.get(item=here, returned_at__isnull=True)
    assert loan.organisation == net.org_b
    assert venlo.post(base + "verlengen/", {"item_barcode": here.barcode}).status_code in (302, 422)
    # A's loan is A's business: not renewed, not reported lost, not even named here.
    home = rotterdam["home_loan"].barcode
    assert venlo.post(base + "verlengen/", {"item_barcode": home}).status_code == 404
    assert venlo.post(base + "verlengen/", {"all": "1"}).status_code == 403
    assert venlo.post(base + "verloren/", {"item_barcode": home}).status_code == 404
    # Membership, holds and A's ledger stay with A.
    hold = Hold.objects.get(patron=anna)
    assert venlo.post(base + "lidmaatschap/").status_code == 403
    assert venlo.post(f"{base}reserveringen/{hold.pk}/annuleren/").status_code == 403
    assert Hold.objects.get(pk=hold.pk).status == hold.status != HoldStatus.CANCELLED
    paying = venlo.post(base + "betalen/", {"amount": "1,50", "method": "cash"})
    assert paying.status_code == 422  # nothing owed to B: A's fee is not paid at B
    assert "hoger dan het openstaande saldo" in page(paying)
    assert anna.balance(net.org_a) == rotterdam["owed"]
    # Taking back works anywhere (and the copy of B goes back on B's shelf).
    assert venlo.post("/balie/innemen/", {"item_barcode": here.barcode}).status_code == 302
    assert not Loan.objects.filter(item=here, returned_at__isnull=True).exists()


def test_the_foreign_desk_sees_what_lending_needs_and_no_more(net, venlo, rotterdam):
    anna = rotterdam["patron"]
    here = make_item(net.b1, make_record(title="Hier geleend boek"))
    venlo.post(f"/balie/lener/{anna.pk}/uitlenen/", {"item_barcode": here.barcode})
    html = page(venlo.get(f"/balie/lener/{anna.pk}/"))
    assert "Anna Geheim" in html and "netwerkpas" in html  # who stands at the desk
    assert "Hier geleend boek" in html  # what she borrowed here
    for private in (
        "Verborgenlaan",
        "anna@example.org",
        "17 mei 1980",  # birth date
        "Thuis geleend boek",  # reading at another library
        "Gewenst boek",  # her holds
        "Volwassen",  # her subscription at A
        "Open in het hele netwerk",  # her debts elsewhere
        "pincode",
        "Gegevens wijzigen",  # the member edit page
        "Lidmaatschap verlengen",
    ):
        assert private not in html, private
    assert "1 uitlening bij een andere bibliotheek" in html


def test_pages_added_later_refuse_network_access_too(net, venlo, rotterdam):
    """Member editing, the membership renewal and hold cancellation confirmations, and a
    write-off are the home library's: refused at a foreign desk, on GET as on POST."""
    anna = rotterdam["patron"]
    base = f"/balie/lener/{anna.pk}/"
    hold = Hold.objects.get(patron=anna)
    for url in (
        base + "gegevens/",
        base + "lidmaatschap/",
        f"{base}reserveringen/{hold.pk}/annuleren/",
    ):
        refused = venlo.get(url)
        assert refused.status_code == 403, url
        html = page(refused)
        assert "alleen lenen en inleveren" in html and "Bibliotheek Utrecht" in html, url
        assert "Verborgenlaan" not in html and "Gewenst boek" not in html, url
    assert venlo.post(base + "gegevens/", {"street": "Overgenomen 1"}).status_code == 403
    anna.refresh_from_db()
    assert anna.street == "Verborgenlaan 7"
    # Writing off: not even on B's own ledger (B may take money, not forgive A's member debts).
    members.charge(anna, net.org_b, "fine", Decimal("0.75"), description="te laat bij B")
    form = page(venlo.get(base + "betalen/"))
    assert "Betaling ontvangen" in form and "Kwijtschelden" not in form
    write_off = {"write_off": "1", "kwijt-amount": "0,75", "kwijt-reason": "coulance"}
    assert venlo.post(base + "betalen/", write_off).status_code == 403
    assert anna.balance(net.org_b) == Decimal("0.75")
    assert not AuditEntry.objects.filter(action=AuditAction.WRITE_OFF).exists()


def test_payment_onto_the_desks_own_ledger_ends_on_a_receipt_without_the_card(
    net, venlo, rotterdam
):
    anna = rotterdam["patron"]
    base = f"/balie/lener/{anna.pk}/"
    members.charge(anna, net.org_b, "fine", Decimal("0.75"), description="te laat bij B")
    paid = venlo.post(base + "betalen/", {"amount": "0,75", "method": "card"})
    assert paid.status_code == 302 and "/kwitantie/" in paid.url
    receipt = slip_of(page(venlo.get(paid.url)))  # what is printed
    assert "Bibliotheek Eemland" in receipt and "A. Geheim" in receipt
    assert anna.card_number not in receipt and "Verborgenlaan" not in receipt
    assert anna.balance(net.org_b) == 0 and anna.balance(net.org_a) == rotterdam["owed"]
    entry = AuditEntry.objects.get(action=AuditAction.PAYMENT)
    assert entry.network_access and entry.organisation == net.org_b
    # A receipt of A's ledger is not B's to print.
    line_at_a = anna.ledger_lines.filter(organisation=net.org_a, amount__lt=0).first()
    assert line_at_a is not None
    assert venlo.get(f"{base}kwitantie/{line_at_a.pk}/").status_code == 404


def test_a_copys_history_at_a_foreign_desk_names_no_network_patron(net, venlo, rotterdam):
    anna = rotterdam["patron"]
    here = make_item(net.b1, make_record(title="Hier geleend boek"))
    venlo.post(f"/balie/lener/{anna.pk}/uitlenen/", {"item_barcode": here.barcode})
    html = below_header(page(venlo.get(f"/balie/exemplaar/{here.barcode}/geschiedenis/")))
    assert "Hier geleend boek" in html and "Uitgeleend" in html
    assert "Geheim" not in html and anna.card_number not in html
    # A's copy at A's branch is not B's to look up.
    home = rotterdam["home_loan"].barcode
    assert venlo.get(f"/balie/exemplaar/{home}/geschiedenis/").status_code == 404


def test_network_actions_show_in_the_home_organisations_audit_log(net, venlo, rotterdam):
    anna = rotterdam["patron"]
    here = make_item(net.b1)
    venlo.post(f"/balie/lener/{anna.pk}/uitlenen/", {"item_barcode": here.barcode})
    home_admin = Client()
    home_admin.force_login(desk_user("beheer-a", net.a1, role=User.Role.ORG_ADMIN))
    html = page(home_admin.get("/balie/logboek/"))
    rows = [r for r in html.split("<tr>") if "Eemhuis" in r]
    assert len(rows) == 2, rows  # opened by card, lent: both at B's branch
    assert all("netwerkpas" in r and "Bibliotheek Eemland" in r for r in rows)
    assert any(here.barcode in r for r in rows)
    # B's log has them too (B did it), and B's log does not show A's own desk work.
    other_admin = Client()
    other_admin.force_login(desk_user("beheer-b", net.b1, role=User.Role.ORG_ADMIN))
    own = Client()
    own.force_login(desk_user("balie-a2", net.a1))
    own.post("/balie/", {"card_number": anna.card_number})
    html = page(other_admin.get("/balie/logboek/"))
    assert html.count("netwerkpas</span>") == 2 and "balie-a2" not in html


def test_slips_lists_and_kiosks_show_a_shelf_code_not_the_card(net, client, desk_b, earlier):
    """Checking in A's copy at B: A's member waits for it at B (the slip and B's hold shelf) and
    another A member waits at A (the transit slip B prints)."""
    waiting_at_b = make_patron(
        net.org_a, birth_date=CHILD, at=earlier, first_name="Kim", last_name="van der Plank"
    )
    waiting_at_a = make_patron(
        net.org_a, birth_date=CHILD, at=earlier, first_name="Bo", last_name="Reis"
    )
    for_b, for_a = make_item(net.b1, make_record(title="Naar B")), make_item(net.b1)
    circ.place_hold(card_number=waiting_at_b.card_number, record=for_b.record, pickup_branch=net.b1)
    circ.place_hold(card_number=waiting_at_a.card_number, record=for_a.record, pickup_branch=net.a1)
    client.force_login(desk_b)
    for item in (for_b, for_a):
        assert client.post("/balie/innemen/", {"item_barcode": item.barcode}).status_code == 302
    code_b, code_a = shelf_code(waiting_at_b), shelf_code(waiting_at_a)
    assert code_b == "KP " + waiting_at_b.card_number[-4:]
    assert code_a == "BR " + waiting_at_a.card_number[-4:]
    pages = {
        "checkin": page(client.get("/balie/innemen/")),
        "slip 1": page(client.get("/balie/innemen/bon/1/")),
        "slip 2": page(client.get("/balie/innemen/bon/2/")),
        "hold shelf": page(client.get("/balie/reserveringsplank/")),
    }
    for name, html in pages.items():
        for card in (waiting_at_b.card_number, waiting_at_a.card_number):
            assert card not in html, name
        assert "Plank" not in html or "van der Plank" not in html, name  # no names either
    assert code_b in pages["slip 1"] and "Eemhuis" in pages["slip 1"]
    assert code_a in pages["slip 2"] and "Centrale Bibliotheek" in pages["slip 2"]
    assert code_b in pages["hold shelf"]


def test_the_own_hold_shelf_still_names_its_own_members(net, desk, earlier):
    kid = make_patron(net.org_a, birth_date=CHILD, at=earlier, first_name="Kim", last_name="Eigen")
    item = make_item(net.a1)
    circ.place_hold(card_number=kid.card_number, record=item.record, pickup_branch=net.a1)
    circ.checkin(item_barcode=item.barcode, branch=net.a1)
    html = page(desk.get("/balie/reserveringsplank/"))
    assert shelf_code(kid) in html and "K. Eigen" in html
    assert re.search(kid.card_number, html) is None
