"""The cost model on the real reference data, where the branch register holds 78 of the
country's ~1,209 library locations: a "now" level CLB cannot know is refused or left out and
flagged, the register's completeness is stated, and a negative subsidy is never given as an
answer. `clb costmodel --municipality GM0363` once gave "subsidie nodig € -1.198.580"."""

import io

import pytest
from django.core.management import call_command

from clb.accounts.models import User
from clb.costmodel import services

from .test_cli import sections


@pytest.fixture
def country(db):
    call_command("load_reference", stdout=io.StringIO())


def test_cli_with_defaults_for_amsterdam_gives_no_negative_subsidy(country, capsysbinary):
    stderr = io.StringIO()
    call_command("costmodel", "--municipality", "GM0363", "--output", "-", stderr=stderr)
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
    assert "subsidie nodig niet te bepalen" in err and "€ -" not in err


def test_a_chosen_now_level_on_an_incomplete_register_is_refused(country):
    area = services.resolve_area(["GM0363"])
    with pytest.raises(services.CostModelError) as err:
        services.compute(area, {"vestigingen": "huidig"})
    assert err.value.field == "levels.vestigingen"
    assert "onbekend in CLB" in str(err.value)
    # Today's levels start where CLB knows nothing at the floor, and say why.
    default = services.compute(area)
    assert default.levels["vestigingen"] == "geen" and default.values["vestigingen_nu"] is None
    assert not default.register.complete and default.register.loaded == 0
    # A scenario with a library is an answer.
    answer = services.compute(
        area, {"vestigingen": "bereik", "openingsuren": "basis", "collectie": "basis"}
    )
    assert answer.net_is_answer and answer.net > 0 and answer.one_off == []


def test_the_page_says_it_too(country, client):
    client.force_login(
        User.objects.create_user("kb", password="x", role="cockpit", region_code="NL")
    )
    html = client.get("/cockpit/kostenmodel/", {"gemeente": "GM0363"}).content.decode()
    assert "Vestigingenregister Amsterdam: 0 van naar schatting 63" in html
    assert 'id="geen-antwoord"' in html and "niet te bepalen" in html
    assert "€ -" not in html and "€ −" not in html
