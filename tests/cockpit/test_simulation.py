"""`clb load-demo --national`: a simulated anonymous year for every organisation of the network,
so the NL map and the comparisons show a country — labelled "gesimuleerd" wherever it shows, and
removable (on the real reference data)."""

import io
import json
import re
from datetime import date, datetime

import pytest
from django.core.management import call_command

from clb import demo
from clb.cockpit.caveats import Caveats
from clb.cockpit.engine import Cockpit
from clb.cockpit.models import Simulation
from clb.cockpit.regions import Geography
from clb.members.services import take_member_snapshot
from clb.network.models import Organisation
from clb.operations import invariants
from clb.statistics.models import MemberCount, PlaceTally, ResidenceTally
from clb.statistics.periods import parse
from tests.factories import AMS

from .test_pages import login

TODAY = date(2026, 3, 2)
AT = datetime(2026, 3, 2, 23, 0, tzinfo=AMS)


@pytest.fixture
def country(db):
    call_command("load_reference", stdout=io.StringIO())
    demo.load_national(today=TODAY, progress=lambda _m: None)


def _map(html: str) -> dict:
    found = re.search(r'<script id="spec-map" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def test_every_municipality_but_the_demos_gets_a_simulated_year(country):
    sims = list(Simulation.objects.all())
    covered = {code for s in sims for code in s.municipalities}
    assert len(covered) == 342 - 5  # the five demo municipalities run through the services
    assert {"GM0518", "GM0599", "GM0153", "GM0983", "GM1783"}.isdisjoint(covered)
    made = Organisation.objects.get(code="gesimuleerd-gm0363")
    assert made.is_demo and made.name == "Gesimuleerde bibliotheek Amsterdam"
    # Where the register has real locations, their organisation is the one simulated, and
    # loans are tallied at those locations; elsewhere only by where people live.
    placeholder = Organisation.objects.get(code="ongekoppeld-gm0150")  # Deventer
    assert Simulation.objects.filter(organisation=placeholder, created_organisation=False).exists()
    assert PlaceTally.objects.filter(organisation=placeholder).exists()
    assert not PlaceTally.objects.filter(organisation=made).exists()
    geo = Geography()
    cockpit = Cockpit([geo.region("NL")], [parse("2026-H1")], geo=geo, at=AT,
                      caveats=Caveats(geo, at=AT))  # fmt: skip
    figures = {f.indicator.code: f for f in cockpit.figures(geo.region("NL"), parse("2026-H1"))}
    assert 15 < figures["members_share"].value < 25  # about one in five, as in the country
    assert figures["members_share"].caveats == ("gesimuleerd",)
    assert "gesimuleerd" not in figures["vestigingen_per_100k"].caveats  # not simulated

    # The NL map is coloured, and says what it shows.
    html = login(region="NL").get("/cockpit/", {"periode": "2026-H1"}).content.decode()
    spec = _map(html)
    coloured = spec["data"][0]
    assert len(coloured["locations"]) >= 330 and all(z > 0 for z in coloured["z"])
    assert "gesimuleerd" in spec["layout"]["title"]["text"]
    assert "data-simulated" in html and "gesimuleerd jaar (clb load-demo --national)" in html
    amsterdam = login(region="GM0363", username="ams").get("/cockpit/").content.decode()
    assert "data-simulated" in amsterdam
    the_hague = login(region="GM0518", username="dh").get("/cockpit/").content.decode()
    assert "data-simulated" not in the_hague  # a demo organisation: through the services


def test_member_counts_and_rebuilt_tallies_keep_it_and_remove_national_takes_it_out(country):
    later = date(2026, 3, 20)
    take_member_snapshot(on=later)
    simulated = set(Simulation.objects.values_list("organisation_id", flat=True))
    assert MemberCount.objects.filter(taken_on=later, organisation_id__in=simulated).count() > 1000
    before = ResidenceTally.objects.filter(organisation_id__in=simulated).count()
    call_command(
        "rebuild_tallies", "--from", "2025-01-01", "--to", "2026-06-30", stdout=io.StringIO()
    )
    assert ResidenceTally.objects.filter(organisation_id__in=simulated).count() == before
    # Simulated tallies have no events by design; `clb invariants` does not call them broken.
    assert invariants.check() == []

    out = io.StringIO()
    call_command("load_demo", "--remove-national", stdout=out)
    assert "verwijderd" in out.getvalue()
    assert not Simulation.objects.exists()
    assert not ResidenceTally.objects.exists() and not PlaceTally.objects.exists()
    assert not MemberCount.objects.exists()
    assert not Organisation.objects.filter(code__startswith="gesimuleerd-").exists()
    assert Organisation.objects.filter(code="ongekoppeld-gm0150").exists()  # real locations
