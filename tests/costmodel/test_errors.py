"""Bad input gets a clear error naming the field, and nothing is saved."""

import pytest

from clb.costmodel import live, services
from clb.costmodel.models import Scenario
from tests.factories import T0


def run(codes=("GM9001",), levels=None, overrides=None, **kw):
    area = services.resolve_area(list(codes))
    return services.compute(area, levels, overrides, version="2099.1", at=T0, **kw)


@pytest.mark.parametrize(
    "kwargs,field,words",
    [
        ({"levels": {"zwembad": "basis"}}, "levels.zwembad", "Onbekende bouwsteen"),
        ({"levels": {"ido": "heel veel"}}, "levels.ido", "kent geen niveau"),
        ({"levels": {"ido": 3}}, "levels.ido", "kent geen niveau"),
        ({"levels": ["ido"]}, "levels", "bouwsteen: niveau"),
        (
            {"overrides": {"uren_per_week_basis": "-5"}},
            "parameters.uren_per_week_basis",
            "negatief",
        ),
        (
            {"overrides": {"uren_per_week_basis": 200}},
            "parameters.uren_per_week_basis",
            "hoogstens 168",
        ),
        (
            {"overrides": {"uurkosten_personeel": "veel"}},
            "parameters.uurkosten_personeel",
            "geen getal",
        ),
        (
            {"overrides": {"uurkosten_personeel": True}},
            "parameters.uurkosten_personeel",
            "geen getal",
        ),
        (
            {"overrides": {"uurkosten_personeel": "NaN"}},
            "parameters.uurkosten_personeel",
            "geen getal",
        ),
        ({"overrides": {"bereik_km": 0}}, "parameters.bereik_km", "ten minste 0.5"),
        ({"overrides": {"maanprijs": 1}}, "parameters.maanprijs", "Onbekende parameter"),
        ({"start": "morgen"}, "start", "huidig"),
        ({"current_subsidy": "-100"}, "current_subsidy", "negatief"),
        ({"codes": ["GM9999"]}, "municipality", "GM9999"),
        ({"codes": []}, "municipality", "ten minste één gemeente"),
    ],
)
def test_bad_input_names_the_field(test_model, towns, kwargs, field, words):
    codes = kwargs.pop("codes", ["GM9001"])
    with pytest.raises(services.CostModelError) as err:
        area = services.resolve_area(codes)
        services.compute(area, version="2099.1", at=T0, **kwargs)
    assert err.value.field == field
    assert words in str(err.value)


def test_unknown_organisation(test_model, towns):
    with pytest.raises(services.CostModelError) as err:
        services.resolve_area(organisation_code="nergens")
    assert err.value.field == "organisation"


def test_current_level_without_a_branch_today(test_model, towns):
    # Grootstad has no vestiging in CLB where some 17 are expected: its register is incomplete,
    # so "opening hours as now" is unknown, not an average over nothing.
    with pytest.raises(services.CostModelError) as err:
        run(["GM9002"], {"vestigingen": "minimaal", "openingsuren": "huidig"}, start="leeg")
    assert err.value.field == "levels.openingsuren"
    assert "bemande_uren_vestigingen_nu is onbekend" in str(err.value)  # named by code here


def test_current_level_unknown_without_the_registration_room(test_model, towns, monkeypatch):
    # Simulate an installation without the services room's tables (another helper builds them).
    monkeypatch.setattr(live, "services_models", lambda: None)
    r = run(levels={"vestigingen": "huidig", "ido": "basis"}, start="leeg")
    assert r.values["ido_contacten_12m"] is None and r.values["cursussen_12m"] is None
    assert any("niet beschikbaar" in note for note in r.notes)
    with pytest.raises(services.CostModelError) as err:
        run(levels={"vestigingen": "huidig", "ido": "huidig"}, start="leeg")
    assert err.value.field == "levels.ido" and "onbekend" in str(err.value)
    # Starting from today's levels falls back to the floor instead of failing.
    assert run().levels["ido"] == "geen"


def test_scenario_file_fields(db):
    with pytest.raises(services.CostModelError) as err:
        services.read_spec({"levels": {}, "niveaus": {}})
    assert err.value.field == "scenario.niveaus"
    with pytest.raises(services.CostModelError) as err:
        services.read_spec(["levels"])
    assert err.value.field == "scenario"


def test_levels_and_budget_together_are_refused(test_model, towns):
    spec = services.read_spec({"levels": {"ido": "basis"}, "budget": 100000})
    with pytest.raises(services.CostModelError) as err:
        services.compute_spec(services.resolve_area(["GM9001"]), spec, version="2099.1", at=T0)
    assert err.value.field == "scenario.levels"


def test_invalid_scenario_is_not_saved(test_model, towns):
    area = services.resolve_area(["GM9001"])
    with pytest.raises(services.CostModelError) as err:
        services.save_scenario(name="Zwembad", area=area, levels={"zwembad": "basis"}, at=T0)
    assert err.value.field == "levels.zwembad"
    with pytest.raises(services.CostModelError) as err:
        services.save_scenario(name="  ", area=area, levels={}, at=T0)
    assert err.value.field == "name"
    with pytest.raises(services.CostModelError) as err:
        services.save_scenario(
            name="x", area=area, levels={}, overrides={"uurkosten_personeel": -1}, at=T0
        )
    assert err.value.field == "parameters.uurkosten_personeel"
    assert not Scenario.objects.exists()
