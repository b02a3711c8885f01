"""How complete the branch register is, and CBS's road distance as a check on it — on the real
reference data: 342 municipalities, 4,067 postcode areas and the 78 library locations that were
polling stations in 2025."""

import io
from datetime import date

import pytest
from django.core.management import call_command

from clb.cockpit import register
from clb.cockpit.regions import Geography
from clb.network import cbs_distance
from clb.network import register as network_register
from clb.network.models import Branch, Organisation, PostcodeArea

DAY = date(2026, 3, 2)


@pytest.fixture
def country(db):
    call_command("load_reference", stdout=io.StringIO())


def test_cbs_road_distance_is_matched_to_every_municipality_but_zwolle():
    latest = cbs_distance.latest_all()
    with open(cbs_distance.DATA / "gemeenten-2024.csv", encoding="utf-8") as fh:
        codes = {line.split(",")[0] for line in fh.readlines()[1:]}
    assert codes - set(latest) == {"GM0193"}  # Zwolle is missing from the staged dump
    assert latest["NL"] == cbs_distance.RoadDistance("NL", 2.0, 2023)
    assert latest["GM0344"].km == 1.3  # "Utrecht (gemeente)", not the province
    assert latest["PV26"].km == 1.8  # "Utrecht (PV)"
    assert latest["GM0518"] == cbs_distance.RoadDistance("GM0518", 1.2, 2023)
    assert latest["GM0642"].year == 2015  # Zwijndrecht's series stops there
    assert cbs_distance.series("NL")[2006] == 1.7 and 2010 not in cbs_distance.series("NL")
    assert {c for c in latest if c.startswith("PV")} == {f"PV{n}" for n in range(20, 32)}


def test_expected_locations_are_the_national_count_by_inhabitants():
    national = network_register.national_count()
    assert (national.locations, national.year, national.inhabitants) == (1209, 2020, 17_942_942)
    assert network_register.expected_locations(931_298) == pytest.approx(62.75, abs=0.01)
    assert network_register.is_complete(57, 62.75) and not network_register.is_complete(56, 62.75)
    assert not network_register.is_complete(0, 0.1)  # a municipality has at least one


def test_the_whole_country_against_cbs(country):
    """Every municipality CBS measured: where CLB's straight line is longer than CBS's road,
    the register lacks locations, and the page says so; with the 78 real locations of the
    register that is nearly everywhere, yet not in The Hague, whose 13 libraries are all in."""
    geo = Geography()
    check = register.RegisterCheck(geo, DAY)
    rows = {r.code: r for r in check.analysis.rows}
    assert len(rows) == 342
    compared = [r for r in rows.values() if r.cbs_road_km is not None]
    assert len(compared) == 341
    for r in compared:
        longer = r.mean_km_location is None or r.mean_km_location > r.cbs_road_km + 0.05
        assert r.locations_missing is longer, r.code
    missing = {r.code for r in compared if r.locations_missing}
    assert 300 < len(missing) < 341
    assert "GM0363" in missing and rows["GM0363"].mean_km_location > 10  # Amsterdam: none
    assert "GM0518" not in missing  # 's-Gravenhage: 1.08 km in a straight line, 1.2 by road
    assert rows["GM0193"].locations_missing is None  # Zwolle: nothing to compare with

    nl = check.of(geo.region("NL"))
    assert (nl.loaded, nl.expected) == (78, 1209) and not nl.complete
    assert len(nl.missing) == len(missing)
    assert "78 van naar schatting 1.209 bibliotheeklocaties (6 %)" in nl.sentence
    assert nl.distances.cbs_road_km == 2.0 and nl.distances.mean_km_location > 2.0
    amsterdam = check.of(geo.region("GM0363"))
    assert amsterdam.caveat == "register onvolledig: 0 van naar schatting 63 bibliotheeklocaties"
    assert amsterdam.missing == ("Amsterdam",)
    the_hague = check.of(geo.region("GM0518"))
    assert the_hague.missing == () and the_hague.loaded == 13
    assert "De afstanden kloppen met wat het CBS over de weg meet" in the_hague.sentence
    assert not the_hague.complete  # 13 of an estimated 38: the count still says incomplete


def test_a_register_with_a_library_in_every_postcode_area_passes_the_check(country):
    org = Organisation.objects.create(code="overal", name="Overal")
    Branch.objects.bulk_create(
        Branch(
            organisation=org,
            code=f"pc{a.pc4}",
            name=a.pc4,
            kind="vestiging",
            municipality_id=a.municipality_id,
            lat=a.lat,
            lon=a.lon,
        )  # fmt: skip
        for a in PostcodeArea.objects.filter(inhabitants__gt=0)
    )
    geo = Geography()
    check = register.RegisterCheck(geo, DAY)
    assert not [r.code for r in check.analysis.rows if r.locations_missing]
    assert check.national_complete  # 4,000 locations: more than the country has
    assert check.of(geo.region("GM0363")).complete
    assert check.of(geo.region("NL")).caveat == ""


def test_demo_and_closed_locations_do_not_complete_a_register(net):
    """Utrecht (374,238 inhabitants: about 25 locations expected) with two real branches, a demo
    branch and one closed; Amersfoort's Eemhuis (~11 expected)."""
    Branch.objects.create(organisation=net.org_a, code="utr-demo", name="Demo", is_demo=True,
                          municipality=net.gm_a, lat=52.1, lon=5.1)  # fmt: skip
    Branch.objects.create(organisation=net.org_a, code="utr-dicht", name="Dicht",
                          municipality=net.gm_a, closed_on=date(2025, 1, 1))  # fmt: skip
    assert network_register.loaded_locations(DAY) == {"GM0344": 2, "GM0307": 1}
    geo = Geography()
    check = register.RegisterCheck(geo, DAY)
    utrecht = check.of(geo.region("GM0344"))
    assert (utrecht.loaded, utrecht.expected_shown, utrecht.complete) == (2, 25, False)
    assert utrecht.missing == ()  # the test's one postcode area lies next to the library
    organisation = check.of(geo.region("ORG:bibliotheek-utrecht"))
    assert organisation.caveat == utrecht.caveat != ""
    province = check.of(geo.region("PV26"))
    assert (province.loaded, province.expected_shown) == (3, 36)
