"""Scenarios computed by hand; overrides; the reverse (budget) question; bad input; CLI; pages."""

import csv
import io
import json
from decimal import Decimal

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from clb.accounts.models import User
from clb.costmodel import definitions, services, sizes
from clb.costmodel.models import Scenario

pytestmark = pytest.mark.django_db

D = Decimal
SMALL = {
    "inwoners": D(10_000),
    "inwoners_0_17": D(1_800),
    "inwoners_0_3": D(400),
    "oppervlakte_km2": D(50),
    "vestigingen_bereik": D(1),
    "spreiding_km": D(2),
}
LARGE = {
    "inwoners": D(200_000),
    "inwoners_0_17": D(36_000),
    "inwoners_0_3": D(8_000),
    "oppervlakte_km2": D(120),
    "vestigingen_bereik": D(3),
    "spreiding_km": D(4),
}
BASICS = {"vestigingen": "basis", "openingsuren": "basis", "collectie": "basis"}


def by_block(result):
    return {b.code: b.cost for b in result.blocks}


def test_small_municipality_by_hand(net):
    r = services.compute(["GM0344"], BASICS, area_sizes=SMALL)
    # one branch: 0.03 m²/inh × 10,000 + 150 m² = 450 m² × €180 = 81,000; ICT 12,000
    assert by_block(r)["vestigingen"] == D("93000.00")
    assert by_block(r)["openingsuren"] == D("143520.00")  # 3,120 h × €46
    assert by_block(r)["collectie"] == D("36000.00")  # 800 items × €22 + 400 h × €46
    assert by_block(r)["boekstart"] == 0 and by_block(r)["bibliobus"] == 0  # left out → first level
    assert r.total == D("272520.00") and r.per_inhabitant == D("27.25")
    assert r.reference_subsidy == D("262500.00") and r.difference == D(
        "10020.00"
    )  # €26.25 × 10,000


def test_large_municipality_by_hand(net):
    levels = dict(BASICS, ido="basis", boekstart="basis")
    r = services.compute(["GM0344"], levels, area_sizes=LARGE)
    assert r.sizes["vestigingen_nodig"] == 9  # ceil(200,000 / 23,000) beats the 3 for distance
    assert by_block(r) == {
        "vestigingen": D("1431000.00"),  # 7,350 m² × 180 + 9 × 12,000
        "openingsuren": D("1291680.00"),  # 28,080 h × 46
        "collectie": D("720000.00"),
        "boekstart": D("140400.00"),  # 2,000 koffertjes × 15 + 2,400 h × 46
        "dbos": 0,
        "ido": D("86112.00"),  # 1,872 h × 46
        "digitale_vaardigheden": 0,
        "taalhuis": 0,
        "activiteiten": 0,
        "bibliobus": 0,
    }
    assert r.total == D("3669192.00") and r.per_inhabitant == D("18.35")
    assert {b.code: b.yield_value for b in r.blocks}[
        "collectie"
    ] == 440_000  # 2.2 loans per inhabitant


def test_parameter_override(net):
    r = services.compute(["GM0344"], BASICS, {"uurkosten_personeel": "50,00"}, area_sizes=SMALL)
    assert r.total == D("286600.00")  # 93,000 + 3,120 × 50 + 17,600 + 400 × 50
    assert r.parameters["uurkosten_personeel"] == D("50.00")
    assert definitions.model().parameters["uurkosten_personeel"].value == D(
        "46.0"
    )  # default untouched


def test_budget_fitting_raises_blocks_in_priority_order(net):
    r, left_out = services.fit_budget(["GM0344"], "300000", area_sizes=SMALL)
    assert r.levels == {
        "vestigingen": "ruim",
        "openingsuren": "minimaal",
        "collectie": "ruim",
        "boekstart": "basis",
        "dbos": "geen",
        "ido": "basis",
        "digitale_vaardigheden": "basis",
        "taalhuis": "geen",
        "activiteiten": "basis",
        "bibliobus": "geen",
    }
    assert r.total == D("295302.00") and r.total <= 300_000
    assert [item.split(":")[0] for item in left_out] == [
        "Bemande openingsuren",
        "de Bibliotheek op school",
        "Informatiepunt Digitale Overheid",
        "Taalhuis",
        "Activiteiten en debat",
        "Bibliobus voor het buitengebied",
    ]
    tiny, _ = services.fit_budget(["GM0344"], 0, area_sizes=SMALL)
    assert (
        tiny.total > 0
    )  # the minimum (15 staffed hours, basic collection) does not fit: said by total > budget


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"levels": {"zwembad": "basis"}}, "levels.zwembad"),
        ({"levels": {"ido": "heel veel"}}, "levels.ido"),
        ({"overrides": {"uurkosten_personeel": "-5"}}, "parameters.uurkosten_personeel"),
        ({"overrides": {"uurkosten_personeel": "veel"}}, "parameters.uurkosten_personeel"),
        ({"overrides": {"maanprijs": "1"}}, "parameters.maanprijs"),
        ({"codes": ["GM9999"]}, "municipality"),
    ],
)
def test_bad_input_names_the_field(net, kwargs, field):
    with pytest.raises(services.CostModelError) as err:
        services.compute(
            kwargs.get("codes", ["GM0344"]),
            kwargs.get("levels"),
            kwargs.get("overrides"),
            area_sizes=SMALL,
        )
    assert err.value.field == field


def test_negative_budget_refused(net):
    with pytest.raises(services.CostModelError) as err:
        services.fit_budget(["GM0344"], "-1", area_sizes=SMALL)
    assert err.value.field == "budget"


def test_branches_needed_by_greedy_cover():
    pts = sizes.Points(
        x=np.array([0.0, 3.0, 20.0]), y=np.zeros(3), weight=np.array([1000.0, 500.0, 800.0])
    )
    assert sizes.branches_needed(pts, reach_km=5) == 2
    assert sizes.branches_needed(pts, reach_km=25) == 1
    assert (
        sizes.dispersion_km(sizes.Points(np.array([0.0, 2.0]), np.zeros(2), np.array([1.0, 1.0])))
        == 1.0
    )


def test_model_file_is_complete_and_sourced():
    model = definitions.model()
    assert len(model.blocks) >= 10
    for p in model.parameters.values():
        assert p.source and p.year >= 2020 and p.value >= 0
    assert (
        model.parameters["subsidie_per_inwoner"].value == D("26.25")
        and not model.parameters["subsidie_per_inwoner"].estimate
    )
    with pytest.raises(ValueError, match="unknown parameter"):
        definitions.parse(
            {
                "version": "x",
                "size_variables": {"inwoners": ""},
                "parameters": {},
                "blocks": [
                    {
                        "code": "b",
                        "name": "B",
                        "function": "f",
                        "priority": 1,
                        "yields": {"label": "", "per_level": {}},
                        "levels": [
                            {
                                "code": "l",
                                "name": "L",
                                "drivers": [
                                    {
                                        "label": "d",
                                        "parameter": "nope",
                                        "quantity": {"inwoners": 1},
                                        "unit": "u",
                                    }
                                ],
                            }
                        ],
                    }
                ],
            }
        )


def test_current_levels_from_live_data(net):
    levels = services.current_levels([net.gm_a])
    assert (
        levels["vestigingen"] == "basis"
    )  # two open branches in Utrecht (60 and 20 staffed hours)
    assert levels["openingsuren"] == "ruim"  # (60 + 20) / 2 vestigingen = 40 h ≥ 37.5


def test_cli_writes_csv_and_xlsx(net, tmp_path):
    spec = tmp_path / "s.json"
    spec.write_text(json.dumps({"levels": BASICS, "parameters": {"uurkosten_personeel": 50}}))
    out = tmp_path / "r.csv"
    call_command(
        "costmodel",
        "--municipality",
        "GM0344",
        "--scenario",
        str(spec),
        "--output",
        str(out),
        stdout=io.StringIO(),
    )
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines(), delimiter=";"))
    total = next(r for r in rows if r and r[0].startswith("totaal"))[-1]
    expected = services.compute(["GM0344"], BASICS, {"uurkosten_personeel": 50}).total
    assert D(total.replace(",", ".")) == expected
    from openpyxl import load_workbook

    xlsx = tmp_path / "r.xlsx"
    call_command(
        "costmodel",
        "--municipality",
        "GM0344",
        "--scenario",
        str(spec),
        "--format",
        "xlsx",
        "--output",
        str(xlsx),
        stdout=io.StringIO(),
    )
    sheet = load_workbook(xlsx).active
    assert any(
        row[0] == "totaal per jaar (€)" and row[-1] == float(expected)
        for row in sheet.iter_rows(values_only=True)
    )
    spec.write_text(json.dumps({"levels": {"ido": "x"}}))
    with pytest.raises(CommandError, match="levels.ido"):
        call_command(
            "costmodel", "--municipality", "GM0344", "--scenario", str(spec), "--output", str(out)
        )


def test_pages_scoped_to_the_users_municipality(net, client):
    url = "/cockpit/kostenmodel/"
    assert client.get(url).status_code == 302  # login first
    user = User.objects.create_user(
        "gm-utrecht", password="x", role=User.Role.COCKPIT, region_code="GM0344"
    )
    client.force_login(user)
    page = client.get(
        url, {"gemeente": "GM0344", "niveau_vestigingen": "basis", "niveau_ido": "basis"}
    )
    assert page.status_code == 200 and page.context["result"].levels["ido"] == "basis"
    assert client.get(url, {"gemeente": "GM0307"}).status_code == 403
    csv_download = client.get(url, {"gemeente": "GM0344", "download": "csv"})
    assert (
        csv_download["Content-Type"].startswith("text/csv")
        and b"totaal per jaar" in csv_download.content
    )
    saved = client.post(
        "/cockpit/kostenmodel/opslaan/",
        {"gemeente": "GM0344", "naam": "Plus IDO", "niveau_ido": "ruim"},
    )
    assert saved.status_code == 302
    scenario = Scenario.objects.get(name="Plus IDO")
    assert scenario.levels["ido"] == "ruim"
    compare = client.get("/cockpit/kostenmodel/vergelijk/", {"id": scenario.pk})
    assert compare.status_code == 200 and len(compare.context["results"]) == 1
    other = User.objects.create_user(
        "gm-amersfoort", password="x", role=User.Role.COCKPIT, region_code="GM0307"
    )
    client.force_login(other)
    assert (
        client.get("/cockpit/kostenmodel/vergelijk/", {"id": scenario.pk}).context["results"] == []
    )
    assert (
        client.post(f"/cockpit/kostenmodel/scenario/{scenario.pk}/verwijderen/").status_code == 403
    )
