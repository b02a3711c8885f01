"""Public lists show libraries as libraries name them: no placeholder organisations of unlinked
locations, no polling-station names, and pickup lists only with branches that serve as pickup
points (issue 11, item 9)."""

import csv

import pytest

from clb.circulation import services as circ
from clb.errors import DomainError
from clb.network import branches, reference
from clb.network.models import Branch, Municipality, Organisation, Province
from tests.factories import make_item, make_record
from tests.web.conftest import page

pytestmark = pytest.mark.django_db

POLLING = reference.DATA / "library-polling-stations-tk2025.csv"
PLACEHOLDER = "Nog te koppelen organisatie"


def polling_rows():
    with open(POLLING, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def unlinked(net):
    """Real library locations from the polling-station list, loaded as `clb load-reference`
    does: under placeholder organisations until a real branch list links them."""
    province = Province.objects.create(code="PV21", name="Fryslân")
    for row in polling_rows():
        Municipality.objects.get_or_create(
            code=row["municipality_code"],
            defaults=dict(
                name=row["municipality"],
                province=province,
                inhabitants=10000,
                reference_date=net.gm_a.reference_date,
            ),
        )
    report = branches.import_branches(branches.polling_station_rows(POLLING))
    assert report.created == 78 and not report.errors
    return Branch.objects.filter(organisation__code__startswith="ongekoppeld-")


def test_placeholder_organisations_never_appear_in_public_lists(client, net, unlinked, patron_a):
    assert Organisation.objects.filter(name__startswith=PLACEHOLDER).count() > 50
    html = page(client.get("/"))
    assert "Bibliotheek Utrecht" in html and PLACEHOLDER not in html
    record = make_record(title="Het verdriet van België")
    make_item(net.a1, record)
    html = page(client.get("/zoeken/", {"q": "verdriet"}))
    assert "Bibliotheek Eemland" in html and PLACEHOLDER not in html
    client.post("/mijn/inloggen/", {"card_number": patron_a.card_number, "pin": "1234"})
    html = page(client.get(f"/titel/{record.pk}/"))
    pickup = html.split('id="pickup_branch"')[1].split("</select>")[0]
    assert "Centrale Bibliotheek" in pickup and "Eemhuis" in pickup
    assert PLACEHOLDER not in pickup
    for branch in unlinked:
        assert f'value="{branch.pk}"' not in pickup


def test_a_hold_cannot_be_placed_for_pickup_at_an_unlinked_location(net, unlinked, patron_a):
    record = make_record(title="Het verdriet van België")
    make_item(net.a1, record)
    with pytest.raises(DomainError) as refused:
        circ.place_hold(
            card_number=patron_a.card_number, record=record, pickup_branch=unlinked.first()
        )
    assert refused.value.field == "pickup_branch" and "afhaalpunt" in str(refused.value)


def test_only_pickup_points_are_offered_for_pickup(client, net, patron_a):
    assert net.a2.is_pickup_point  # a staffed branch is a pickup point unless the library says no
    net.a2.is_pickup_point = False
    net.a2.save()
    record = make_record(title="De aanslag")
    make_item(net.b1, record)
    client.post("/mijn/inloggen/", {"card_number": patron_a.card_number, "pin": "1234"})
    html = page(client.get(f"/titel/{record.pk}/"))
    pickup = html.split('id="pickup_branch"')[1].split("</select>")[0]
    assert "Centrale Bibliotheek" in pickup and "Overvecht" not in pickup
    response = client.post(f"/titel/{record.pk}/reserveren/", {"pickup_branch": net.a2.pk})
    assert response.status_code == 422
    assert "Overvecht is geen afhaalpunt voor reserveringen." in page(response)
    assert not record.holds.exists()


def test_polling_station_names_become_library_names():
    names = {
        (row["name"], row["place"]): branches.library_name(row["name"], row["place"])
        for row in polling_rows()
    }
    for name in names.values():
        lowered = name.lower()
        assert "theek" in lowered, name
        assert not any(w in lowered for w in ("stembureau", "ingang", "gemeentehuis")), name
        assert lowered not in ("bibliotheek", "de bibliotheek", "openbare bibliotheek"), name
    assert names[("Oosterwolde, Bibliotheek", "Oosterwolde")] == "Bibliotheek Oosterwolde"
    assert names[("Openbare Bibliotheek, Noordwolde", "Noordwolde")] == "Bibliotheek Noordwolde"
    assert names[("Bibliotheek", "Deventer")] == "Bibliotheek Deventer"
    assert names[("'s-Gravenzande Bibliotheek", "'s-Gravenzande")] == "Bibliotheek 's-Gravenzande"
    assert names[("De Lier Bibliotheek / De Viermaster", "De Lier")] == "Bibliotheek De Lier"
    assert names[("Bibliotheek/Gemeentehuis Heiloo", "Heiloo")] == "Bibliotheek Heiloo"
    assert (
        names[("ZB Bibliotheek van Zeeland - stembureau 28", "Middelburg")]
        == "ZB Bibliotheek van Zeeland"
    )
    assert (
        names[("Bibliotheek Driesprong, ingang landmeterplein", "Bergschenhoek")]
        == "Bibliotheek Driesprong"
    )
    assert names[("Brinkhuis (bibliotheek)", "Laren")] == "Bibliotheek Laren (Brinkhuis)"
    assert names[("Buurt & Zo (bibliotheek Oostland)", "Pijnacker")] == "Bibliotheek Oostland"
    assert names[("Centrale Bibliotheek", "Rotterdam")] == "Centrale Bibliotheek"
    assert names[("Bibliotheek Escamp", "'s-Gravenhage")] == "Bibliotheek Escamp"


def test_loaded_locations_keep_the_polling_station_name_only_as_their_source(net, unlinked):
    deventer = unlinked.get(place="Deventer")
    assert deventer.name == "Bibliotheek Deventer"
    assert "stembureau" in deventer.source and "'Bibliotheek'" in deventer.source
    assert not deventer.is_pickup_point and deventer.organisation.is_placeholder
