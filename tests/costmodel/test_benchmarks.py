"""Comparisons: municipalities of the same size class with the same choices, and the reach and use
the cockpit measured for the area and its size class."""

from datetime import date, timedelta
from decimal import Decimal

from clb.circulation import services as circulation
from clb.costmodel import benchmarks, services
from clb.network.models import Municipality, PostcodeArea
from tests.factories import T0, make_item, make_patron

D = Decimal


def test_peers_get_the_same_levels_with_their_own_size(test_model, towns):
    small, _large = towns
    twin = Municipality.objects.create(
        code="GM9003", name="Tweelingdorp", province=small.province, inhabitants=10000,
        inhabitants_0_17=2000, area_km2=20, reference_date=date(2024, 1, 1),
    )  # fmt: skip
    PostcodeArea.objects.create(pc4="9301", lat=53.0, lon=6.0, inhabitants=10000, municipality=twin)
    levels = {"vestigingen": "minimaal", "openingsuren": "basis", "collectie": "basis"}
    r = services.compute(
        services.resolve_area(["GM9001"]), levels, start="leeg", version="2099.1", at=T0
    )
    peers = benchmarks.peers(r, at=T0)
    # Grootstad (250,000) is in the other size class; the two small towns are compared.
    assert dict(peers.values) == {
        "Kleindorp": D("11.75"),  # (28,000 + 50,000 + 16,000) / 8,000
        # one branch: (200 + 100) m² × €100 + 50,000 h-costs + 10,000 items × 10% × €20
        "Tweelingdorp": D("10.00"),
    }
    assert peers.median == D("10.88") and peers.skipped == 0
    # A current level a peer cannot compute is skipped, not guessed: "one branch per
    # municipality, open as long as today" has no hours for Tweelingdorp, which has no branch.
    now = services.compute(
        services.resolve_area(["GM9001"]), {"vestigingen": "minimaal", "openingsuren": "huidig"},
        start="leeg", version="2099.1", at=T0,
    )  # fmt: skip
    compared = benchmarks.peers(now, at=T0)
    assert compared.skipped == 1 and [name for name, _v in compared.values] == ["Kleindorp"]


def test_cockpit_figures_for_the_area_and_its_size_class(net):
    last_year = T0 - timedelta(days=200)  # August 2025: the cockpit's last full year is 2025
    readers = [make_patron(net.org_a, postcode="3511 AB", at=last_year) for _ in range(2)]
    for i in range(12):
        item = make_item(net.a1)
        circulation.checkout(
            item_barcode=item.barcode, card_number=readers[i % 2].card_number, branch=net.a1,
            at=last_year,
        )  # fmt: skip
    r = services.compute(services.resolve_area(["GM0344"]), {"collectie": "basis"}, at=T0)
    result = benchmarks.cockpit(r, at=T0)
    assert result.unavailable == "" and result.period == "2025"
    rows = {row.indicator: row for row in result.rows}
    loans = rows["uitleningen"]
    # 12 loans in 2025 in Utrecht; Utrecht is alone in its size class in this network.
    assert round(loans.area_now) == 12 and round(loans.size_class) == 12
    assert loans.scenario == r.yields["uitleningen"].value
    branches = rows["vestigingen"]
    assert round(branches.area_now) == 2  # open vestigingen, scaled back from per inhabitant
    assert rows["ido_contacten"].area_now is None  # none registered: suppressed or no data


def test_peers_without_live_data_do_not_count_for_current_levels(test_model, towns):
    small, _large = towns
    Municipality.objects.create(
        code="GM9003", name="Nieuwdorp", province=small.province, inhabitants=9000,
        inhabitants_0_17=1800, reference_date=date(2024, 1, 1),
    )  # fmt: skip
    # "Branches as now" is computable for Nieuwdorp (none, so nothing), but CLB simply has no
    # data there: comparing with it would compare with an empty library.
    r = services.compute(
        services.resolve_area(["GM9001"]), {"vestigingen": "huidig", "collectie": "basis"},
        start="leeg", version="2099.1", at=T0,
    )  # fmt: skip
    compared = benchmarks.peers(r, at=T0)
    assert [name for name, _v in compared.values] == ["Kleindorp"] and compared.skipped == 1
    assert compared.median == r.net_per_inhabitant
