"""The cost model against the real country (issue 21): every municipality "as now" from the
national figures adds up to within the band of the real 2022 totals, a parameter change that
throws it out of the band is caught, and the default scenario gives every municipality a
plausible cost per inhabitant. Runs on the real reference data (342 municipalities, 4,067 PC4
areas), loaded once for this module."""

import io

import pytest
from django.core.management import CommandError, call_command

from clb.costmodel import calibration, engine, services
from clb.network import reference
from clb.network.models import Municipality, PostcodeArea, Province

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def country(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        reference.load_municipalities()
        reference.load_postcode_areas()
        yield
        # module-scoped data: clean up after ourselves for the tests that follow
        PostcodeArea.objects.all().delete()
        Municipality.objects.all().delete()
        Province.objects.all().delete()


@pytest.fixture(scope="module")
def national(country, django_db_blocker):
    with django_db_blocker.unblock():
        return calibration.run()


def test_as_now_adds_up_to_the_real_national_totals(national):
    """The guard of issue 21 item 2: change a parameter so that the model no longer matches the
    country, and this test fails."""
    assert national.now.municipalities == 342
    assert national.now.inhabitants == 17_942_942
    cost, subsidy = national.checks
    assert (cost.real, subsidy.real) == (616_400_000, 492_500_000)
    assert cost.within, f"lasten {cost.model} wijken {cost.deviation:.1%} af"
    assert subsidy.within, f"subsidie {subsidy.model} wijkt {subsidy.deviation:.1%} af"
    # The staff the model needs for it is the sector's real staff, give or take a tenth.
    assert abs(national.fte_model / national.fte_real - 1) < 0.10
    # The as-now figures are the national aggregates, distributed: 757 branches, 158 service
    # points, the collection of 2021 (sums of the per-municipality estimates).
    kinds = national.now.kinds
    assert kinds["personeel"] > kinds["ruimte"] > kinds["collectie"] > 0


def test_a_parameter_change_that_leaves_the_band_is_caught(country):
    # Staff at € 60 an hour instead of € 46: the country would cost far more than it does.
    dearer = calibration.run(overrides={"uurkosten_personeel": 60})
    assert not dearer.within
    assert dearer.checks[0].deviation > dearer.checks[0].margin
    # The national as-now figures are parameters too: half the branches is also caught.
    fewer = calibration.run(overrides={"nl_vestigingen": 378, "nl_uren_per_vestiging": 15})
    assert not fewer.within


def test_every_municipality_gets_a_plausible_basic_provision(national):
    basic = national.basic
    assert basic.municipalities == 342
    per = {name: value for name, _n, value in basic.per_inhabitant}
    # Never nothing for an inhabited municipality; nothing absurd either: between the
    # national subsidy per inhabitant's order of magnitude and the cost of one full branch
    # for the smallest island.
    assert all(15 < v < 250 for v in per.values()), sorted(per.items(), key=lambda x: x[1])[:3]
    rows = {r.size_class: r for r in national.distribution}
    assert sum(r.count for r in rows.values()) == 342
    smallest, largest = rows["< 5.000"], rows["≥ 250.000"]
    # Small municipalities pay more per inhabitant for their at least one full branch.
    assert smallest.median > 3 * largest.median
    assert all(r.low <= r.median <= r.high for r in rows.values())
    # Dispersed rural municipalities cost more than compact ones of the same size.
    assert rows["20.000–50.000"].high > 2 * rows["20.000–50.000"].low


def test_clb_costmodel_national(country, tmp_path):
    out, target = io.StringIO(), tmp_path / "landelijk.csv"
    call_command(
        "costmodel", "--national", "--output", str(target), stdout=out, stderr=io.StringIO()
    )
    text = out.getvalue()
    assert "342 gemeenten" in text and "binnen ±10%" in text and "BUITEN" not in text
    assert "fte" in text and "Schiermonnikoog" in text
    csv = target.read_text(encoding="utf-8")
    assert "IJking landelijk" in csv and "totale lasten;" in csv
    assert "Basisvoorziening per gemeente" in csv and "Amsterdam;931298;" in csv


def test_a_province_and_a_big_city_with_an_empty_register(country):
    drenthe = services.compute(services.resolve_area(province_code="PV22"))
    assert drenthe.area.name == "provincie Drenthe" and len(drenthe.area.municipalities) == 12
    assert drenthe.levels["vestigingen"] == "bereik" and drenthe.total_cost > 0
    # Amsterdam "as now": CLB's register holds none of its branches, so today's figures are
    # estimated from the national ones, and the result says so instead of printing € 0.
    amsterdam = services.compute(services.resolve_area(["GM0363"]), start="huidig")
    assert amsterdam.now.estimated and amsterdam.now.check.complete is False
    assert amsterdam.levels["vestigingen"] == "huidig"
    assert 20 < amsterdam.values["vestigingen"] < 25  # 1 + 415 × 931,298 / 17,942,942
    assert amsterdam.total_cost > 0 and amsterdam.net > 0
    assert any("geschat uit landelijke cijfers" in n for n in amsterdam.notes)
    assert "vestigingen_nu" in amsterdam.estimates_used
    forced = services.compute(services.resolve_area(["GM0363"]), start="huidig", now="clb")
    assert not forced.now.estimated and forced.levels["vestigingen"] == "minimaal"
    with pytest.raises(CommandError, match="now"):
        call_command("costmodel", "--municipality", "GM0363", "--now", "raden", "--output", "-")


def test_the_national_run_reads_no_register(country):
    model = calibration.loader.load()
    params = {c: p.value for c, p in model.parameters.items()}
    data = engine.AreaData(
        list(Municipality.objects.filter(code="GM0363")), model, now=engine.NOW_NATIONAL
    )
    assert set(data.live_each[Municipality.objects.get(code="GM0363").pk].values()) == {None}
    base, now = data.base_and_now(params)
    assert now.estimated and now.check is None
    assert base["collectie_nu"] == params["nl_collectie"] * 931_298 / 17_942_942
