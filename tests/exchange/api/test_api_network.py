"""The library network as open data: organisations, branches with ISIL, address, coordinates,
kind and opening hours; closed branches only on request, placeholders never."""

from datetime import date, timedelta

import pytest

from clb.network import hours
from clb.network.models import Branch, Organisation
from tests.exchange.api.conftest import Api

pytestmark = pytest.mark.django_db


def test_branch_with_address_location_kind_and_opening_hours(world):
    net = world.net
    net.a1.street, net.a1.postcode, net.a1.place = "Neude 11", "3512 AE", "Utrecht"
    net.a1.save()
    hours.replace(
        net.a1,
        hours.parse("ma-vr 10:00-18:00; za 10:00-17:00")
        + hours.parse("ma-vr 08:00-10:00", staffed=False),
    )
    body = Api().get(f"/network/branches/{net.a1.isil}").json()
    assert body["code"] == "utr-centrale" and body["isil"] == net.a1.isil
    assert body["organisation"]["isil"] == net.org_a.isil
    assert body["address"] == {
        "street": "Neude 11",
        "postcode": "3512 AE",
        "place": "Utrecht",
        "municipality": "GM0344",
    }
    assert body["location"] == {"lat": 52.0907, "lon": 5.1214}
    assert (body["kind"], body["kind_label"]) == ("vestiging", "vestiging (volwaardig)")
    monday = [h for h in body["opening_hours"] if h["weekday"] == 1]
    assert monday == [
        {"weekday": 1, "opens": "08:00:00", "closes": "10:00:00", "staffed": False},
        {"weekday": 1, "opens": "10:00:00", "closes": "18:00:00", "staffed": True},
    ]
    assert len(body["opening_hours"]) == 11
    assert Api().get(f"/network/branches/{net.a1.code}").json()["isil"] == net.a1.isil
    missing = Api().get("/network/branches/NL-0000XX")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_branch_list_filters_and_history(world):
    net = world.net
    net.a2.closed_on = date.today() - timedelta(days=1)
    net.a2.save()
    placeholder = Organisation.objects.create(code="ongekoppeld-x", name="X", is_placeholder=True)
    Branch.objects.create(
        organisation=placeholder, code="x-1", name="Verborgen", municipality=net.gm_a
    )
    api = Api()
    codes = [b["code"] for b in api.get("/network/branches").json()["items"]]
    assert codes == ["amf-eemhuis", "utr-centrale"]
    every = api.get("/network/branches", {"include_closed": "true"}).json()["items"]
    assert [b["code"] for b in every] == ["amf-eemhuis", "utr-centrale", "utr-overvecht"]
    assert every[2]["closed_on"] == net.a2.closed_on.isoformat()
    by_org = api.get("/network/branches", {"organisation": net.org_b.isil}).json()["items"]
    assert [b["code"] for b in by_org] == ["amf-eemhuis"]
    by_place = api.get("/network/branches", {"municipality": "GM0344"}).json()["items"]
    assert [b["code"] for b in by_place] == ["utr-centrale"]
    hidden = api.get("/network/branches", {"organisation": "ongekoppeld-x"})
    assert hidden.status_code == 404
    bad = api.get("/network/branches", {"kind": "kasteel"})
    assert bad.status_code == 422 and bad.json()["field"] == "kind"


def test_organisations(world):
    net = world.net
    net.a2.closed_on = date.today()
    net.a2.save()
    body = Api().get("/network/organisations").json()
    assert [(o["name"], o["branches"]) for o in body["items"]] == [
        ("Bibliotheek Eemland", 1),
        ("Bibliotheek Utrecht", 1),
    ]
    one = Api().get(f"/network/organisations/{net.org_a.isil}").json()
    assert one["municipalities"] == ["GM0344"] and one["code"] == "bibliotheek-utrecht"
