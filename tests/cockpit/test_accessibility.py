"""Accessibility against distances worked out by hand.

The little world below is laid out in RD New metres, so every distance is plain Pythagoras; the
points are stored as WGS84, converted with pyproj's own inverse transformation (independent of
the code under test, which goes the other way)."""

import csv
import math
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from pyproj import Transformer

from clb.cockpit import accessibility as acc
from clb.network.models import Branch, Municipality, Organisation, PostcodeArea, Province
from clb.network.reference import DATA
from tests import csvfiles

_from_rd = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)


def latlon(x, y):
    lon, lat = _from_rd.transform(x, y)
    return lat, lon


# Two branches, 10 km apart on an east–west line.
V = (150_000, 450_000)  # vestiging
S = (160_000, 450_000)  # servicepunt
# PC4 points: P1 3 km north of V; P2 8 km east of V (2 km west of S); P3 6 km south of V.
P1, P2, P3 = (150_000, 453_000), (158_000, 450_000), (150_000, 444_000)
# Municipality C has no PC4 point; its centroid is 7 km north of V.
C_CENTROID = (150_000, 457_000)
DAY = date(2026, 3, 2)


def _municipality(code, name, inhabitants, province, centroid=None):
    lat, lon = latlon(*centroid) if centroid else (None, None)
    return Municipality.objects.create(
        code=code,
        name=name,
        province=province,
        inhabitants=inhabitants,
        reference_date=date(2024, 1, 1),
        centroid_lat=lat,
        centroid_lon=lon,
    )


def _pc4(pc4, point, inhabitants, municipality):
    lat, lon = latlon(*point)
    return PostcodeArea.objects.create(
        pc4=pc4, inhabitants=inhabitants, lat=lat, lon=lon, municipality=municipality
    )


def _branch(code, point, kind, organisation, **extra):
    lat, lon = latlon(*point) if point else (None, None)
    return Branch.objects.create(
        organisation=organisation, code=code, name=code.upper(), kind=kind, lat=lat, lon=lon,
        **extra,
    )  # fmt: skip


def build_world():
    province = Province.objects.create(code="PV26", name="Utrecht")
    a = _municipality("GM0001", "Aadorp", 8000, province, centroid=(154_000, 451_000))
    b = _municipality("GM0002", "Bedum", 1000, province, centroid=(150_000, 444_000))
    c = _municipality("GM0003", "Cadier", 2000, province, centroid=C_CENTROID)
    # The PC4 counts are older and lower than CBS's totals: A's 4,000 become 8,000 (× 2), B's
    # 500 become 1,000.
    _pc4("1001", P1, 1000, a)
    _pc4("1002", P2, 3000, a)
    _pc4("1003", P3, 500, b)
    _pc4("1004", (151_000, 452_000), 0, a)  # nobody lives here: adds nothing
    _pc4("9999", (140_000, 440_000), 700, None)  # not assigned: reported, not counted
    org = Organisation.objects.create(code="bieb", name="Bieb")
    _branch("v", V, "vestiging", org, source="test: echte lijst")
    _branch("s", S, "servicepunt", org, is_demo=True)
    # Not open on DAY: closed before, opening after; and one without coordinates.
    _branch("w", P3, "vestiging", org, opened_on=date(2000, 1, 1), closed_on=date(2025, 1, 1))
    _branch("x", P2, "vestiging", org, opened_on=date(2027, 1, 1))
    _branch("nowhere", None, "vestiging", org)
    return {"a": a, "b": b, "c": c}


@pytest.fixture
def world(db):
    return build_world()


def rows_by_code(rows):
    return {r.code: r for r in rows}


def test_distances_shares_and_means_known_by_hand(world):
    rows = rows_by_code(acc.summary_by_municipality(max_km=5, at=DAY))
    a, b, c = rows["GM0001"], rows["GM0002"], rows["GM0003"]
    # A: P1 (2,000 people after scaling) 3 km from V; P2 (6,000) 8 km from V and 2 km from S.
    assert a.inhabitants == 8000 and a.located_by == "pc4"
    assert a.inhabitants_beyond_vestiging == 6000
    assert a.share_beyond_vestiging_pct == pytest.approx(75.0)
    assert a.mean_km_vestiging == pytest.approx((2000 * 3 + 6000 * 8) / 8000, abs=1e-3)
    assert a.inhabitants_beyond_location == 0
    assert a.share_beyond_location_pct == pytest.approx(0.0)
    assert a.mean_km_location == pytest.approx((2000 * 3 + 6000 * 2) / 8000, abs=1e-3)
    # B: everyone at P3, 6 km from V (W stood right there but closed in 2025).
    assert (b.share_beyond_vestiging_pct, b.mean_km_vestiging) == (
        100.0,
        pytest.approx(6, abs=1e-3),
    )
    assert b.mean_km_location == pytest.approx(6, abs=1e-3)
    # C: no PC4 point, so all 2,000 at its centroid, 7 km from V.
    assert c.located_by == "centroid"
    assert c.inhabitants_beyond_vestiging == 2000
    assert c.mean_km_vestiging == pytest.approx(7, abs=1e-3)
    assert [r.code for r in acc.over_threshold(rows.values())] == ["GM0002", "GM0003", "GM0001"]


def test_the_analysis_is_kept_while_nothing_changes_and_redone_when_a_branch_does(world):
    first = acc.analyse(5, at=DAY)
    assert acc.analyse(5, at=DAY) is first  # kept: the same analysis, not computed again
    assert acc.analyse(6, at=DAY) is not first  # another question, another analysis
    a = rows_by_code(first.rows)["GM0001"]
    assert a.mean_km_vestiging == pytest.approx((2000 * 3 + 6000 * 8) / 8000, abs=1e-3)
    # V moves 3 km north, onto P1: saved as the network module saves a branch.
    v = Branch.objects.get(code="v")
    v.lat, v.lon = latlon(*P1)
    v.save()
    moved = acc.analyse(5, at=DAY)
    assert moved is not first
    a = rows_by_code(moved.rows)["GM0001"]
    assert a.mean_km_vestiging == pytest.approx(
        (2000 * 0 + 6000 * math.hypot(8, 3)) / 8000, abs=1e-3
    )
    # Closed (a bulk update, no signal): no vestiging left.
    Branch.objects.filter(code="v").update(closed_on=DAY)
    closed = rows_by_code(acc.analyse(5, at=DAY).rows)["GM0001"]
    assert closed.share_beyond_vestiging_pct == 100.0 and closed.mean_km_vestiging is None
    # A new branch, and one renamed, are new rows as well.
    Branch.objects.filter(code="v").update(closed_on=None)
    assert rows_by_code(acc.analyse(5, at=DAY).rows)["GM0001"] == a
    Branch.objects.filter(code="s").update(name="Servicepunt S")
    renamed = acc.analyse(5, at=DAY)
    assert sorted(s.name for s in renamed.branches.sites) == ["Servicepunt S", "V"]


def test_a_change_to_the_reference_data_is_not_missed(world):
    before = rows_by_code(acc.analyse(5, at=DAY).rows)
    assert before["GM0002"].inhabitants == 1000
    Municipality.objects.filter(code="GM0002").update(inhabitants=3000)
    after = rows_by_code(acc.analyse(5, at=DAY).rows)
    assert after["GM0002"].inhabitants == 3000
    assert after["GM0002"].inhabitants_beyond_vestiging == 3000
    # P1's people move to P2 (8 km from V instead of 3): a postcode area changed.
    PostcodeArea.objects.filter(pc4="1001").update(inhabitants=0)
    PostcodeArea.objects.filter(pc4="1002").update(inhabitants=4000)
    a = rows_by_code(acc.analyse(5, at=DAY).rows)["GM0001"]
    assert a.share_beyond_vestiging_pct == 100.0
    assert a.mean_km_vestiging == pytest.approx(8, abs=1e-3)


def test_a_larger_radius_brings_everyone_within_reach(world):
    rows = rows_by_code(acc.summary_by_municipality(max_km=8.5, at=DAY))
    assert {r.share_beyond_vestiging_pct for r in rows.values()} == {0.0}
    assert acc.over_threshold(rows.values()) == []
    # P2 is 8 km from V: a metre either side decides.
    just_over = rows_by_code(acc.summary_by_municipality(max_km=8.001, at=DAY))
    just_under = rows_by_code(acc.summary_by_municipality(max_km=7.999, at=DAY))
    assert just_over["GM0001"].share_beyond_vestiging_pct == 0.0
    assert just_under["GM0001"].share_beyond_vestiging_pct == 75.0


def test_pc4_inhabitants_are_scaled_to_the_cbs_total(world):
    analysis = acc.analyse(5, at=DAY)
    population = analysis.population
    per_place = {p.code: 0.0 for p in population.places}
    for owner, weight in zip(population.owner, population.weight, strict=True):
        per_place[population.places[owner].code] += weight
    assert per_place == {
        "GM0001": pytest.approx(8000),
        "GM0002": pytest.approx(1000),
        "GM0003": pytest.approx(2000),
    }
    assert [p.code for p in population.fallbacks] == ["GM0003"]
    assert population.pc4_without_municipality == 1
    total = analysis.total()
    assert total.inhabitants == 11000
    assert total.inhabitants_beyond_vestiging == 6000 + 1000 + 2000
    assert total.share_beyond_vestiging_pct == pytest.approx(100 * 9000 / 11000, abs=0.01)
    region = analysis.total({"GM0001", "GM0002"}, code="X", name="A+B")
    assert region.inhabitants_beyond_location == 1000
    assert region.mean_km_location == pytest.approx(
        (2000 * 3 + 6000 * 2 + 1000 * 6) / 9000, abs=1e-3
    )


def test_a_municipality_without_pc4_point_or_centroid_is_reported_not_counted(world):
    Municipality.objects.filter(code="GM0003").update(centroid_lat=None, centroid_lon=None)
    analysis = acc.analyse(5, at=DAY)
    c = rows_by_code(analysis.rows)["GM0003"]
    assert c.located_by == "none"
    assert c.share_beyond_vestiging_pct is None and c.mean_km_location is None
    assert analysis.total().inhabitants_beyond_vestiging == 6000 + 1000
    assert analysis.total().share_beyond_vestiging_pct == pytest.approx(100 * 7000 / 9000, abs=0.01)


def test_only_branches_open_on_the_reference_date_count(world):
    # In 2024 W (a vestiging right at P3) was still open; X opens in 2027 at P2.
    in_2024 = rows_by_code(acc.summary_by_municipality(5, at=date(2024, 6, 1)))
    assert in_2024["GM0002"].mean_km_vestiging == pytest.approx(0, abs=1e-3)
    assert in_2024["GM0002"].share_beyond_vestiging_pct == 0.0
    in_2027 = rows_by_code(acc.summary_by_municipality(5, at=date(2027, 1, 1)))
    assert in_2027["GM0001"].share_beyond_vestiging_pct == 0.0  # P2 now has X at 0 km
    assert in_2027["GM0002"].mean_km_vestiging == pytest.approx(6, abs=1e-3)
    branches = acc.analyse(5, at=DAY).branches
    assert sorted(s.code for s in branches.sites) == ["s", "v"]
    assert branches.without_coordinates == ["nowhere"]
    assert (branches.real, branches.demo) == (1, 1)
    assert branches.real_by_source == {"test: echte lijst": 1}


def test_closing_a_branch_by_code(world):
    rows = rows_by_code(acc.summary_by_municipality(5, at=DAY, closed_branch_codes=["v"]))
    a = rows["GM0001"]
    # No vestiging left anywhere: everyone is beyond, and there is no mean distance.
    assert a.share_beyond_vestiging_pct == 100.0 and a.mean_km_vestiging is None
    # Only S remains as a location: P1 is √(10² + 3²) km away, P2 2 km.
    assert a.share_beyond_location_pct == pytest.approx(25.0)
    assert a.mean_km_location == pytest.approx(
        (2000 * math.hypot(10, 3) + 6000 * 2) / 8000, abs=1e-3
    )
    with pytest.raises(acc.AccessibilityError) as unknown:
        acc.summary_by_municipality(5, at=DAY, closed_branch_codes=["nope"])
    assert unknown.value.field == "closed_branch_codes" and "nope" in str(unknown.value)
    with pytest.raises(acc.AccessibilityError, match="'w'"):
        acc.summary_by_municipality(5, at=DAY, closed_branch_codes=["w"])  # already closed


def test_what_if_opening_a_vestiging_changes_only_the_municipality_it_serves(world):
    # 1 km north of P2: P2 comes within 1 km; P3 (10.6 km) and C's centroid (10 km) stay put.
    new = acc.new_branch(x=158_000, y=451_000)
    comparison = acc.what_if(5, DAY, extra_branches=[new])
    assert [c.code for c in comparison.changes] == ["GM0001"]
    change = comparison.changes[0]
    assert change.before.share_beyond_vestiging_pct == 75.0
    assert change.after.share_beyond_vestiging_pct == 0.0
    assert change.share_vestiging_change == pytest.approx(-75.0)
    assert change.after.mean_km_vestiging == pytest.approx((2000 * 3 + 6000 * 1) / 8000, abs=1e-3)
    assert change.mean_km_location_change == pytest.approx(1.5 - 2.25, abs=1e-3)
    # The same place given as WGS84 gives the same answer.
    lat, lon = latlon(158_000, 451_000)
    again = acc.what_if(5, DAY, extra_branches=[{"lat": lat, "lon": lon}])
    assert again.changes[0].after == change.after


def test_what_if_a_servicepunt_is_a_location_not_a_vestiging(world):
    new = acc.new_branch(x=150_000, y=444_500, kind="servicepunt")  # 0.5 km from P3
    change = rows_by_code(acc.what_if(5, DAY, extra_branches=[new]).changes)["GM0002"]
    assert change.share_vestiging_change == 0
    assert change.after.mean_km_location == pytest.approx(0.5, abs=1e-3)
    assert change.share_location_change == pytest.approx(-100.0)


def test_what_if_open_and_close_together(world):
    # Move the vestiging from V to the middle of A's people: P1 3 km → 5 km, P2 8 km → 0 km.
    comparison = acc.what_if(
        5, DAY, extra_branches=[acc.new_branch(x=158_000, y=450_000)], closed_branch_codes=["v"]
    )
    after = rows_by_code(comparison.after.rows)
    assert after["GM0001"].mean_km_vestiging == pytest.approx(
        (2000 * math.hypot(8, 3) + 6000 * 0) / 8000, abs=1e-3
    )
    assert after["GM0002"].mean_km_vestiging == pytest.approx(math.hypot(8, 6), abs=1e-3)
    assert {c.code for c in comparison.changes} == {"GM0001", "GM0002", "GM0003"}
    assert comparison.before.branches.closed == []  # the baseline is untouched


def test_projection_matches_the_rd_coordinates_cbs_publishes():
    with open(DATA / "pc4-2021.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[::400]
    x, y = acc.to_rd(
        [float(r["centroid_lat"]) for r in rows], [float(r["centroid_lon"]) for r in rows]
    )
    for r, px, py in zip(rows, x, y, strict=True):
        assert math.hypot(px - float(r["rd_x"]), py - float(r["rd_y"])) < 1.0, r["pc4"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("52.09, 5.12", (52.09, 5.12)),
        ("52,09 5,12", (52.09, 5.12)),
        ("5.12;52.09", (52.09, 5.12)),  # longitude first is recognised
        ("52.09,5.12", (52.09, 5.12)),
    ],
)
def test_points_typed_as_wgs84(text, expected):
    point = acc.parse_point(text)
    assert acc.to_wgs84(point.x, point.y) == pytest.approx(expected, abs=1e-7)


def test_points_typed_as_rd_and_bad_points():
    assert acc.parse_point("136000 455000") == acc.NewBranch(136000.0, 455000.0)
    for text, needle in [("hier", "geen punt"), ("48.8, 2.35", "niet in Nederland"),
                         ("500000 455000", "niet in Nederland"), ("1 2 3", "geen punt")]:  # fmt: skip
        with pytest.raises(acc.AccessibilityError, match=needle) as error:
            acc.parse_point(text)
        assert error.value.field == "point"
    with pytest.raises(acc.AccessibilityError) as error:
        acc.new_branch(x=136000, y=455000, kind="kasteel")
    assert error.value.field == "kind"


@pytest.mark.parametrize("bad", [0, -1, 101, "veel", None])
def test_max_km_must_be_sensible(world, bad):
    with pytest.raises(acc.AccessibilityError) as error:
        acc.analyse(bad, at=DAY)
    assert error.value.field == "max_km"


def test_no_branches_at_all(db):
    province = Province.objects.create(code="PV26", name="Utrecht")
    m = _municipality("GM0001", "Aadorp", 100, province)
    _pc4("1001", P1, 100, m)
    row = acc.summary_by_municipality(5, at=DAY)[0]
    assert (row.share_beyond_vestiging_pct, row.mean_km_vestiging) == (100.0, None)
    assert (row.share_beyond_location_pct, row.mean_km_location) == (100.0, None)


# --- the command ---------------------------------------------------------------------------


def _read(path):
    return {r["gemeentecode"]: r for r in csvfiles.dicts(path.read_bytes())}


def test_cli_writes_the_csv(world, tmp_path, capsys):
    out = tmp_path / "bereikbaarheid.csv"
    call_command("accessibility", "--max-km", "5", "--output", str(out), "--date", "2026-03-02")
    rows = _read(out)
    assert list(rows) == ["GM0001", "GM0002", "GM0003"]
    assert rows["GM0001"]["pct_verder_dan_max_van_vestiging"] == "75,0"
    assert csvfiles.number(rows["GM0001"]["gem_km_tot_vestiging"]) == pytest.approx(6.75, abs=1e-3)
    assert rows["GM0003"]["gelokaliseerd_via"] == "centroid"
    assert "verschil_pct_vestiging" not in rows["GM0001"]
    err = capsys.readouterr().err
    assert "hemelsbrede afstand" in err and "3 gemeenten boven de drempel" in err


def test_cli_what_if(world, tmp_path):
    out = tmp_path / "watals.csv"
    call_command(
        "accessibility", "--output", str(out), "--date", "2026-03-02",
        "--open", "158000 451000", "--close", "s",
    )  # fmt: skip
    rows = _read(out)
    assert csvfiles.number(rows["GM0001"]["verschil_pct_vestiging"]) == pytest.approx(-75.0)
    assert csvfiles.number(rows["GM0001"]["gem_km_tot_locatie"]) == pytest.approx(1.5, abs=1e-3)
    assert csvfiles.number(rows["GM0002"]["verschil_pct_vestiging"]) == 0


def test_cli_rejects_bad_input_naming_the_option(world, tmp_path):
    out = tmp_path / "x.csv"
    with pytest.raises(CommandError, match="--close.*'nope'"):
        call_command("accessibility", "--output", str(out), "--close", "nope")
    with pytest.raises(CommandError, match="--open"):
        call_command("accessibility", "--output", str(out), "--open", "Parijs")
    with pytest.raises(CommandError, match="--max-km"):
        call_command("accessibility", "--output", str(out), "--max-km", "0")
    assert not out.exists()
