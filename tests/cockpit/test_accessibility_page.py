"""The accessibility page: cockpit users only, limited to their region, aggregates only."""

import json
import re

import pytest
from django.test import Client
from django.urls import include, path

import clb.urls
from clb.accounts.models import User
from clb.cockpit import urls_accessibility
from tests import csvfiles

from .test_accessibility import DAY, build_world

# The page as the lead mounts it under /cockpit/, ahead of the rest of the site.
urlpatterns = [path("cockpit/", include(urls_accessibility)), *clb.urls.urlpatterns]
pytestmark = pytest.mark.urls(__name__)
URL = "/cockpit/bereikbaarheid/"
ON_DAY = {"peildatum": DAY.isoformat()}


@pytest.fixture
def world(db):
    return build_world()


def client_for(role="cockpit", region="NL", superuser=False, organisation=None):
    user = User.objects.create_user(
        username=f"u-{role}-{region}",
        password="geheim-wachtwoord",
        role=role,
        region_code=region,
        is_superuser=superuser,
        organisation=organisation,
    )
    client = Client()
    client.force_login(user)
    return client


def _map_spec(html):
    found = re.search(
        r'<script id="spec-accessibility-map" type="application/json">(.*?)</script>', html, re.S
    )
    return json.loads(found.group(1))


def test_anonymous_users_are_sent_to_log_in(world):
    response = Client().get(URL, ON_DAY)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_desk_staff_may_not(world):
    assert client_for(role="desk", region="").get(URL, ON_DAY).status_code == 403


def test_a_superuser_and_a_national_administrator_may(world):
    assert client_for(role="desk", region="", superuser=True).get(URL, ON_DAY).status_code == 200
    assert client_for(role="national_admin", region="").get(URL, ON_DAY).status_code == 200


def test_a_national_cockpit_user_sees_every_municipality_and_the_map(world):
    response = client_for().get(URL, {**ON_DAY, "max_km": "5"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "hemelsbrede afstand" in html and "over de weg" in html
    for name in ("Aadorp", "Bedum", "Cadier"):
        assert name in html
    assert "75,0" in html  # Aadorp's share beyond 5 km from a vestiging, Dutch decimals
    # which branches are real and which demo
    assert "1 uit echte gegevens, 1 demodata" in html
    assert "test: echte lijst" in html
    assert "1 × servicepunt: telt als bibliotheeklocatie, niet als vestiging" in html
    assert "Cadier heeft geen postcodegebied met inwoners" in html
    spec = _map_spec(html)
    choropleth = spec["data"][0]
    assert choropleth["type"] == "choropleth"
    assert dict(zip(choropleth["locations"], choropleth["z"], strict=True)) == {
        "GM0001": 75.0,
        "GM0002": 100.0,
        "GM0003": 100.0,
    }
    assert 'src="/static/cockpit/plotly.min.js"' in html
    # cockpit.js hands plotly its (empty) world base map; test_map_browser.py checks in a real
    # browser that nothing is requested from a CDN
    assert 'src="/static/cockpit/cockpit.js"' in html and "cdn." not in html


def test_the_map_can_show_any_library_location(world):
    html = client_for().get(URL, {**ON_DAY, "kaart": "locatie"}).content.decode()
    z = dict(zip(*(_map_spec(html)["data"][0][k] for k in ("locations", "z")), strict=True))
    assert z["GM0001"] == 0.0


def test_a_municipality_user_sees_their_municipality_only(world):
    client = client_for(region="GM0002")
    html = client.get(URL, ON_DAY).content.decode()
    assert "Bedum" in html and "Aadorp" not in html
    assert client.get(URL, {**ON_DAY, "regio": "GM0001"}).status_code == 403
    assert client.get(URL, {**ON_DAY, "regio": "NL"}).status_code == 403


def test_what_if_shows_the_change_per_municipality(world):
    html = (
        client_for()
        .get(URL, {**ON_DAY, "punt": "158000 451000", "soort": "vestiging"})
        .content.decode()
    )
    changes = html[html.index('id="h-changes"') : html.index('id="h-over"')]
    assert "Aadorp" in changes and "Bedum" not in changes and "Cadier" not in changes
    assert "75,0 → 0,0" in changes
    spec = _map_spec(html)
    assert dict(zip(spec["data"][0]["locations"], spec["data"][0]["z"], strict=True)) == {
        "GM0001": -75.0,
        "GM0002": 0,
        "GM0003": 0,
    }
    assert any(trace.get("marker", {}).get("symbol") == "star" for trace in spec["data"])


def test_bad_what_if_input_is_explained_on_the_page(world):
    response = client_for().get(
        URL, {**ON_DAY, "sluiten": "nope", "punt": "Parijs", "max_km": "500"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "geen punt" in html
    assert 'id="err-max_km"' in html
    assert 'value="5"' in html.split('name="max_km"')[1].split(">")[0]  # back to the default
    response = client_for(region="PV26").get(URL, {**ON_DAY, "sluiten": "nope"})
    assert "Vestiging &#x27;nope&#x27; bestaat niet." in response.content.decode()


def test_csv_download_of_the_region(world):
    response = client_for().get(URL, {**ON_DAY, "formaat": "csv", "sluiten": "v"})
    assert response["Content-Type"].startswith("text/csv")
    rows = {r["gemeentecode"]: r for r in csvfiles.dicts(response.content)}
    assert set(rows) == {"GM0001", "GM0002", "GM0003"}
    assert rows["GM0001"]["pct_verder_dan_max_van_locatie"] == "25,0"
    assert csvfiles.number(rows["GM0001"]["verschil_pct_vestiging"]) == pytest.approx(25.0)


def test_the_page_works_before_any_reference_data_is_loaded(db):
    response = client_for(role="national_admin", region="").get(URL)
    assert response.status_code == 200
    assert "geen open vestiging" in response.content.decode()
