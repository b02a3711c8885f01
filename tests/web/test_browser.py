"""The main journeys in a real browser (Debian's Chromium through Playwright) against a live
server: what a librarian and a member actually do, by keyboard and scanner, with screenshots
saved for a person to look at (test-artifacts/screenshots/, not committed)."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from clb import formatting
from clb.accounts.models import User
from clb.catalogue.models import MaterialType
from clb.circulation import services as circ
from clb.circulation.models import Hold, HoldStatus, Loan
from clb.members.cards import shelf_code
from clb.members.models import Patron
from tests.factories import make_item, make_patron, make_record
from tests.web.browsing import SHOTS, sync_api

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "balie-wachtwoord"


@pytest.fixture
def tab(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="nl-NL"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def staff_login(page, net, username="balie-utrecht"):
    User.objects.create_user(
        username, password=PASSWORD, role=User.Role.DESK, organisation=net.org_a, branch=net.a1
    )
    page.goto("/balie/")
    assert "/accounts/login/" in page.url
    shot(page, "00-staff-login")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    with page.expect_navigation(url=re.compile(r"^http://[^/]+/balie/$")):
        page.keyboard.press("Enter")


def scan(page, code: str) -> None:
    """What a barcode scanner does: type the code into the focused field, then Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_register_a_youth_member_who_pays_nothing(tab, net):
    staff_login(tab, net)
    tab.get_by_role("link", name="Inschrijven").click()
    tab.wait_for_url("**/balie/inschrijven/")
    assert focused_id(tab) == "id_first_name"  # the form starts where typing starts
    child_birth = date(date.today().year - 8, 4, 12)
    tab.keyboard.type("Lotte")
    tab.keyboard.press("Tab")
    tab.keyboard.type("Bakker")
    tab.get_by_label("Geboortedatum").fill(child_birth.isoformat())
    tab.get_by_label("Postcode").fill("3511 ab")
    tab.get_by_label("Pincode").fill("2468")
    tab.get_by_label("Naam ouder/verzorger").fill("Sara Bakker")
    tab.get_by_label("Telefoon ouder/verzorger").fill("06 12345678")
    shot(tab, "01-register-form")
    tab.get_by_role("button", name="Inschrijven").click()
    tab.wait_for_url(re.compile(r"/balie/lener/\d+/$"))
    body = tab.locator("main").inner_text()
    assert "abonnement Jeugd (0–17). Te betalen: €\u00a00,00" in body
    assert "Lotte Bakker" in body and "Lenen geblokkeerd" not in body
    shot(tab, "02-registered-youth")
    patron = Patron.objects.get(last_name="Bakker")
    assert patron.balance() == 0 and patron.memberships.get().subscription_type.code == "jeugd"


def test_register_shows_a_bad_postcode_at_the_field(tab, net):
    staff_login(tab, net)
    tab.goto("/balie/inschrijven/")
    tab.get_by_label("Voornaam").fill("Piet")
    tab.get_by_label("Achternaam").fill("Fout")
    tab.get_by_label("Geboortedatum").fill("1970-01-01")
    tab.get_by_label("Postcode").fill("99")
    tab.get_by_label("Pincode").fill("2468")
    tab.get_by_role("button", name="Inschrijven").click()
    postcode = tab.get_by_label("Postcode")
    assert postcode.get_attribute("aria-invalid") == "true"
    error_id = postcode.get_attribute("aria-describedby")
    assert "geen geldige Nederlandse postcode" in tab.locator(f"#{error_id}").inner_text()
    shot(tab, "03-register-error")
    assert not Patron.objects.filter(last_name="Fout").exists()


def test_check_out_three_items_by_scanner(tab, net):
    patron = make_patron(net.org_a, at=timezone.now() - timedelta(days=10), first_name="Daan")
    items = [make_item(net.a1, make_record(title=t)) for t in ("Kaas", "Het gouden ei", "Tonio")]
    staff_login(tab, net)
    assert focused_id(tab) == "id_card_number"
    scan(tab, patron.card_number)
    tab.wait_for_url(f"**/balie/lener/{patron.pk}/")
    assert focused_id(tab) == "id_item_barcode"
    # Three scans in quick succession, without waiting for the pages in between; the page
    # updates in place (a marker set now survives: there was no page load to lose keys to).
    tab.evaluate("window.stillThisPage = true")
    for item in items:
        scan(tab, item.barcode)
    tab.get_by_text("Nu uitgeleend: 3 exemplaren").wait_for()
    assert focused_id(tab) == "id_item_barcode"  # the scan field kept the focus throughout
    sync_api.expect(tab.locator("#live")).to_contain_text("Uitgeleend: Tonio")  # read out
    assert tab.evaluate("window.stillThisPage") is True
    assert Loan.objects.filter(patron=patron, returned_at__isnull=True).count() == 3
    due = timezone.localdate(Loan.objects.filter(patron=patron).first().due_at)
    just_now = tab.locator("section[aria-labelledby=now-title]").inner_text()
    assert just_now.count(f"inleveren uiterlijk {formatting.day(due)}") == 3
    shot(tab, "04-checkout-three")
    # A wrong scan says why, at the field, and the field is ready for the next scan.
    scan(tab, "BESTAATNIET")
    error = tab.locator("#id_item_barcode_error")
    sync_api.expect(error).to_have_text("Onbekend exemplaar: BESTAATNIET")
    assert error.get_attribute("role") == "alert"
    assert focused_id(tab) == "id_item_barcode"
    assert tab.get_by_label("Barcode exemplaar").get_attribute("aria-invalid") == "true"
    shot(tab, "05-checkout-error")


def test_checkin_routes_one_item_to_the_hold_shelf(tab, net):
    earlier = timezone.now() - timedelta(days=10)
    borrower = make_patron(net.org_a, at=earlier)
    waiting = make_patron(net.org_a, at=earlier, birth_date=date(2015, 6, 1))
    wanted, plain = make_item(net.a1, make_record(title="Oorlogswinter")), make_item(net.a1)
    for item in (wanted, plain):
        circ.checkout(item_barcode=item.barcode, card_number=borrower.card_number, branch=net.a1)
    circ.place_hold(card_number=waiting.card_number, record=wanted.record, pickup_branch=net.a1)
    staff_login(tab, net)
    tab.get_by_role("link", name="Innemen").click()
    tab.wait_for_url("**/balie/innemen/")
    assert focused_id(tab) == "id_item_barcode"
    scan(tab, plain.barcode)
    tab.locator("ol.routings").get_by_text("Terugzetten in de kast.").wait_for()
    scan(tab, wanted.barcode)
    newest = tab.locator("ol.routings li").first
    newest.get_by_text(f"Reserveringsplank — {shelf_code(waiting)}").wait_for()
    assert focused_id(tab) == "id_item_barcode"
    assert Hold.objects.get(patron=waiting).status == HoldStatus.READY
    shot(tab, "06-checkin-hold-shelf")
    with tab.expect_popup() as popup:
        newest.get_by_role("link", name=re.compile("Bon afdrukken")).click()
    slip = popup.value
    slip.wait_for_load_state()
    assert shelf_code(waiting) in slip.locator(".slip").inner_text()
    assert waiting.card_number not in slip.locator(".slip").inner_text()
    shot(slip, "07-routing-slip")
    tab.get_by_role("link", name="Reserveringsplank").click()
    tab.wait_for_url("**/balie/reserveringsplank/")
    assert shelf_code(waiting) in tab.locator("main").inner_text()
    shot(tab, "08-hold-shelf")


def test_search_facet_hold_and_see_it_in_mijn_bibliotheek(tab, net):
    book = make_record(title="De ontdekking van de hemel", authors=["Mulisch, Harry"], year=1992)
    film = make_record(
        title="De ontdekking van de hemel",
        authors=["Stelling, Jeroen Krabbé"],
        year=2001,
        material_type=MaterialType.DVD,
    )
    make_item(net.a1, book)
    make_item(net.b1, film, item_type="dvd")
    member = make_patron(
        net.org_b,
        at=timezone.now() - timedelta(days=5),
        postcode="3811 AB",
        birth_date=date(2010, 2, 2),
        first_name="Sem",
    )
    tab.goto("/")
    assert focused_id(tab) == "q"
    tab.keyboard.type("ontdekking hemel")
    tab.keyboard.press("Enter")
    tab.get_by_text("2 titels gevonden").wait_for()
    shot(tab, "09-search-results")
    tab.get_by_role("navigation", name="Soort materiaal").get_by_role(
        "link", name=re.compile("dvd")
    ).click()
    tab.get_by_text("1 titel gevonden").wait_for()
    assert "Stelling" in tab.locator("ol.hits").inner_text()
    shot(tab, "10-search-facet")
    tab.locator("ol.hits").get_by_role("link", name="De ontdekking van de hemel").click()
    tab.get_by_role("link", name="Inloggen om te reserveren").click()
    tab.get_by_label("Pasnummer").fill(member.card_number)
    tab.get_by_label("Pincode").fill("1234")
    tab.keyboard.press("Enter")
    tab.wait_for_url(f"**/titel/{film.pk}/")
    tab.get_by_label("Afhalen in").select_option(label="Eemhuis")
    shot(tab, "11-record-hold")
    tab.get_by_role("button", name="Reserveer deze titel").click()
    tab.wait_for_url("**/mijn/")
    holds = tab.locator("section[aria-labelledby=holds-title]").inner_text()
    assert "De ontdekking van de hemel" in holds and "Eemhuis" in holds
    # The film stood free at Eemhuis: it is set aside for her at once, not queued.
    assert "onderweg naar afhaalpunt" in holds
    assert "Er is een exemplaar voor u apart gezet" in tab.locator("main").inner_text()
    shot(tab, "12-mijn-bibliotheek-hold")
    assert Hold.objects.get().patron == member


def test_renew_in_mijn_bibliotheek(tab, net):
    joined = timezone.now() - timedelta(days=20)
    member = make_patron(net.org_a, at=joined, birth_date=date(2012, 9, 9), first_name="Fenna")
    item = make_item(net.a1, make_record(title="Koning van Katoren"))
    first = circ.checkout(
        item_barcode=item.barcode, card_number=member.card_number, branch=net.a1, at=joined
    )
    tab.goto("/mijn/")
    tab.get_by_label("Pasnummer").fill(member.card_number)
    tab.get_by_label("Pincode").fill("1234")
    tab.get_by_role("button", name="Inloggen").click()
    tab.wait_for_url("**/mijn/")
    loans = tab.locator("section[aria-labelledby=loans-title]")
    assert formatting.day(first.due_at) in loans.inner_text()
    # The button names its loan for screen readers: "Verlengen: Koning van Katoren".
    tab.get_by_role("button", name=re.compile(r"^Verlengen\s*:\s*Koning van Katoren$")).click()
    tab.get_by_text("1 uitlening(en) verlengd.").wait_for()
    loan = Loan.objects.get(item=item)
    assert loan.renewals == 1 and loan.due_at > first.due_at
    assert formatting.day(loan.due_at) in loans.inner_text()
    shot(tab, "13-mijn-renewed")


def test_keyboard_only_skip_link_and_visible_focus(tab, net):
    tab.goto("/zoeken/?q=boek")  # a page without autofocus: focus starts at the top
    tab.keyboard.press("Tab")
    skip = tab.evaluate("document.activeElement.textContent")
    assert skip == "Naar de inhoud"  # the first stop skips the menu
    style = tab.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; })()"
    )
    assert style[0] == "solid" and style[1] == "3px" and style[2] != "none"
    tab.keyboard.press("Enter")
    assert tab.evaluate("document.activeElement.id") == "main"
    # Switching to English and back, by keyboard.
    tab.get_by_role("button", name="English").focus()
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert tab.evaluate("document.documentElement.lang") == "en"
    assert tab.get_by_role("button", name="Nederlands").is_visible()
    shot(tab, "14-home-english")
