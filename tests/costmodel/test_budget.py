"""The reverse question: given a budget, which levels fit (engine.fit: floors first, then the
ladders in order of tier and priority; a step that does not fit freezes its block).

For Kleindorp (test model) the steps cost, by hand (net = cost − IDO income):
  floor: no branch, collection basis                                   16,000
  tier 1: vestigingen → minimaal: + (200 + 80) m² × 100 + 20 h × 50 × 50  94,000
          ido → basis: + 200 h × 50 − 8,000 income                      96,000
          bibliobus → basis: + 2 stops × 1,000                          98,000
  tier 2: vestigingen → bereik (3 branches, no stops)                  256,000
          openingsuren → ruim with 1 branch: + 20 h × 50 × 50          148,000
"""

from decimal import Decimal

import pytest

from clb.costmodel import services
from tests.factories import T0

D = Decimal


def fit(budget):
    area = services.resolve_area(["GM9001"])
    return services.fit_budget(area, budget, version="2099.1", at=T0)


def test_budget_between_steps(test_model, towns):
    r = fit(100000)
    assert r.levels == {"vestigingen": "minimaal", "openingsuren": "basis", "collectie": "basis",
                        "ido": "basis", "bibliobus": "basis"}  # fmt: skip
    assert r.net == D("98000.00") and r.fit.fits
    assert [(s.block, s.level, s.net_after) for s in r.fit.taken] == [
        ("vestigingen", "minimaal", D("94000.00")),
        ("ido", "basis", D("96000.00")),
        ("bibliobus", "basis", D("98000.00")),
    ]
    assert [(s.block, s.level, s.net_after) for s in r.fit.left_out] == [
        ("vestigingen", "bereik", D("256000.00")),
        ("openingsuren", "ruim", D("148000.00")),
    ]


def test_a_step_that_does_not_fit_leaves_room_for_cheaper_ones(test_model, towns):
    r = fit("95.000,00".replace(".", ""))  # Dutch notation: 95000,00
    assert r.net == D("94000.00")
    assert r.levels["vestigingen"] == "minimaal"
    assert r.levels["ido"] == "geen" and r.levels["bibliobus"] == "geen"
    assert [s.block for s in r.fit.left_out] == ["ido", "bibliobus", "vestigingen", "openingsuren"]


def test_budget_below_the_floor(test_model, towns):
    r = fit(10000)
    assert not r.fit.fits
    assert r.net == D("16000.00")  # what the floor costs, more than the budget
    assert r.levels["vestigingen"] == "geen" and r.fit.taken == []


def test_ample_budget_takes_every_step(test_model, towns):
    r = fit(1_000_000)
    assert r.levels == {"vestigingen": "bereik", "openingsuren": "ruim", "collectie": "basis",
                        "ido": "basis", "bibliobus": "basis"}  # fmt: skip
    # 68,000 + 3 × 40 h × 50 × 50 + 16,000 + (30,000 − 8,000); the stops are no longer needed
    assert r.net == D("406000.00") and r.fit.left_out == []


def test_budget_is_never_exceeded_when_the_floor_fits(test_model, towns):
    for budget in (16000, 50000, 94000, 97999, 150000, 255999, 400000):
        r = fit(budget)
        assert r.net <= budget, budget


@pytest.mark.parametrize("budget", ["-1", "veel", None])
def test_bad_budget_names_the_field(test_model, towns, budget):
    with pytest.raises(services.CostModelError) as err:
        fit(budget)
    assert err.value.field == "budget"
