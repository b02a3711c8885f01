"""Open data: the cockpit's own figures, suppressed as on the cockpit's pages; final periods
for anyone, provisional ones only with `stats:read` and for the app's own region."""

from datetime import datetime, time

import pytest
from django.test import Client
from django.utils import timezone

from clb.accounts.models import User
from clb.catalogue.models import Audience
from clb.cockpit import dashboard
from clb.cockpit.closing import close_period
from clb.cockpit.regions import Geography
from clb.cockpit.tables import cell, display
from clb.exchange.models import Scope
from clb.statistics import periods
from clb.statistics.models import ClosedPeriod
from tests import csvfiles
from tests.cockpit.helpers import record_many
from tests.exchange.api.conftest import Api, make_app
from tests.factories import make_item, make_patron

pytestmark = pytest.mark.django_db


@pytest.fixture
def last_half(world):
    """The half-year before this one, with 25 adult and 4 youth loans at Utrecht, closed."""
    ClosedPeriod.objects.all().delete()
    period = periods.half_year(timezone.localdate()).previous_half_years(2)[0]
    at = timezone.make_aware(datetime.combine(period.start, time(10)))
    patron = make_patron(world.net.org_a, at=at)
    adult, youth = make_item(world.net.a1), make_item(world.net.a1, audience=Audience.YOUTH)
    for n, item in ((25, adult), (4, youth)):
        record_many(
            n, "checkout", at=at, organisation=world.net.org_a, branch=world.net.a1, item=item,
            patron=patron,
        )  # fmt: skip
    close_period(period.code)
    return period


def every_figure(api, query) -> tuple[dict, list]:
    """The first page, and the items of every page (following the cursors)."""
    first = page = api.get("/opendata/indicators", query)
    assert first.status_code == 200, first.content
    items = []
    while True:
        items += page.json()["items"]
        if not page.json()["next_cursor"]:
            return first.json(), items
        page = api.get("/opendata/indicators", {**query, "cursor": page.json()["next_cursor"]})


def test_final_figures_are_the_cockpits_for_anyone(world, last_half):
    body, items = every_figure(Api(), {"region": "GM0344", "period": last_half.code, "limit": 60})
    assert body["final"] is True and body["region_name"] == "Utrecht"
    kb = User.objects.create_user(username="kb", role="cockpit", region_code="NL")
    geo = Geography()
    page = dashboard.build(kb, geo, geo.region("GM0344"), last_half)  # the cockpit's page
    cockpit = {(f.indicator.code, f.key): f for f in page.figures}
    assert len(items) == len(cockpit) == len({(i["indicator"], i["key"]) for i in items})
    for item in items:
        figure = cockpit[(item["indicator"], item["key"])]
        assert item["display"] == display(cell(figure)), item
        assert item["suppressed"] == figure.suppressed
        assert item["value"] == (None if figure.suppressed else figure.shown)
        assert item["caveats"] == list(figure.caveats)
    by_key = {(i["indicator"], i["key"]): i for i in items}
    assert by_key[("loans", "")]["value"] == 29
    youth = by_key[("loans_by_audience", "youth")]
    assert youth["suppressed"] and youth["value"] is None and youth["display"] == "< 10"
    # 29 minus the adults' loans would give the youth figure away: hidden as well
    assert by_key[("loans_by_audience", "adult")]["suppressed"]


def test_csv_is_the_cockpits_table_download(world, last_half):
    query = {"region": "GM0344", "period": last_half.code}
    ours = Api().get("/opendata/indicators", query, HTTP_ACCEPT="text/csv")
    assert ours.status_code == 200 and ours["Content-Type"].startswith("text/csv")
    assert ours.content == Api().get("/opendata/indicators", {**query, "format": "csv"}).content
    kb = User.objects.create_user(username="kb", password="x", role="cockpit", region_code="NL")
    page = Client()
    page.force_login(kb)
    theirs = page.get(
        "/cockpit/tabel/indicatoren.csv", {"regio": "GM0344", "periode": last_half.code}
    )
    assert theirs.status_code == 200
    assert ours.content.decode() == theirs.content.decode()
    assert any(
        row[1] == "loans_by_audience" and row[4] == "< 10" for row in csvfiles.rows(ours.content)
    )
    plain = Api().get("/opendata/indicators", {**query, "format": "csv", "csv": "komma"})
    assert (
        plain.content.decode()
        == page.get(
            "/cockpit/tabel/indicatoren.csv",
            {"regio": "GM0344", "periode": last_half.code, "csv": "komma"},
        ).content.decode()
    )
    assert plain.content.decode().startswith("sectie,code,")


def test_provisional_figures_need_stats_read_for_the_apps_own_region(world):
    ClosedPeriod.objects.all().delete()
    now = periods.half_year(timezone.localdate()).code
    query = {"period": now, "region": "ORG:bibliotheek-utrecht"}
    anonymous = Api().get("/opendata/indicators", query)
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "provisional_figures"
    own = Api(world.token_a).get("/opendata/indicators", query)
    assert own.status_code == 200 and own.json()["final"] is False
    others = Api(world.token_a).get("/opendata/indicators", {**query, "region": "GM0307"})
    assert others.status_code == 403 and others.json()["code"] == "region_not_allowed"
    _app, province = make_app(world.net.org_a, "Provincie-app", [Scope.STATS_READ],
                              region_code="PV26")  # fmt: skip
    assert (
        Api(province).get("/opendata/indicators", {**query, "region": "GM0307"}).status_code == 200
    )
    unknown = Api().get("/opendata/indicators", {"period": "2025-H3"})
    assert unknown.status_code == 400 and unknown.json()["field"] == "period"
    nowhere = Api().get("/opendata/indicators", {"period": "2025", "region": "GM9999"})
    assert nowhere.status_code == 404 and nowhere.json()["code"] == "region"


def test_periods_say_which_are_final(world, last_half):
    items = Api().get("/opendata/periods", {"limit": 100}).json()["items"]
    final = {p["code"]: p["final"] for p in items}
    assert final[last_half.code] is True
    assert final[periods.half_year(timezone.localdate()).code] is False
