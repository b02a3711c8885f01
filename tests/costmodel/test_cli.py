"""clb costmodel --municipality GM.... [--scenario FILE.json] --format csv|xlsx --output FILE:
the files are read back and checked against the hand-computed scenario."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from clb.costmodel import services
from tests.factories import T0

D = Decimal
V = "2099.1"
LEVELS = {"vestigingen": "bereik", "openingsuren": "basis", "collectie": "basis", "ido": "basis",
          "bibliobus": "basis"}  # fmt: skip


def sections(text: str) -> dict[str, list[list[str]]]:
    """CSV sections: a title row, a header row, data rows; sections apart by an empty row."""
    out, current = {}, None
    for row in csv.reader(io.StringIO(text), delimiter=";"):
        if not row:
            current = None
        elif current is None:
            current = out.setdefault(row[0], [])
        else:
            current.append(row)
    return out


def number(text: str) -> Decimal:
    return D(text.replace(",", "."))


def run(*args):
    err = io.StringIO()
    call_command("costmodel", *args, "--model-version", V, stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def test_csv_read_back(test_model, towns, tmp_path):
    spec = tmp_path / "scenario.json"
    spec.write_text(
        json.dumps({"levels": LEVELS, "parameters": {"uurkosten_personeel": 60}, "start": "leeg"})
    )
    out = tmp_path / "kleindorp.csv"
    said = run("--municipality", "GM9001", "--scenario", str(spec), "--output", str(out))
    assert "292000.00" in said
    s = sections(out.read_text(encoding="utf-8"))
    totals = {row[0]: number(row[1]) for row in s["Totalen"][1:]}
    assert totals["totale kosten per jaar"] == D("300000.00")  # 68,000 + 180,000 + 16,000 + 36,000
    assert totals["netto: subsidie nodig per jaar"] == D("292000.00")
    assert totals["subsidie nodig per inwoner"] == D("36.50")
    header, *lines = s["Kosten en opbrengsten per jaar"]
    cost, income = header.index("kosten (€)"), header.index("opbrengst (€)")
    assert sum(number(r[cost]) for r in lines if r[cost]) == D("300000.00")
    assert sum(number(r[income]) for r in lines if r[income]) == D("8000.00")
    hours = next(r for r in lines if r[2] == "bemande uren")
    assert (number(hours[4]), hours[6]) == (
        D("3000.00"),
        "vestigingen × uren_per_week × weken_per_jaar",
    )
    params = {row[0]: row for row in s["Parameters"][1:]}
    assert (
        params["uurkosten_personeel"][6] == "ja, standaard 50"
        and number(params["uurkosten_personeel"][2]) == 60
    )
    assert params["prijs_boek"][6] == "" and params["prijs_boek"][7] == "testbron"
    assert s["Eenmalige rijksbijdragen (indicatie)"][1] == [
        "nieuwe vestigingen",
        "2",
        "400000",
        "800000,00",
        "200000,00",
    ]


def test_xlsx_read_back(test_model, towns, tmp_path):
    spec = tmp_path / "s.json"
    spec.write_text(json.dumps({"levels": LEVELS, "start": "leeg"}))
    out = tmp_path / "kleindorp.xlsx"
    run(
        "--municipality",
        "GM9001",
        "--scenario",
        str(spec),
        "--format",
        "xlsx",
        "--output",
        str(out),
    )
    book = load_workbook(out)
    assert {"Scenario", "Totalen", "Parameters", "Grootheden"} <= set(book.sheetnames)
    totals = {row[0]: row[1] for row in book["Totalen"].iter_rows(min_row=2, values_only=True)}
    assert totals["totale kosten per jaar"] == 264000
    assert totals["netto: subsidie nodig per jaar"] == 256000
    lines = list(book["Kosten en opbrengsten per jaar"].iter_rows(values_only=True))
    col = lines[0].index("kosten (€)")
    assert sum(r[col] for r in lines[1:] if r[col] is not None) == 264000
    sizes = {row[0]: row[2] for row in book["Grootheden"].iter_rows(min_row=2, values_only=True)}
    assert sizes["vestigingen_nodig"] == 3 and sizes["kernen_bushalte"] == 2


def test_budget_file_and_working_area(test_model, towns, tmp_path):
    spec = tmp_path / "budget.json"
    spec.write_text(json.dumps({"budget": "100000"}))
    out = tmp_path / "b.csv"
    said = run(
        "--organisation", "bibliotheek-kleindorp", "--scenario", str(spec), "--output", str(out)
    )
    assert "past niet binnen het budget: Vestigingen: iedereen binnen bereik" in said
    s = sections(out.read_text(encoding="utf-8"))
    totals = {row[0]: number(row[1]) for row in s["Totalen"][1:]}
    assert totals["netto: subsidie nodig per jaar"] == D("98000.00")
    steps = s["Budget"][1:]
    assert steps[0] == ["budget", "", "", "100000,00"]
    assert ["past niet", "Openingsuren", "40 uur", "148000,00"] in steps


def test_saved_scenario_and_stdout(test_model, towns, capsysbinary):
    area = services.resolve_area(["GM9001"])
    saved = services.save_scenario(name="Plan", area=area, levels=LEVELS, version=V, at=T0)
    # The scenario keeps its model version; --model-version is not needed.
    call_command("costmodel", "--saved", str(saved.pk), "--output", "-", stderr=io.StringIO())
    text = capsysbinary.readouterr().out.decode("utf-8")
    totals = {row[0]: number(row[1]) for row in sections(text)["Totalen"][1:]}
    assert totals["netto: subsidie nodig per jaar"] == D("256000.00")


@pytest.mark.parametrize(
    "content,message",
    [
        ({"levels": {"zwembad": "basis"}}, "levels.zwembad"),
        ({"levels": {"openingsuren": "basis"}, "parameters": {"uren_per_week_basis": -4}},
         "parameters.uren_per_week_basis: bemande uren basis mag niet negatief zijn (-4)"),
        ({"niveaus": {}}, "scenario.niveaus"),
        ("{", "geen geldige JSON"),
    ],
)  # fmt: skip
def test_bad_scenario_file(test_model, towns, tmp_path, content, message):
    spec = tmp_path / "bad.json"
    spec.write_text(content if isinstance(content, str) else json.dumps(content))
    out = tmp_path / "never.csv"
    with pytest.raises(CommandError) as err:
        run("--municipality", "GM9001", "--scenario", str(spec), "--output", str(out))
    assert message in str(err.value)
    assert not out.exists()


def test_unknown_municipality(test_model, towns, tmp_path):
    with pytest.raises(CommandError, match="municipality: Onbekende gemeente: GM0000"):
        run("--municipality", "GM0000", "--output", str(tmp_path / "x.csv"))
