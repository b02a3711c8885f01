"""The shipped model file: complete, every value sourced; loading versions into tables; bad files
rejected with the place of every problem."""

import csv
import json
import re
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from clb.costmodel import definitions, loader, schema
from clb.costmodel.models import ModelVersion, Parameter

D = Decimal
# The building blocks the issue lists, by Wsob function or covenant task.
REQUIRED_BLOCKS = {
    "collectie", "boekstart", "dbos", "ido", "digitale_vaardigheden", "taalhuis", "activiteiten",
    "studieruimte", "openingsuren", "vestigingen", "servicepunten", "schoolbibliotheek",
    "bibliobus",
}  # fmt: skip


def shipped():
    return json.loads(loader.SHIPPED_FILE.read_text(encoding="utf-8"))


def test_shipped_model_is_complete_and_sourced():
    model = schema.parse(shipped())
    assert {b.code for b in model.blocks} >= REQUIRED_BLOCKS
    for b in model.blocks:
        assert b.function and b.levels and b.floor.tier is not None
    kinds = {d.kind for b in model.blocks for lv in b.levels for d in b.drivers_of(lv)}
    assert {"personeel", "ruimte", "collectie", "vast", "inkomsten"} <= kinds
    for p in model.parameters.values():
        assert p.source and 2000 <= p.year <= 2026, p.code
        assert p.estimate == p.source.startswith("Schatting"), p.code
    # Sourced figures the issue names.
    sub = model.parameters["subsidie_per_inwoner"]
    assert (sub.value, sub.year, sub.estimate) == (D("26.25"), 2022, False)
    assert model.parameters["spuk_nieuwe_vestiging"].value == 440000
    assert model.parameters["spuk_verbetering"].value == 220000
    assert model.parameters["spuk_min_extra_uren"].value == 10
    assert "cao OB" in model.parameters["uurkosten_personeel"].source
    # Size variables drive the blocks: inhabitants, youth, dispersion and branches needed.
    used = set()
    for b in model.blocks:
        for lv in b.levels:
            for _n, expr in b.sets_of(lv).items():
                used |= definitions.expression_names(expr)
            for drv in b.drivers_of(lv):
                used |= definitions.expression_names(drv.quantity)
    assert {"inwoners", "spreiding_km", "vestigingen_nodig", "kernen_bushalte"} <= used
    assert "inwoners_0_17" in definitions.expression_names(
        model.variables["leerlingen_po"].expression
    )


def test_the_model_in_the_database_is_the_shipped_file(db):
    # post_migrate installed it; the tables read back to exactly the parsed file.
    assert ModelVersion.objects.get(is_current=True).version == schema.parse(shipped()).version
    assert loader.load() == schema.parse(shipped())
    # In the file's order, also from PostgreSQL's jsonb (the order of the pages' columns).
    assert list(loader.load().presets) == ["basis", "ambitie", "huidig"]
    assert Parameter.objects.filter(model_version__is_current=True).count() == len(
        shipped()["parameters"]
    )


def test_numbers_belong_in_parameters():
    doc = shipped()
    doc["blocks"][0]["drivers"][0]["quantity"] = [["vestigingen", "300"]]
    with pytest.raises(schema.ModelFileError) as err:
        schema.parse(doc)
    assert any(
        "blocks[0].drivers[0].quantity[0]" in p and "getallen horen in parameters" in p
        for p in err.value.problems
    )


def test_every_problem_is_named_with_its_place():
    doc = shipped()
    doc["parameters"]["prijs_boek"]["estimate"] = True  # an estimate must say so in its source
    del doc["parameters"]["omloopsnelheid"]["year"]
    doc["parameters"]["ongebruikt"] = {**doc["parameters"]["prijs_boek"], "estimate": False}
    doc["blocks"][2]["drivers"][0]["price"] = ["maanprijs"]
    doc["blocks"][2]["levels"][1]["tier"] = -1
    doc["variables"].pop("leden_nu")
    with pytest.raises(schema.ModelFileError) as err:
        schema.parse(doc)
    text = "\n".join(err.value.problems)
    assert "parameters.prijs_boek.source: een schatting begint met 'Schatting:'" in text
    assert "parameters.omloopsnelheid.year" in text
    # (without leden_nu its national estimate's parameters are unused as well)
    assert re.search(r"parameters: niet gebruikt: .*\bongebruikt\b", text)
    assert "blocks.collectie.drivers[0].price" in text and "maanprijs" in text
    assert "blocks[2].levels[1].tier" in text
    assert "ontbrekende variabelen van soort huidig: leden_nu" in text


def test_versions_are_immutable_and_newer_ones_take_over(db, test_document):
    first = loader.install(schema.parse(test_document))
    assert first.is_current  # 2099.1 is newer than the shipped version
    test_document["parameters"]["prijs_boek"]["value"] = 21
    with pytest.raises(loader.LoadError, match="al geladen met andere inhoud"):
        loader.install(schema.parse(test_document))
    test_document["version"] = "2099.2"
    second = loader.install(schema.parse(test_document))
    assert second.is_current and not ModelVersion.objects.get(version="2099.1").is_current
    assert loader.load().parameters["prijs_boek"].value == 21
    assert loader.load("2099.1").parameters["prijs_boek"].value == 20
    loader.install(schema.parse(shipped()))  # already there, older: stays out of use
    assert ModelVersion.objects.get(is_current=True).version == "2099.2"
    loader.install(schema.parse(shipped()), activate=True)
    assert ModelVersion.objects.get(is_current=True).version == shipped()["version"]
    test_document["version"] = "v3"
    with pytest.raises(schema.ModelFileError, match="jaar.volgnummer"):
        schema.parse(test_document)


def test_load_command(db, tmp_path, test_document):
    path = tmp_path / "model.json"
    test_document["parameters"]["prijs_boek"]["value"] = -3
    test_document["blocks"][0]["levels"][2]["sets"]["vestigingen"] = [["gemeentes"]]
    path.write_text(json.dumps(test_document), encoding="utf-8")
    with pytest.raises(CommandError) as err:
        call_command("costmodel_load", str(path))
    assert "parameters.prijs_boek.value: -3 ligt onder het minimum 0" in str(err.value)
    assert "blocks.vestigingen.levels.minimaal.sets.vestigingen" in str(err.value)
    assert not ModelVersion.objects.filter(version="2099.1").exists()
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="geen geldige JSON"):
        call_command("costmodel_load", str(path))


def test_presets_calibration_figures_and_estimates_are_there():
    model = schema.parse(shipped())
    assert list(model.presets) == ["basis", "ambitie", "huidig"]
    basic = dict(model.presets["basis"].levels)
    # The Wsob basic provision: a full branch within reach for everyone, at the sourced
    # minimum of 15 staffed hours and the national average collection.
    assert basic["vestigingen"] == ("bereik",) and basic["openingsuren"] == ("minimaal",)
    assert not model.parameters["uren_per_week_minimaal"].estimate
    assert (
        basic["collectie"] == ("ruim",)
        and not model.parameters["collectie_per_inwoner_ruim"].estimate
    )
    ambition = dict(model.presets["ambitie"].levels)
    assert ambition["ido"] == ("convenant",) and ambition["dbos"] == ("basis",)
    assert model.rule("landelijke_lasten") == 616_400_000
    assert model.rule("landelijke_subsidie") == D("492500000")
    assert model.rule("ijkmarge") == D("0.1")
    estimated = {v.code for v in model.variables_of("huidig") if v.estimate is not None}
    assert {"vestigingen_nu", "collectie_nu", "activiteiten_12m"} <= estimated
    assert "ido_contacten_12m" not in estimated  # no national count: the preset falls back


def test_national_figures_match_the_staged_data():
    doc = shipped()
    path = loader.SHIPPED_FILE.parent / "landelijke-cijfers.csv"
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["source"] and r["licence"] and r["year"] for r in rows)
    for row in rows:
        if row["kind"] == "parameter":
            assert D(str(doc["parameters"][row["code"]]["value"])) == D(row["value"]), row["code"]
        elif row["kind"] == "rule":
            assert D(str(doc["rules"][row["code"]]["value"])) == D(row["value"]), row["code"]
    staged = {r["code"] for r in rows}
    assert {p for p in doc["parameters"] if p.startswith("nl_") and "inwoners" not in p} - {
        "nl_gemeenten", "nl_oppervlakte_km2", "nl_uren_per_vestiging",
    } <= staged  # fmt: skip


def test_presets_and_estimates_are_checked():
    doc = shipped()
    doc["presets"]["basis"]["levels"]["ido"] = "alles"
    del doc["presets"]["ambitie"]["levels"]["taalhuis"]
    doc["presets"]["huidig"]["levels"]["collectie"] = ["huidig"]
    doc["variables"]["collectie_nu"]["estimate"] = [["nl_collectie", "inwoners", "/nl_onbekend"]]
    doc["variables"]["inwoners_18_plus"]["estimate"] = [["inwoners"]]
    doc["variables"]["vestigingen_nu"].pop("estimate_note")
    with pytest.raises(schema.ModelFileError) as err:
        schema.parse(doc)
    text = "\n".join(err.value.problems)
    assert "presets.basis.levels.ido: onbekend niveau alles" in text
    assert "presets.ambitie.levels: geen niveau voor taalhuis" in text
    assert "presets.huidig.levels.collectie: eindig met een niveau dat altijd" in text
    assert (
        "variables.collectie_nu.estimate: onbekende of hier niet toegestane namen: nl_onbekend"
        in text
    )
    assert "variables.inwoners_18_plus.estimate: alleen een huidige waarde" in text
    assert "variables.vestigingen_nu.estimate_note" in text
