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
