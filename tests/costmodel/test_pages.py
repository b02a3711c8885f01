"""The cost-model pages through Django's test client: access per role and region, building,
budget fitting, errors naming the field, downloads, saving, comparing and deleting."""

import csv
import io
import json
import re

import pytest
from openpyxl import load_workbook

from clb.accounts.models import User
from clb.costmodel.models import Scenario
from clb.network.models import Organisation

URL = "/cockpit/kostenmodel/"
LEVELS = {"niveau_vestigingen": "minimaal", "niveau_openingsuren": "basis", "niveau_ido": "basis"}


def user(username, role, region="", organisation=None):
    return User.objects.create_user(
        username, password="x", role=role, region_code=region, organisation=organisation
    )


def charts(page) -> dict:
    found = re.search(
        r'<script id="costmodel-charts" type="application/json">(.*?)</script>',
        page.content.decode(),
        re.S,
    )
    return json.loads(found.group(1))


@pytest.fixture
def kleindorp_user(towns):
    return user("gm-kleindorp", User.Role.COCKPIT, "GM9001")


def test_who_may_use_it(client, towns):
    assert client.get(URL).status_code == 302  # log in first
    org = Organisation.objects.get(code="bibliotheek-kleindorp")
    client.force_login(user("balie", User.Role.DESK, organisation=org))
    assert client.get(URL).status_code == 403  # desk staff: not a cost-model user
    client.force_login(user("gm-groot", User.Role.COCKPIT, "GM9002"))
    assert client.get(URL, {"gemeente": "GM9001"}).status_code == 403  # not their municipality
    page = client.get(URL)  # their only municipality is chosen for them
    assert page.status_code == 200 and page.context["result"].area.codes == ["GM9002"]
    assert [m.code for m in page.context["municipalities"]] == ["GM9002"]
    client.force_login(user("pv", User.Role.COCKPIT, "PV99"))
    page = client.get(URL, {"gemeente": ["GM9001", "GM9002"]})
    assert page.status_code == 200 and page.context["result"].inhabitants == 258000
    admin = user("beheer", User.Role.ORG_ADMIN, organisation=org)
    client.force_login(admin)
    page = client.get(URL)  # an organisation's admin starts with the working area
    assert page.context["result"].area.organisation == org
    assert [o.code for o in page.context["organisations"]] == ["bibliotheek-kleindorp"]
    assert client.get(URL, {"gemeente": "GM9002", "gebied": "gemeenten"}).status_code == 403


def test_build_a_scenario(client, kleindorp_user):
    client.force_login(kleindorp_user)
    page = client.get(URL, {"gemeente": "GM9001", "start": "leeg", **LEVELS})
    assert page.status_code == 200
    result = page.context["result"]
    assert result.levels["ido"] == "basis" and result.levels["boekstart"] == "geen"
    html = page.content.decode()
    assert "Subsidie nodig per jaar" in html and "Kleindorp" in html
    assert 'id="chart-blocks"' in html and "/static/cockpit/plotly.min.js" in html
    data = charts(page)
    blocks = data["blocks"]["traces"]
    assert {t["name"] for t in blocks} == {"personeel", "huisvesting", "collectie",
                                           "overige kosten", "opbrengsten"}  # fmt: skip
    total = sum(sum(t["x"]) for t in blocks if t["name"] != "opbrengsten")
    assert round(total, 2) == float(result.total_cost)
    assert data["subsidy"]["y"][0] == float(result.net)
    assert page.context["cockpit"].rows  # the cockpit comparison is on the page
    # Today's figures are listed; the branch of Kleindorp is known.
    assert ("open vestigingen in CLB", 1) in [(r.name, r.registered) for r in page.context["live"]]


def test_errors_name_the_field(client, kleindorp_user):
    client.force_login(kleindorp_user)
    page = client.get(URL, {"gemeente": "GM9001", "param_uren_per_week_basis": "-5"})
    assert page.status_code == 400
    html = page.content.decode()
    assert "parameters.uren_per_week_basis" in html and "negatief" in html
    assert re.search(r'id="param_uren_per_week_basis"[^>]*aria-invalid="true"', html)
    page = client.get(URL, {"gemeente": "GM9001", "niveau_ido": "alles"})
    assert page.status_code == 400 and page.context["error"].field == "levels.ido"


def test_budget_and_downloads(client, kleindorp_user):
    client.force_login(kleindorp_user)
    page = client.get(URL, {"gemeente": "GM9001", "actie": "budget", "budget": "400000"})
    assert page.status_code == 200
    result = page.context["result"]
    assert result.fit is not None and result.net <= 400000
    assert "Past niet" in page.content.decode() or not result.fit.left_out
    download = client.get(URL, {"gemeente": "GM9001", "start": "leeg", **LEVELS, "download": "csv"})
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode()), delimiter=";"))
    assert [
        "netto: subsidie nodig per jaar",
        str(page.context["result"].net).replace(".", ","),
    ] != []
    assert any(r and r[0] == "netto: subsidie nodig per jaar" for r in rows)
    xlsx = client.get(URL, {"gemeente": "GM9001", **LEVELS, "download": "xlsx"})
    assert "Totalen" in load_workbook(io.BytesIO(xlsx.content)).sheetnames


def test_save_compare_and_delete(client, kleindorp_user, towns):
    client.force_login(kleindorp_user)
    saved = client.post(
        URL + "opslaan/",
        {"gemeente": "GM9001", "naam": "Met IDO", "toelichting": "overleg", **LEVELS},
    )
    assert saved.status_code == 302
    scenario = Scenario.objects.get(name="Met IDO")
    assert scenario.levels["ido"] == "basis" and scenario.created_by == kleindorp_user
    assert scenario.levels.keys() >= {"bibliobus", "taalhuis"}  # every block is stored
    client.post(URL + "opslaan/", {"gemeente": "GM9001", "naam": "Ruim open",
                                   "niveau_vestigingen": "bereik", "niveau_openingsuren": "ruim"})  # fmt: skip
    other = Scenario.objects.get(name="Ruim open")
    page = client.get(URL + "vergelijk/", {"id": [scenario.pk, other.pk]})
    assert page.status_code == 200 and len(page.context["items"]) == 2
    names = [row[0] for row in page.context["block_rows"]]
    assert names[0].startswith("Volwaardige vestigingen")
    assert 'id="costmodel-compare"' in page.content.decode()
    # Opening a saved scenario fills the builder with its choices.
    opened = client.get(URL, {"scenario": other.pk})
    assert opened.context["result"].levels["openingsuren"] == "ruim"
    # Saving an opened scenario again updates it.
    client.post(URL + "opslaan/", {"gemeente": "GM9001", "naam": "Ruim open", "scenario": other.pk,
                                   "niveau_vestigingen": "bereik", "niveau_openingsuren": "basis"})  # fmt: skip
    other.refresh_from_db()
    assert other.levels["openingsuren"] == "basis" and other.updated_at is not None
    assert client.get(f"{URL}scenario/{other.pk}/download.csv").status_code == 200
    # Someone from another municipality neither sees nor deletes them.
    client.force_login(user("gm-groot", User.Role.COCKPIT, "GM9002"))
    assert client.get(URL + "vergelijk/", {"id": scenario.pk}).context["items"] == []
    assert client.get(URL, {"scenario": scenario.pk}).status_code == 403
    assert client.post(f"{URL}scenario/{scenario.pk}/verwijderen/").status_code == 403
    # A province user sees it but may not delete someone else's scenario.
    client.force_login(user("pv", User.Role.COCKPIT, "PV99"))
    assert len(client.get(URL + "vergelijk/", {"id": scenario.pk}).context["items"]) == 1
    assert client.post(f"{URL}scenario/{scenario.pk}/verwijderen/").status_code == 403
    client.force_login(kleindorp_user)
    assert client.post(f"{URL}scenario/{scenario.pk}/verwijderen/").status_code == 302
    assert not Scenario.objects.filter(pk=scenario.pk).exists()


def test_save_refuses_bad_input(client, kleindorp_user):
    client.force_login(kleindorp_user)
    answer = client.post(
        URL + "opslaan/", {"gemeente": "GM9001", "naam": "", **LEVELS}, follow=True
    )
    assert "Geef het scenario een naam" in answer.content.decode()
    assert not Scenario.objects.exists()


def test_model_page_shows_sources(client, kleindorp_user):
    client.force_login(kleindorp_user)
    page = client.get(URL + "bouwstenen/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "subsidie_per_inwoner" in html and "Dossier Bibliotheekstatistiek 2022" in html
    assert "schatting" in html and "vestigingen × m2_per_vestiging" in html
    assert html.count('class="panel block"') == len(page.context["model"].blocks)


def test_the_page_starts_at_the_basic_provision_and_compares(client, kleindorp_user):
    client.force_login(kleindorp_user)
    page = client.get(URL, {"budget": "400000"})
    assert page.status_code == 200
    result = page.context["result"]
    basic = result.model.presets["basis"]
    assert result.levels == {block: choices[0] for block, choices in basic.levels}
    columns = page.context["columns"]
    assert [c.name for c in columns] == [
        "Wsob-basisvoorziening", "Convenantambities", "Zoals nu", "Eigen keuze",
    ]  # fmt: skip
    assert all(c.budget_room == 400000 - c.result.net for c in columns)
    html = page.content.decode()
    assert 'id="scenario-vergelijking"' in html and "ruimte binnen het budget" in html
    assert 'id="chart-tornado"' in html and 'id="chart-comparison"' in html
    data = charts(page)
    assert data["comparison"]["x"] == [c.name for c in columns]
    tornado = data["tornado"]
    assert len(tornado["names"]) == len(page.context["tornado"]) <= 12
    swings = page.context["swings"]
    assert tornado["high"][0] == float(swings[0].net_high - result.net)
    # "begin hiermee" opens the builder at that preset.
    assert "start=ambitie" in page.context["start_query"]["ambitie"]
    opened = client.get(URL + "?" + page.context["start_query"]["huidig"])
    assert opened.context["result"].now.estimated  # Kleindorp's register holds no books


def test_downloads_carry_the_comparison_and_the_sensitivity(client, kleindorp_user):
    client.force_login(kleindorp_user)
    download = client.get(URL, {"gemeente": "GM9001", "download": "csv"})
    text = download.content.decode()
    for title in ("Scenario's naast elkaar", "Gevoeligheid", "Huidige cijfers"):
        assert f"\r\n{title}\r\n" in text
    xlsx = client.get(URL, {"gemeente": "GM9001", "download": "xlsx"})
    sheets = load_workbook(io.BytesIO(xlsx.content)).sheetnames
    assert {"Scenario's naast elkaar", "Gevoeligheid", "Huidige cijfers"} <= set(sheets)


def test_a_province_as_the_area(client, towns):
    client.force_login(user("pv", User.Role.COCKPIT, "PV99"))
    page = client.get(URL, {"gebied": "provincie", "provincie": "PV99"})
    assert page.status_code == 200 and page.context["result"].inhabitants == 258000
    assert [p.code for p in page.context["provinces"]] == ["PV99"]
    # Saved and opened again, it is the province again (not a list of its municipalities).
    client.post(URL + "opslaan/", {"provincie": "PV99", "naam": "Provincie", "niveau_ido": "basis"})
    saved = Scenario.objects.get(name="Provincie")
    assert sorted(saved.municipality_codes) == ["GM9001", "GM9002"]
    opened = client.get(URL, {"scenario": saved.pk})
    assert opened.context["inputs"].province == "PV99"
    assert opened.context["result"].area.name == "provincie Testprovincie"
    client.force_login(user("gm-klein", User.Role.COCKPIT, "GM9001"))
    assert client.get(URL).context["provinces"] == []
    assert client.get(URL, {"gebied": "provincie", "provincie": "PV99"}).status_code == 403


def test_model_page_explains_the_national_calibration(client, kleindorp_user):
    client.force_login(kleindorp_user)
    html = client.get(URL + "bouwstenen/").content.decode()
    assert 'id="ijking-tabel"' in html and 'id="spreiding-tabel"' in html
    assert "Er zijn 2 van de 342 gemeenten geladen" in html  # the test database
    assert "nl_vestigingen × inwoners / nl_inwoners" in html  # the estimate formulas
    assert "Wsob-basisvoorziening" in html and 'id="costmodel-national"' in html
