"""Scenarios people compare (issue 21 items 1 and 4): the default start is the model's basic
provision; the presets side by side with the gap to today's subsidy and the budget, computed by
hand with the round-number test model (conftest.py)."""

from decimal import Decimal

import pytest

from clb.costmodel import services
from tests.factories import T0

D = Decimal
V = "2099.1"
SMALL_LEVELS = {"vestigingen": "bereik", "openingsuren": "basis", "collectie": "basis",
                "ido": "basis", "bibliobus": "basis"}  # fmt: skip


def session(codes):
    return services.session(services.resolve_area(codes), version=V, at=T0)


def test_the_default_scenario_is_the_basic_provision(test_model, towns):
    r = services.compute(services.resolve_area(["GM9001"]), version=V, at=T0)
    assert r.levels == {"vestigingen": "bereik", "openingsuren": "basis", "collectie": "basis",
                        "ido": "geen", "bibliobus": "geen"}  # fmt: skip
    # 3 branches for reach: (3 × 200 + 8,000 × 0.01) m² × €100 + 3 × 20 h × 50 wk × €50 + 800 × €20
    assert r.total_cost == D("234000.00") and r.net == D("234000.00")
    assert services.starts(r.model) == ["basis", "ambitie", "huidig", "leeg"]


def test_a_preset_takes_the_first_level_it_can_compute(test_model, towns):
    s = session(["GM9001"])
    # Kleindorp has one branch (30 h) in CLB, but no items and no IDO contacts.
    assert services.start_levels(s, "huidig") == {
        "vestigingen": "huidig", "openingsuren": "huidig", "collectie": "basis",
        "ido": "geen", "bibliobus": "geen",
    }  # fmt: skip
    assert services.start_levels(s, "leeg") == {
        "vestigingen": "geen", "openingsuren": "basis", "collectie": "basis",
        "ido": "geen", "bibliobus": "geen",
    }  # fmt: skip
    with pytest.raises(services.CostModelError) as err:
        services.compute(s.area, start="alles", s=s)
    assert err.value.field == "start" and "basis, ambitie, huidig, leeg" in str(err.value)


def test_presets_side_by_side_with_the_gap_and_the_budget(test_model, towns):
    s = session(["GM9001"])
    own = services.compute(s.area, SMALL_LEVELS, start="leeg", s=s)
    columns = services.compare_starts(s, own, budget="250000")
    assert [c.code for c in columns] == ["basis", "ambitie", "huidig", "eigen"]
    by = {c.code: c for c in columns}
    assert {c: by[c].result.net for c in by} == {
        "basis": D("234000.00"),
        "ambitie": D("406000.00"),  # 40 h: 300,000; IDO 30,000 − 8,000 grant
        "huidig": D("119000.00"),  # 1 branch 28,000 + 30 h 75,000 + collection 16,000
        "eigen": D("256000.00"),
    }
    # Today's subsidy: the national average, €25 × 8,000 = €200,000, for every column.
    assert {by[c].result.difference for c in by} == {
        D("34000.00"), D("206000.00"), D("-81000.00"), D("56000.00")
    }  # fmt: skip
    assert [by[c].fits for c in by] == [True, False, True, False]
    assert by["ambitie"].budget_room == D("-156000.00")
    # A current subsidy given by the municipality carries over to every column.
    given = services.compute(s.area, SMALL_LEVELS, start="leeg", current_subsidy="300000", s=s)
    assert {c.result.difference for c in services.compare_starts(s, given)} >= {D("-66000.00")}
    assert all(c.budget is None and c.fits is None for c in services.compare_starts(s, given))


def test_budget_fitting_still_works_and_feeds_the_comparison(test_model, towns):
    s = session(["GM9001"])
    fitted = services.fit_budget(s.area, "100000", s=s)
    assert fitted.fit.fits and fitted.net <= 100000
    columns = services.compare_starts(s, fitted)
    own = columns[-1]
    assert own.code == "eigen" and own.budget == D("100000.00") and own.fits
    assert own.result is fitted


def test_a_province_is_an_area(test_model, towns):
    area = services.resolve_area(province_code="pv99")
    assert area.name == "provincie Testprovincie" and area.codes == ["GM9002", "GM9001"]
    r = services.compute(area, version=V, at=T0)
    assert r.inhabitants == 258000 and r.values["vestigingen"] == 16  # 13 + 3
    with pytest.raises(services.CostModelError) as err:
        services.resolve_area(province_code="PV00")
    assert err.value.field == "province"
