"""The cost model on the real reference data, where the branch register holds 78 of the
country's ~1,209 library locations: a "now" level CLB cannot know is refused or left out and
flagged, the register's completeness is stated, and a negative subsidy is never given as an
answer. `clb costmodel --municipality GM0363` once gave "subsidie nodig € -1.198.580".

Since issue 21 today's figures of an area with an incomplete register are estimated from the
national ones (test_now_source.py) unless the register is asked for (`now="clb"`, `--now clb`):
what these tests check is then what CLB itself can know. A negative subsidy needs own income
above the cost, here by an override of the own income per inhabitant."""

import io
import json

import pytest
from django.core.management import call_command

from clb.accounts.models import User
from clb.costmodel import services

from .test_cli import sections

RICH = {"eigen_inkomsten_per_inwoner": 60}  # € 56 M of own income for Amsterdam


@pytest.fixture
def country(db):
    call_command("load_reference", stdout=io.StringIO())


def test_cli_never_prints_a_negative_subsidy(country, capsysbinary, tmp_path):
    spec = tmp_path / "rijk.json"
    spec.write_text(json.dumps({"start": "huidig", "parameters": RICH}), encoding="utf-8")
    stderr = io.StringIO()
    call_command(
        "costmodel", "--municipality", "GM0363", "--now", "clb", "--scenario", str(spec),
        "--output", "-", stderr=stderr,
    )  # fmt: skip
    text, err = capsysbinary.readouterr().out.decode(), stderr.getvalue()
    totals = {row[0]: row[1] for row in sections(text)["Totalen"][1:]}
    assert totals["netto: subsidie nodig per jaar"] == "niet te bepalen"
    assert totals["subsidie nodig per inwoner"] == "niet te bepalen"
    assert totals["verschil: subsidie nodig min huidige subsidie"] == "niet te bepalen"
    assert not [v for v in totals.values() if v.startswith("-")]
    remarks = [row[0] for row in sections(text)["Kanttekeningen"][1:]]
    assert remarks[0].startswith("Vestigingenregister Amsterdam: 0 van naar schatting 63")
    assert any(r.startswith("Niet te bepalen: de gekozen niveaus kosten") for r in remarks)
    assert any("'zoals nu' zijn onbekend voor Amsterdam" in r for r in remarks)
    assert "Gevoeligheid" not in sections(text)  # no sensitivity of a figure that is no answer
    assert "subsidie nodig niet te bepalen" in err and "€ -" not in err


def test_the_default_for_amsterdam_is_an_answer_resting_on_estimates(country, capsysbinary):
    stderr = io.StringIO()
    call_command("costmodel", "--municipality", "GM0363", "--output", "-", stderr=stderr)
    text = capsysbinary.readouterr().out.decode()
    totals = {row[0]: row[1] for row in sections(text)["Totalen"][1:]}
    assert float(totals["netto: subsidie nodig per jaar"].replace(",", ".")) > 0
    remarks = [row[0] for row in sections(text)["Kanttekeningen"][1:]]
    assert remarks[0].startswith("Vestigingenregister Amsterdam: 0 van naar schatting 63")
    assert any("geschat uit landelijke cijfers" in r for r in remarks)
    # The register's gaps are not said to leave today's figures unknown: the estimate is used.
    assert not any("'zoals nu' zijn onbekend" in r for r in remarks)
    assert any("kernen buiten bereik van een bibliotheek" in r for r in remarks)


def test_a_chosen_now_level_on_an_incomplete_register_is_refused(country):
    area = services.resolve_area(["GM0363"])
    with pytest.raises(services.CostModelError) as err:
        services.compute(area, {"vestigingen": "huidig"}, now="clb")
    assert err.value.field == "levels.vestigingen"
    assert "onbekend in CLB" in str(err.value)
    # Today's levels from the register alone fall back where CLB knows nothing, and say why.
    today = services.compute(area, start="huidig", now="clb")
    assert today.levels["vestigingen"] == "minimaal" and today.values["vestigingen_nu"] is None
    assert not today.register.complete and today.register.loaded == 0
    assert today.one_off == [] and any(
        "Eenmalige rijksbijdragen: niet te" in n for n in today.notes
    )
    # Without asking for the register, the same choice rests on the national estimate.
    estimated = services.compute(area, {"vestigingen": "huidig"})
    assert estimated.now.estimated and estimated.levels["vestigingen"] == "huidig"
    # A scenario with a library is an answer.
    answer = services.compute(
        area, {"vestigingen": "bereik", "openingsuren": "basis", "collectie": "basis"}, now="clb"
    )
    assert answer.net_is_answer and answer.net > 0 and answer.one_off == []


def test_the_page_says_it_too(country, client):
    client.force_login(
        User.objects.create_user("kb", password="x", role="cockpit", region_code="NL")
    )
    query = {"gemeente": "GM0363", **{f"param_{k}": v for k, v in RICH.items()}}
    html = client.get("/cockpit/kostenmodel/", query).content.decode()
    assert "Vestigingenregister Amsterdam: 0 van naar schatting 63" in html
    assert 'id="geen-antwoord"' in html and "niet te bepalen" in html
    assert "€ -" not in html and "€ −" not in html
    assert 'id="chart-tornado"' not in html
