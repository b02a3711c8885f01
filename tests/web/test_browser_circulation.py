"""The circulation pages of issue 11 in a real browser (Debian's Chromium through Playwright),
used as a librarian and a member use them: the renew button that says what renewing would do,
the transits page that sends and receives a whole crate at once, a membership renewal that is
confirmed first, and a hold cancellation that asks and says whether the fee comes back."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from clb import formatting
from clb.accounts.models import User
from clb.circulation import services as circ
from clb.circulation.models import Hold, HoldStatus, Loan, Transit
from tests.factories import make_item, make_patron, make_record
from tests.web.browsing import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_tab(browser, live_server):
    """open_tab(user=None) gives a page, logged in as that member of staff when one is given."""
    contexts = []

    def open_tab(user=None):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="nl-NL"
        )
        context.set_default_timeout(15_000)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies["sessionid"].value
            context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
        contexts.append(context)
        return context.new_page()

    yield open_tab
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"circ-{name}.png"), full_page=True)


def desk_user(branch, name):
    return User.objects.create_user(
        name, role=User.Role.DESK, organisation=branch.organisation, branch=branch
    )


def open_at_desk(tab, patron):
    tab.goto("/balie/")
    tab.get_by_label("Pasnummer").fill(patron.card_number)
    tab.keyboard.press("Enter")
    tab.wait_for_url(f"**/balie/lener/{patron.pk}/")


def test_the_renew_button_is_there_only_when_renewing_gains_something(open_tab, net):
    week_ago = timezone.now() - timedelta(days=7)
    reader = make_patron(net.org_a, at=week_ago - timedelta(days=1), first_name="Daan")
    free = make_item(net.a1, make_record(title="Kaas"))
    wanted = make_item(net.a1, make_record(title="Tonio"))
    for item in (free, wanted):
        circ.checkout(
            item_barcode=item.barcode, card_number=reader.card_number, branch=net.a1, at=week_ago
        )
    waiting = make_patron(net.org_a, birth_date=date(2015, 1, 1))
    circ.place_hold(card_number=waiting.card_number, record=wanted.record, pickup_branch=net.a1)
    tab = open_tab(desk_user(net.a1, "balie-renew"))
    open_at_desk(tab, reader)
    loans = tab.locator("section[aria-labelledby=loans-title]")
    renew_kaas = loans.get_by_role("button", name=re.compile(r"^Verlengen\s*:\s*Kaas$"))
    assert renew_kaas.is_visible()
    # The wanted one has no button, only the reason, by title.
    assert loans.get_by_role("button", name=re.compile("Tonio")).count() == 0
    assert "‘Tonio’ kan niet worden verlengd" in loans.inner_text()
    shot(tab, "01-renew-before")
    renew_kaas.click()
    due = Loan.objects.get(item=free).due_at
    tab.get_by_text(f"Verlengd tot {formatting.day(due)}.").wait_for()
    # Renewed today: renewing again gains nothing, and the page says so instead of a button.
    assert loans.get_by_role("button", name=re.compile("Verlengen")).count() == 0
    text = loans.inner_text()
    assert "‘Kaas’ verlengen levert nu niets op" in text and "Alles verlengen" not in text
    assert Loan.objects.get(item=free).renewals == 1
    shot(tab, "02-renew-after")


def test_the_transits_page_sends_and_receives_a_whole_crate(open_tab, net):
    earlier = timezone.now() - timedelta(days=10)
    reader = make_patron(net.org_a, at=earlier)
    books = [make_item(net.a1, make_record(title=t)) for t in ("Karakter", "Tirza", "Kaas")]
    for book in books:
        circ.checkout(
            item_barcode=book.barcode, card_number=reader.card_number, branch=net.a1, at=earlier
        )
        circ.checkin(item_barcode=book.barcode, branch=net.b1)  # returned at org B: home by van
    sender = open_tab(desk_user(net.b1, "balie-eemhuis"))
    sender.goto("/balie/transport/")
    to_send = sender.locator("section[aria-labelledby=send-title]")
    to_send.get_by_label("Alles kiezen om te verzenden").check()
    for book in books:
        assert to_send.get_by_label(f"{book.barcode} verzenden").is_checked()
    shot(sender, "03-transits-selected")
    to_send.get_by_role("button", name="Gekozen exemplaren verzonden").click()
    sender.get_by_text("3 exemplaar/exemplaren verzonden.").wait_for()
    assert "Niets te verzenden." in sender.locator("main").inner_text()
    assert Transit.objects.filter(sent_at__isnull=False).count() == 3

    receiver = open_tab(desk_user(net.a1, "balie-centrale"))
    receiver.goto("/balie/transport/")
    for book in books[:2]:
        receiver.get_by_label(f"{book.barcode} ontvangen").check()
    receiver.get_by_role("button", name="Gekozen exemplaren ontvangen").click()
    receiver.get_by_text("2 exemplaar/exemplaren ontvangen").wait_for()
    routings = receiver.locator("ol.routings").inner_text()
    assert routings.count("Terugzetten in de kast.") == 2
    assert "Onderweg hierheen (1)" in receiver.locator("main").inner_text()
    shot(receiver, "04-transits-received")
    assert Transit.objects.filter(received_at__isnull=True).get().item == books[2]


def test_a_membership_renewal_is_confirmed_before_it_is_charged(open_tab, net):
    joined = timezone.now() - timedelta(days=350)
    member = make_patron(net.org_a, at=joined, first_name="Fenna")
    old_expiry = member.memberships.get().expires_on
    tab = open_tab(desk_user(net.a1, "balie-lid"))
    open_at_desk(tab, member)
    tab.get_by_role("link", name="Lidmaatschap verlengen…").click()
    tab.wait_for_url(f"**/balie/lener/{member.pk}/lidmaatschap/")
    page_text = tab.locator("main").inner_text()
    new_expiry = formatting.day(old_expiry + timedelta(days=365))
    assert new_expiry in page_text and "€\u00a057,50" in page_text
    assert member.balance() == 0  # looking costs nothing
    shot(tab, "05-membership-confirm")
    tab.get_by_role("button", name="Verlengen bevestigen").click()
    tab.wait_for_url(f"**/balie/lener/{member.pk}/")
    tab.get_by_text(f"Lidmaatschap verlengd tot {new_expiry}").wait_for()
    # The next renewal is a year away: no button to charge twice, but when it opens.
    panel = tab.locator("section[aria-labelledby=membership-title]")
    assert panel.get_by_role("link", name="Lidmaatschap verlengen…").count() == 0
    assert "Verlengen kan vanaf" in panel.inner_text()
    assert member.balance() == Decimal("57.50")
    shot(tab, "06-membership-renewed")


def test_cancelling_a_hold_in_mijn_bibliotheek_asks_and_says_the_fee_comes_back(open_tab, net):
    member = make_patron(net.org_a, at=timezone.now() - timedelta(days=30), first_name="Sem")
    record = make_record(title="Het diner")
    copy = make_item(net.a1, record)
    circ.checkout(
        item_barcode=copy.barcode,
        card_number=make_patron(net.org_a, birth_date=date(2015, 1, 1)).card_number,
        branch=net.a1,
    )
    circ.place_hold(card_number=member.card_number, record=record, pickup_branch=net.a1)
    assert member.balance() == Decimal("0.50")
    tab = open_tab()
    tab.goto("/mijn/")
    tab.get_by_label("Pasnummer").fill(member.card_number)
    tab.get_by_label("Pincode").fill("1234")
    tab.get_by_role("button", name="Inloggen").click()
    tab.wait_for_url("**/mijn/")
    holds = tab.locator("section[aria-labelledby=holds-title]")
    holds.get_by_role("link", name=re.compile(r"^Annuleren\s*:\s*Het diner$")).click()
    tab.get_by_role("heading", name="Reservering annuleren?").wait_for()
    assert (
        "De reserveringskosten van €\u00a00,50 worden teruggeboekt."
        in tab.locator("main").inner_text()
    )
    assert Hold.objects.get(patron=member).status == HoldStatus.WAITING
    shot(tab, "07-cancel-question")
    # Changing one's mind leads back, and nothing happened.
    tab.get_by_role("link", name="Nee, terug").click()
    tab.wait_for_url("**/mijn/")
    assert Hold.objects.get(patron=member).status == HoldStatus.WAITING
    holds.get_by_role("link", name=re.compile(r"^Annuleren\s*:\s*Het diner$")).click()
    tab.get_by_role("button", name="Ja, annuleren").click()
    tab.wait_for_url("**/mijn/")
    tab.get_by_text(
        "Reservering geannuleerd; €\u00a00,50 reserveringskosten teruggeboekt."
    ).wait_for()
    assert "U heeft geen reserveringen." in holds.inner_text()
    assert Hold.objects.get(patron=member).status == HoldStatus.CANCELLED
    assert member.balance() == 0
    shot(tab, "08-cancel-done")
