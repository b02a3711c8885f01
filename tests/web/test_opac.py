"""The public catalogue: search, facets, availability across the network, and holds."""

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from clb import formatting
from clb.catalogue.models import Audience, MaterialType
from clb.circulation import services as circ
from clb.circulation.models import Hold
from tests.factories import make_item, make_patron, make_record
from tests.web.conftest import page

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(net):
    """A small catalogue spread over the network."""
    havelaar = make_record(title="Max Havelaar", authors=["Multatuli"], year=1860, language="dut")
    film = make_record(
        title="Max Havelaar",
        authors=["Rademakers, Fons"],
        year=1976,
        material_type=MaterialType.DVD,
        language="dut",
    )
    kids = make_record(
        title="Max en de maximonsters",
        authors=["Sendak, Maurice"],
        year=1963,
        audience=Audience.YOUTH,
        language="dut",
    )
    make_item(net.a1, havelaar)
    make_item(net.a2, havelaar)
    make_item(net.b1, havelaar)
    make_item(net.a1, film, item_type="dvd")
    make_item(net.b1, kids, item_type="prentenboek", audience=Audience.YOUTH)
    return {"havelaar": havelaar, "film": film, "kids": kids}


def member_login(client, patron, pin="1234"):
    response = client.post("/mijn/inloggen/", {"card_number": patron.card_number, "pin": pin})
    assert response.status_code == 302, page(response)


def hits(html: str) -> list[str]:
    return [chunk.split("</a>")[0].split(">")[-1] for chunk in html.split("<h3><a href=")[1:]]


def test_home_page_has_a_labelled_search_box(client, net):
    html = page(client.get("/"))
    assert '<label for="q">' in html and 'id="q"' in html and "autofocus" in html
    assert "Bibliotheek Utrecht" in html  # choose where to find what is on the shelf now


def test_search_finds_titles_and_tells_where_copies_are(client, shelf):
    html = page(client.get("/zoeken/", {"q": "havelaar"}))
    assert sorted(hits(html)) == ["Max Havelaar", "Max Havelaar"]
    assert "2 titels gevonden" in html
    assert "3 van 3 beschikbaar" in html
    assert "Centrale Bibliotheek (1)" in html and "Eemhuis (1)" in html


def test_facets_narrow_the_results_and_can_be_removed(client, shelf):
    html = page(client.get("/zoeken/", {"q": "max"}))
    assert len(hits(html)) == 3
    facet = html.split('id="facet-material_type"')[1].split("</nav>")[0]
    assert "dvd" in facet and "boek" in facet
    dvd_link = next(
        part.split('"')[0] for part in facet.split('href="')[1:] if "dvd" in part.split("</a>")[0]
    )
    assert parse_qs(urlsplit(dvd_link.replace("&amp;", "&")).query)["material_type"] == ["dvd"]
    narrowed = page(client.get("/zoeken/" + dvd_link.replace("&amp;", "&")))
    assert hits(narrowed) == ["Max Havelaar"] and "Rademakers" in narrowed
    assert 'aria-current="true"' in narrowed  # the chosen facet says so, not only by colour
    chip = narrowed.split('class="chips"')[1].split('href="')[1].split('"')[0]
    widened = page(client.get("/zoeken/" + chip.replace("&amp;", "&")))
    assert len(hits(widened)) == 3
    youth = page(client.get("/zoeken/", {"q": "max", "audience": "youth"}))
    assert hits(youth) == ["Max en de maximonsters"]


def test_year_range_and_bad_years(client, shelf):
    html = page(client.get("/zoeken/", {"q": "max", "year_from": "1900", "year_to": "1970"}))
    assert hits(html) == ["Max en de maximonsters"]
    html = page(client.get("/zoeken/", {"q": "max", "year_from": "negentien"}))
    assert "Vul een jaartal in." in html and len(hits(html)) == 3


def test_available_now_at_an_organisation_or_branch(net, client, shelf, earlier):
    reader = make_patron(net.org_b, postcode="3811 AB", at=earlier)
    kids_copy = shelf["kids"].items.get()
    circ.checkout(item_barcode=kids_copy.barcode, card_number=reader.card_number, branch=net.b1)
    at_b = page(client.get("/zoeken/", {"q": "max", "org": net.org_b.pk}))
    assert hits(at_b) == ["Max Havelaar"]  # the book; B's only other title is on loan
    at_a2 = page(client.get("/zoeken/", {"q": "max", "org": net.org_a.pk, "branch": net.a2.pk}))
    assert hits(at_a2) == ["Max Havelaar"] and "Overvecht" in at_a2
    everywhere = page(client.get("/zoeken/", {"q": "maximonsters"}))
    assert "1 exemplaar, nu niet beschikbaar" in everywhere


def test_results_are_paged(client, net):
    for i in range(23):
        make_record(title=f"Pagineren deel {i}", year=2000 + i)
    first = page(client.get("/zoeken/", {"q": "pagineren"}))
    assert len(hits(first)) == 20 and "Pagina 1 van 2" in first and 'rel="next"' in first
    second = page(client.get("/zoeken/", {"q": "pagineren", "pagina": "2"}))
    assert len(hits(second)) == 3 and 'rel="prev"' in second


def test_record_page_lists_copies_per_organisation_with_their_state(net, client, shelf, earlier):
    reader = make_patron(net.org_a, at=earlier)
    copy_a2 = shelf["havelaar"].items.get(current_branch=net.a2)
    result = circ.checkout(
        item_barcode=copy_a2.barcode, card_number=reader.card_number, branch=net.a2
    )
    html = page(client.get(f"/titel/{shelf['havelaar'].pk}/"))
    assert "Multatuli" in html and "1860" in html and "Nederlands" in html
    assert "2 van 3 exemplaren nu beschikbaar" in html
    utrecht = html.split("<caption>Bibliotheek Utrecht</caption>")[1].split("</table>")[0]
    assert "Centrale Bibliotheek" in utrecht and "Overvecht" in utrecht
    assert f"uitgeleend tot {formatting.day(result.due_at)}" in utrecht
    assert "<caption>Bibliotheek Eemland</caption>" in html
    assert "Inloggen om te reserveren" in html and reader.card_number not in html
    assert client.get("/titel/999999/").status_code == 404


def test_hold_needs_a_member_login_and_lands_in_mijn_bibliotheek(net, client, shelf, earlier):
    record = shelf["havelaar"]
    response = client.post(f"/titel/{record.pk}/reserveren/", {"pickup_branch": net.a1.pk})
    assert response.status_code == 302
    assert response.url == f"/mijn/inloggen/?next=%2Ftitel%2F{record.pk}%2F"
    patron = make_patron(net.org_b, postcode="3811 AB", at=earlier, birth_date=date(2015, 1, 1))
    response = client.post(
        response.url,
        {"card_number": patron.card_number, "pin": "1234", "next": f"/titel/{record.pk}/"},
    )
    assert response.url == f"/titel/{record.pk}/"
    html = page(client.get(response.url))
    pickup = html.split('id="pickup_branch"')[1].split("</select>")[0]
    assert pickup.index("Bibliotheek Eemland") < pickup.index("Bibliotheek Utrecht")  # own first
    response = client.post(f"/titel/{record.pk}/reserveren/", {"pickup_branch": net.a2.pk})
    assert response.status_code == 302 and response.url == "/mijn/"
    hold = Hold.objects.get()
    assert (hold.patron, hold.record, hold.pickup_branch) == (patron, record, net.a2)
    mine = page(client.get("/mijn/"))
    # Copies stand free, so the one at the pickup point itself is set aside at once.
    assert (
        "Gereserveerd: Max Havelaar. Er is een exemplaar voor u apart gezet; afhalen in Overvecht."
        in mine
    )
    assert "onderweg naar afhaalpunt" in mine.split('id="holds-title"')[1]
    hold.refresh_from_db()
    assert hold.captured_item.current_branch == net.a2
    # A second member waits in the queue once no copy stands free.
    for copy in record.items.exclude(pk=hold.captured_item_id):
        circ.checkout(
            item_barcode=copy.barcode,
            card_number=make_patron(net.org_a, at=earlier).card_number,
            branch=copy.current_branch,
        )
    client.post("/mijn/uitloggen/")
    member_login(client, make_patron(net.org_a, at=earlier))
    response = client.post(f"/titel/{record.pk}/reserveren/", {"pickup_branch": net.a1.pk})
    assert "U bent nummer 1 in de wachtrij; afhalen in Centrale Bibliotheek." in page(
        client.get(response.url)
    )


def test_hold_refusals_are_shown_at_the_form(net, client, shelf, earlier):
    patron = make_patron(net.org_a, at=earlier)
    member_login(client, patron)
    record = shelf["havelaar"]
    response = client.post(f"/titel/{record.pk}/reserveren/", {"pickup_branch": ""})
    assert response.status_code == 422 and "Kies een afhaalpunt." in page(response)
    net.b1.closed_on = date.today() - timedelta(days=1)
    net.b1.save()
    response = client.post(f"/titel/{record.pk}/reserveren/", {"pickup_branch": net.b1.pk})
    assert response.status_code == 422
    html = page(response)
    assert "Dit afhaalpunt is gesloten." in html.split('id="hold-error"')[1]
    assert "Eemhuis" not in html.split('id="pickup_branch"')[1].split("</select>")[0]
    client.post(f"/titel/{record.pk}/reserveren/", {"pickup_branch": net.a1.pk})
    response = client.post(f"/titel/{record.pk}/reserveren/", {"pickup_branch": net.a1.pk})
    assert "U heeft deze titel al gereserveerd." in page(response)
    assert Hold.objects.count() == 1


def test_a_broad_search_says_its_total_is_an_estimate(client, net, monkeypatch):
    """Above the cap the total comes from a sample: the page says "ongeveer" and offers a next
    page only after a full one."""
    from clb.catalogue import search

    for i in range(25):
        make_record(title=f"Molens deel {i}", authors=["Wind, W."], year=1990 + i)
    monkeypatch.setattr(type(search._backend()), "cap", 10)
    html = page(client.get("/zoeken/", {"q": "molens"}))
    assert "ongeveer 25 titels gevonden" in html  # the sample of so small an index is all of it
    assert hits(html)[0] == "Molens deel 24"  # newest first within the title tier
    last = page(client.get("/zoeken/", {"q": "molens", "pagina": 2}))
    assert len(hits(last)) == 5 and "pagina=3" not in last
