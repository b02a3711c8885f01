"""Issue 21 item 5: never a zero cost or a negative subsidy for an inhabited area, and a figure
that rests on an estimate says so; plus the staff hours that management and support are sized
on. Written first against the 2026.2 model and engine (they failed there)."""

from decimal import Decimal

import pytest

from clb.costmodel import services
from tests.factories import T0

D = Decimal
V = "2099.1"
LEVELS = {"vestigingen": "minimaal", "openingsuren": "basis", "collectie": "basis",
          "ido": "basis", "bibliobus": "basis"}  # fmt: skip


def test_no_cost_at_all_is_refused_for_an_inhabited_area(test_model, towns):
    area = services.resolve_area(["GM9001"])
    # No branch, and books for free: nothing would cost anything for 8,000 people.
    with pytest.raises(services.CostModelError) as err:
        services.compute(area, {}, {"prijs_boek": 0}, start="leeg", version=V, at=T0)
    assert err.value.field == "levels" and "8.000 inwoners" in str(err.value)


def test_own_income_comes_with_a_branch(towns):
    # The shipped model from the bottom rungs: no branch, only a collection. Members' fees and
    # room rental need a building, so there is no income to make the subsidy negative.
    r = services.compute(services.resolve_area(["GM9001"]), start="leeg", at=T0)
    assert r.levels["vestigingen"] == "geen"
    assert r.total_cost > 0 and r.total_income == 0 and r.net == r.total_cost
    with_branch = services.compute(
        services.resolve_area(["GM9001"]), {"vestigingen": "minimaal"}, start="leeg", at=T0
    )
    own = next(ln for ln in with_branch.block("vestigingen").lines if ln.is_income)
    assert own.amount == D("4.37") * 8000 and with_branch.net > 0


def test_lines_say_which_estimates_they_rest_on(test_model, towns):
    r = services.compute(services.resolve_area(["GM9001"]), LEVELS, start="leeg", version=V, at=T0)
    # Only the bus costs per stop are an estimate in the test model.
    bus = r.block("bibliobus").lines[0]
    assert bus.estimates == ("bus_per_halte",) and bus.amount == D("2000.00")
    assert all(not ln.estimates for b in r.blocks if b.code != "bibliobus" for ln in b.lines)
    assert r.estimates_used == ["bus_per_halte"]
    assert r.total_cost == D("106000.00") and r.estimated_share == D(2000) / D(106000)


def test_estimates_are_traced_through_the_levels(towns):
    area = services.resolve_area(["GM9001"])
    basis = services.compute(area, {"openingsuren": "basis"}, start="basis", at=T0)
    hours = basis.block("openingsuren").lines[0]
    # 30 hours a week is an estimate, set by the level into uren_per_week: the line says so.
    assert "uren_per_week_basis" in hours.estimates and "uurkosten_personeel" in hours.estimates
    minimum = services.compute(area, {"openingsuren": "minimaal"}, start="basis", at=T0)
    assert "uren_per_week_minimaal" not in minimum.block("openingsuren").lines[0].estimates
    assert "uren_per_week_basis" not in minimum.estimates_used


def test_management_and_support_follow_the_direct_staff_hours(towns):
    r = services.compute(services.resolve_area(["GM9001"]), at=T0)
    direct = sum(
        ln.quantity
        for b in r.blocks
        if b.code != "bedrijfsvoering"
        for ln in b.lines
        if ln.kind == "personeel"
    )
    assert direct > 0 and r.values["uren_direct"] == direct
    support, other = r.block("bedrijfsvoering").lines
    assert support.quantity == direct * r.parameters["aandeel_indirect"]
    assert other.quantity == direct * r.parameters["aandeel_overige_kosten"] * (
        1 + r.parameters["aandeel_indirect"]
    )
