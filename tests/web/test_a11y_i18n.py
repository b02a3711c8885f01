"""Every page, checked as markup: a language, one h1, a label for every control, unique ids, a
CSRF token in every POST form; and the same pages in English after switching language."""

from html.parser import HTMLParser

import pytest

from clb.circulation import services as circ
from tests.factories import make_item, make_patron, make_record
from tests.web.conftest import CHILD, page

pytestmark = pytest.mark.django_db

CONTROLS = {"input", "select", "textarea"}
UNLABELLED_INPUTS = {"hidden", "submit", "button"}


class Markup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.lang = None
        self.h1 = 0
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.controls: list[dict] = []
        self.open_labels = 0
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label":
            self.open_labels += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag == "form":
            self.forms.append({"method": (a.get("method") or "get").lower(), "csrf": False})
        elif tag in CONTROLS:
            if tag == "input" and a.get("type", "text") in UNLABELLED_INPUTS:
                if a.get("name") == "csrfmiddlewaretoken" and self.forms:
                    self.forms[-1]["csrf"] = True
                return
            self.controls.append({**a, "_tag": tag, "_wrapped": self.open_labels > 0})

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels -= 1


def check(html: str, url: str) -> None:
    m = Markup()
    m.feed(html)
    assert m.lang in ("nl", "en"), url
    assert m.h1 == 1, (url, m.h1)
    duplicates = {i for i in m.ids if m.ids.count(i) > 1}
    assert not duplicates, (url, duplicates)
    for control in m.controls:
        labelled = (
            control["_wrapped"]
            or control.get("id") in m.label_for
            or control.get("aria-label")
            or control.get("aria-labelledby")
        )
        assert labelled, (url, control)
    for form in m.forms:
        if form["method"] == "post":
            assert form["csrf"], (url, form)


@pytest.fixture
def scene(net, earlier, desk):
    """Enough data that every page shows its lists, tables and forms."""
    patron = make_patron(net.org_a, at=earlier, first_name="Anna")
    kid = make_patron(net.org_a, at=earlier, birth_date=CHILD)
    record = make_record(title="Het boek", year=2001, language="dut")
    item = make_item(net.a1, record)
    other = make_item(net.a2, make_record(title="Ander boek"))
    circ.checkout(item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1)
    circ.place_hold(card_number=kid.card_number, record=record, pickup_branch=net.a1)
    # On loan, so the hold on it waits in the queue (a free copy would be set aside at once).
    circ.checkout(item_barcode=other.barcode, card_number=kid.card_number, branch=net.a2)
    circ.place_hold(card_number=patron.card_number, record=other.record, pickup_branch=net.a1)
    desk.post("/balie/innemen/", {"item_barcode": item.barcode})  # to the hold shelf
    desk.post("/balie/", {"card_number": patron.card_number})
    return {"patron": patron, "record": record, "item": item, "other": other}


def urls(scene):
    p = scene["patron"].pk
    return {
        "desk": [
            "/balie/",
            f"/balie/lener/{p}/",
            f"/balie/lener/{p}/betalen/",
            f"/balie/lener/{p}/pincode/",
            "/balie/innemen/",
            "/balie/innemen/bon/1/",
            "/balie/reserveringsplank/",
            "/balie/transport/",
            "/balie/inschrijven/",
            "/balie/exemplaar/",
            f"/balie/exemplaar/{scene['other'].barcode}/",
            "/balie/zoeken/?q=Jansen",
            "/balie/vestiging/",
            f"/balie/lener/{p}/gegevens/",
            f"/balie/lener/{p}/reserveringen/{scene['patron'].holds.get().pk}/annuleren/",
            f"/balie/lener/{p}/kwitantie/{scene['patron'].ledger_lines.get(amount__lt=0).pk}/",
        ],
        "public": [
            "/",
            "/zoeken/?q=boek",
            f"/titel/{scene['record'].pk}/",
            "/mijn/inloggen/",
            "/accounts/login/",
        ],
        "member": [
            "/mijn/",
            "/mijn/leesgeschiedenis/",
            "/mijn/pincode/",
            "/mijn/gegevens/",
            f"/mijn/reserveringen/{scene['patron'].holds.get().pk}/annuleren/",
        ],
    }


def test_every_page_has_labels_one_h1_unique_ids_and_csrf(scene, desk, client, admin_a):
    pages = urls(scene)
    for url in pages["desk"]:
        response = desk.get(url)
        assert response.status_code == 200, url
        check(page(response), url)
    desk.force_login(admin_a)
    for url in ("/balie/logboek/", "/balie/medewerkers/", f"/balie/medewerkers/{admin_a.pk}/"):
        check(page(desk.get(url)), url)
    for url in pages["public"]:
        check(page(client.get(url)), url)
    client.post("/mijn/inloggen/", {"card_number": scene["patron"].card_number, "pin": "1234"})
    for url in [*pages["member"], f"/titel/{scene['record'].pk}/"]:
        check(page(client.get(url)), url)


def test_forms_with_errors_keep_their_labels_and_describe_the_error(desk, net):
    data = {"first_name": "Jet", "last_name": "Jansen", "birth_date": "2001-01-01", "pin": "1357"}
    response = desk.post("/balie/inschrijven/", {**data, "postcode": "x"})
    html = page(response)
    check(html, "register with errors")
    field = html.split('id="id_postcode"')[0].rsplit("<input", 1)[1]
    assert 'aria-invalid="true"' in field and "id_postcode_error" in field


def english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})


def test_pages_switch_to_english(scene, desk, client):
    english(desk)
    html = page(desk.get(f"/balie/lener/{scene['patron'].pk}/"))
    assert '<html lang="en">' in html
    for text in ("Check in", "Hold shelf", "Item barcode", "Loans (0)", "Done with this patron"):
        assert text in html, text
    assert "Uitleningen" not in html
    html = page(desk.get("/balie/innemen/"))
    assert "Hold shelf — " in html
    english(client)
    html = page(client.get("/zoeken/", {"q": "boek"}))
    assert "2 titles found" in html and "Material type" in html and "Refine" in html
    client.post("/mijn/inloggen/", {"card_number": scene["patron"].card_number, "pin": "1234"})
    html = page(client.get("/mijn/"))
    assert "My Library" in html and "You have nothing on loan." in html
    assert "Skip to content" in html and "number 1 in the queue" in html


def test_english_can_switch_back(client, net):
    english(client)
    assert 'lang="en"' in page(client.get("/"))
    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    html = page(client.get("/"))
    assert 'lang="nl"' in html and "Zoek in alle openbare bibliotheken" in html
