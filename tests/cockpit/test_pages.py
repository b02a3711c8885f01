"""The cockpit pages: each user sees their own region only; every table downloads as CSV."""

import re
from datetime import date

import pytest
from django.test import Client

from clb.accounts.models import User
from clb.cockpit import closing
from clb.members.services import take_member_snapshot
from clb.network.models import Municipality
from clb.services import services as registration
from tests import csvfiles
from tests.factories import T0, make_item, make_patron

from .helpers import record_many


def login(role="cockpit", region="", organisation=None, username=None):
    user = User.objects.create_user(
        username=username or f"u-{role}-{region or 'org'}",
        password="geheim-wachtwoord",
        role=role,
        region_code=region,
        organisation=organisation,
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def busy(net):
    """Enough activity in Utrecht (GM0344) that its figures show, a little in Amersfoort."""
    patron = make_patron(net.org_a, at=T0)
    item = make_item(net.a1)
    record_many(25, "checkout", at=T0, organisation=net.org_a, branch=net.a1, item=item,
                patron=patron)  # fmt: skip
    record_many(17, "checkout", at=T0, organisation=net.org_b, branch=net.b1,
                item=make_item(net.b1), patron=patron)  # fmt: skip
    for _ in range(12):
        registration.register_quick_contact("12", branch=net.a1, at=T0)
    take_member_snapshot(on=date(2026, 3, 1))
    return net


def _rows(response):
    text = b"".join(response.streaming_content) if response.streaming else response.content
    return csvfiles.rows(text)


def test_a_municipality_user_sees_only_their_municipality(busy, settings):
    client = login(region="GM0344")
    page = client.get("/cockpit/", {"periode": "2026-H1"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Utrecht" in html and "Amersfoort" not in html
    # not another municipality, not the province, not an organisation — page or CSV
    for region in ("GM0307", "PV26", "NL", "ORG:bibliotheek-eemland"):
        assert client.get("/cockpit/", {"regio": region}).status_code == 403
        assert client.get("/cockpit/tabel/indicatoren.csv", {"regio": region}).status_code == 403
        assert (
            client.get("/cockpit/rapport/", {"regio": region, "formaat": "csv"}).status_code == 403
        )
    # its own table downloads, with its own figures
    rows = _rows(
        client.get("/cockpit/tabel/indicatoren.csv", {"regio": "GM0344", "periode": "2026-H1"})
    )
    loans = next(r for r in rows if r[1] == "loans")
    assert loans[4] == "25"
    # the map holds Utrecht only
    map_rows = _rows(
        client.get("/cockpit/tabel/kaart.csv", {"regio": "GM0344", "periode": "2026-H1"})
    )
    assert [r[1] for r in map_rows[1:]] == ["GM0344"]


def test_a_province_user_drills_down_to_its_municipalities(busy):
    client = login(region="PV26")
    page = client.get("/cockpit/", {"periode": "2026-H1"}).content.decode()
    assert "?regio=GM0307&amp;periode=2026-H1" in page or "?regio=GM0307&periode=2026-H1" in page
    parts = _rows(client.get("/cockpit/tabel/delen.csv", {"regio": "PV26", "periode": "2026-H1"}))
    by_code = {r[1]: r for r in parts[1:]}
    assert set(by_code) == {"GM0344", "GM0307"}
    loans_column = parts[0].index(next(h for h in parts[0] if h.startswith("Uitleningen (")))
    assert by_code["GM0344"][loans_column] == "25"
    assert by_code["GM0307"][loans_column] == "17"
    assert client.get("/cockpit/", {"regio": "GM0307"}).status_code == 200
    assert client.get("/cockpit/", {"regio": "NL"}).status_code == 403


def test_organisation_staff_see_their_organisation(busy):
    client = login(role="desk", organisation=busy.org_b)
    page = client.get("/cockpit/", {"periode": "2026-H1"})
    assert page.status_code == 200 and "Bibliotheek Eemland" in page.content.decode()
    assert client.get("/cockpit/", {"regio": "ORG:bibliotheek-utrecht"}).status_code == 403
    assert client.get("/cockpit/", {"regio": "GM0307"}).status_code == 403
    rows = _rows(client.get("/cockpit/tabel/indicatoren.csv", {"periode": "2026-H1"}))
    assert next(r for r in rows if r[1] == "loans")[4] == "17"


def test_suppressed_figures_stay_hidden_in_every_table(busy):
    # Amersfoort had 0 IDO contacts, 1 member (suppressed); no table may show the count
    client = login(region="NL", username="kb")
    for name in ("indicatoren", "delen", "kaart", "trend"):
        rows = _rows(
            client.get(f"/cockpit/tabel/{name}.csv", {"regio": "PV26", "periode": "2026-H1"})
        )
        assert rows, name
    ido = _rows(
        client.get("/cockpit/tabel/indicatoren.csv", {"regio": "GM0307", "periode": "2026-H1"})
    )
    members = next(r for r in ido if r[1] == "members")
    assert members[4] == "< 10"


def test_users_without_a_region_or_organisation_are_refused(net):
    client = login(role="desk", username="nobody")
    assert client.get("/cockpit/").status_code == 403
    assert Client().get("/cockpit/").status_code == 302  # to the login page


def test_dashboard_shows_charts_map_and_status(busy):
    client = login(region="NL", username="kb")
    html = client.get("/cockpit/", {"regio": "PV26", "periode": "2026-H1"}).content.decode()
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert "/static/cockpit/plotly.min.js" in scripts
    assert all(src.startswith("/static/") for src in scripts)  # no CDN
    assert 'data-map="spec-map"' in html and "choropleth" in html
    assert "voorlopig" in html
    geo = client.get("/cockpit/gemeenten.geojson")
    assert geo.status_code == 200 and b'"FeatureCollection"' in geo.content[:200]


def test_plotly_is_served_by_clb_itself(busy):
    from django.contrib.staticfiles import finders

    path = finders.find("cockpit/plotly.min.js")
    with open(path, "rb") as fh:
        assert fh.read(200).startswith(b"/**\n* plotly.js")


def test_size_class_comparison_needs_at_least_three_peers(busy):
    for i in range(3):
        Municipality.objects.create(
            code=f"GM99{i:02d}", name=f"Stad {i}", province=busy.province, inhabitants=300000 + i,
            reference_date=date(2024, 1, 1),
        )  # fmt: skip
    client = login(region="GM0344")
    rows = _rows(client.get("/cockpit/tabel/vergelijking.csv", {"periode": "2026-H1"}))
    assert rows[0][2] == "Utrecht"
    # Amersfoort (160 000) has no peers of its size: no comparison table at all
    amf = login(region="GM0307")
    assert amf.get("/cockpit/tabel/vergelijking.csv", {"periode": "2026-H1"}).status_code == 404


def test_closing_periods_is_for_the_kb(busy, settings):
    kb = login(region="NL", username="kb")
    assert kb.get("/cockpit/perioden/").status_code == 200
    response = kb.post("/cockpit/perioden/sluiten/", {"periode": "2025-H2"})
    assert response.status_code == 302
    from clb.statistics.models import ClosedPeriod

    assert ClosedPeriod.objects.filter(code="2025-H2").exists()
    province = login(region="PV26")
    assert province.get("/cockpit/perioden/").status_code == 403
    assert province.post("/cockpit/perioden/sluiten/", {"periode": "2025-H1"}).status_code == 403


def test_final_figures_are_labelled_final(busy):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    closing.close_period(
        "2026-H1", at=datetime(2026, 7, 1, 12, tzinfo=ZoneInfo("Europe/Amsterdam"))
    )
    client = login(region="GM0344")
    rows = _rows(client.get("/cockpit/tabel/indicatoren.csv", {"periode": "2026-H1"}))
    assert {r[7] for r in rows[1:]} == {"definitief"}


def test_dashboard_breakdowns_summed_in_sql_equal_the_general_path(busy):
    """The dashboard fetches breakdowns summed over its region; the report per municipality."""
    from clb.cockpit import dashboard
    from clb.cockpit.engine import Cockpit
    from clb.cockpit.regions import Geography
    from clb.statistics.periods import parse

    registration.save_activity(
        organisation=busy.org_b, programme="digisterker", starts_on=date(2026, 2, 3),
        branch=busy.b1, participants={"senioren": 12, "volwassenen": 3}, at=T0,
    )  # fmt: skip
    kb = User.objects.create_user(username="kb2", role="cockpit", region_code="NL")
    geo = Geography()
    period = parse("2026-H1")
    for code in ("NL", "PV26", "GM0344", "GM0307", "ORG:bibliotheek-eemland"):
        region = geo.region(code)
        board = dashboard.build(kb, geo, region, period, at=T0)
        general = Cockpit([region], [period], geo=geo, at=T0).figures(region, period)
        assert [(f.indicator.code, f.key, f.value, f.suppressed) for f in board.figures] == [
            (f.indicator.code, f.key, f.value, f.suppressed) for f in general
        ], code
