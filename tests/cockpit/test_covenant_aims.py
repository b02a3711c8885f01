"""The covenant's aims as data, and read for regions of a hand-made country with known answers
(tests/cockpit/covenant_land.py)."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from clb.accounts.models import User
from clb.cockpit import aims, covenant
from clb.cockpit.regions import Geography
from clb.cockpit.tables import Labels
from clb.network import cbs_distance
from clb.network.models import Municipality
from clb.statistics.periods import parse
from tests import csvfiles
from tests.factories import T0

from .covenant_land import ANDER, KLEIN, MIDDEL, make_land


def _plain(text: str) -> str:
    """The covenant's text without its bold marks, one space between words."""
    return " ".join(text.replace("*", "").split())


def test_every_aim_and_target_quotes_the_covenant_word_for_word():
    for c in covenant.COVENANTS:
        text = _plain(c.read_text())
        assert c.title.replace("–", "-") in text.replace("–", "-")
        for aim in c.aims:
            assert aim.source.quote and _plain(aim.source.quote) in text, aim.code
            for target in aim.targets:
                # the number of a target stands in the quotation (or is the covenant's
                # "every inhabitant" / "no cost for youth": zero)
                assert target.value == 0 or re.search(
                    rf"\b{int(target.value)}\s?%", aim.source.quote
                ), (aim.code, target)
    ido = covenant.aim("ido_reach")
    assert [(t.value, t.year, t.ambition) for t in ido.targets] == [
        (10, 2021, False),
        (20, 2023, True),
    ]
    assert ido.target_for(2020) is None
    assert ido.target_for(2022).value == 10 and ido.target_for(2026).value == 20
    assert covenant.aim("youth_members").targets == ()  # the covenant names no number


def test_a_new_covenant_period_is_a_data_change(monkeypatch):
    from dataclasses import replace
    from datetime import date

    seed = covenant.COVENANTS[0]
    next_one = replace(
        seed,
        code="2024-2027",
        starts=date(2024, 1, 1),
        aims=(replace(seed.aims[0], targets=(covenant.Target(25, 2025),)),),
    )
    monkeypatch.setattr(covenant, "COVENANTS", [seed, next_one])
    assert covenant.covenant_for(date(2023, 12, 31)) is seed
    assert covenant.covenant_for(date(2026, 6, 30)) is next_one
    labels = Labels()
    ind = __import__("clb.cockpit.definitions", fromlist=["x"]).INDICATOR_BY_CODE["ido_reach"]
    assert labels.indicator(ind, parse("2023"))["target"] == "10 (2021); 20 (2023, ambitie)"
    assert labels.indicator(ind, parse("2026-H1"))["target"] == "25 (2025)"


@pytest.fixture
def land(db):
    return make_land()


def _by_code(readings):
    return {r.aim.code: r for r in readings}


def test_aims_of_a_village_with_figure_target_trend_and_status(land):
    geo = Geography()
    result = aims.read(geo, geo.region(KLEIN), parse("2026-H1"), at=T0)
    r = _by_code(result.readings)

    ido = r["ido_reach"]
    assert ido.now.shown == Decimal("14.0") and ido.before.shown == Decimal("8.0")
    assert ido.before_period.code == "2025-H1"
    assert ido.target.value == 20 and ido.target.ambition  # the target in force in 2026
    assert (ido.trend, ido.status) == (aims.UP, aims.BEHIND)
    assert ido.target_text == "10 (2021); [20 (2023, ambitie)]"

    assert r["youth_free"].now.shown == 1  # De Dorpen charges youth a fee
    assert (r["youth_free"].target.value, r["youth_free"].status) == (0, aims.BEHIND)

    youth = r["youth_members"]
    assert (youth.now.shown, youth.before.shown) == (Decimal("1.5"), Decimal("1.2"))
    assert youth.target is None and (youth.trend, youth.status) == (aims.UP, aims.ON_TRACK)

    courses = r["course_participants"]
    assert (courses.now.shown, courses.before.shown) == (30, 40)
    assert (courses.trend, courses.status) == (aims.DOWN, aims.BEHIND)

    access = r["accessibility"]
    assert access.now.shown == Decimal("60.0") and access.target.value == 0
    assert (access.trend, access.status) == (aims.SAME, aims.BEHIND)

    # beside its size class (three villages of 5.000–10.000 taken together)
    assert result.group is not None and len(result.group.members) == 3
    assert ido.peers.shown == Decimal("6.7")  # 120 contacts / 0.5 / 3,600 people
    assert access.peers.shown == Decimal("55.6")  # 10,000 of 18,000 inhabitants
    assert courses.own_ratio.shown == Decimal("6.00") and courses.ratio_unit
    assert result.final is False
    assert any("IDO" in s for s in result.sources)


CBS_2023 = "gem. km over de weg tot een bibliotheek (CBS 2023)"


def _accessibility(geo, code, period="2026-H1"):
    result = aims.read(geo, geo.region(code), parse(period), at=T0)
    reading = _by_code(result.readings)["accessibility"]
    return dict(reading.beside), reading.sources


def test_the_accessibility_aim_has_cbs_road_distance_beside_clbs_estimate(land):
    geo = Geography()
    village, sources = _accessibility(geo, KLEIN)
    assert village == {
        # 2,000 inhabitants at 0,13 km and 3,000 at 11,0 km of Klein Dorp's vestiging
        "gem. km hemelsbreed tot een vestiging (CLB)": Decimal("6.7"),
        "gem. km hemelsbreed tot een locatie (CLB)": Decimal("6.7"),
        CBS_2023: Decimal("1.3"),  # what CBS published for Renswoude, whose code it borrows
    }
    assert f"{cbs_distance.SOURCE} (2023)" in sources
    assert _accessibility(geo, "PV26")[0][CBS_2023] == Decimal("1.8")  # CBS's own province figure
    # CBS publishes nothing for an organisation's area: its municipalities, weighted
    area, sources = _accessibility(geo, "ORG:de-dorpen")
    weighted = (
        "gem. km over de weg tot een bibliotheek (CBS 2023; gemiddelde van 3 gemeenten, "
        "gewogen naar inwoners)"
    )
    assert area[weighted] == Decimal("1.5")  # (5,000 × 1,3 + 6,000 × 1,9 + 7,000 × 1,2) / 18,000
    # a period reads CBS's figure of its own year, not a later one
    earlier = _accessibility(geo, KLEIN, "2020-H1")[0]
    assert earlier["gem. km over de weg tot een bibliotheek (CBS 2020)"] == Decimal("1.1")


def test_the_aims_csv_carries_cbs_beside_clb(land):
    client = Client()
    client.force_login(User.objects.create_user("kb", role="cockpit", region_code="NL"))
    response = client.get("/cockpit/tabel/doelen.csv", {"regio": KLEIN, "periode": "2026-H1"})
    assert response.status_code == 200
    rows = {r["convenantdoel"]: r for r in csvfiles.dicts(response.content)}
    access = rows[str(covenant.aim("accessibility").title)]
    assert access["cijfer"] == "60,0"
    assert "gem. km hemelsbreed tot een vestiging (CLB): 6,7" in access["ernaast"]
    assert f"{CBS_2023}: 1,3" in access["ernaast"]
    assert f"{cbs_distance.SOURCE} (2023)" in access["bron"]


def test_an_area_cbs_has_no_figure_for_says_so(land):
    newcomer = Municipality.objects.create(code="GM9998", name="Nieuw Dorp", inhabitants=4_000,
        province=land.klein.province, reference_date=land.klein.reference_date)  # fmt: skip
    land.dorpen.municipalities.add(newcomer)
    area, sources = _accessibility(Geography(), "ORG:de-dorpen")
    label = "gem. km over de weg tot een bibliotheek (CBS: geen cijfer voor dit gebied)"
    assert area[label] == "–"  # a mean over three of the four municipalities would mislead
    assert not any(s.startswith(cbs_distance.SOURCE) for s in sources)


def test_suppressed_figures_are_no_data_and_never_ranked(land):
    geo = Geography()
    result = aims.read(geo, geo.region(ANDER), parse("2026-H1"), at=T0)
    r = _by_code(result.readings)
    assert r["ido_reach"].now.shown == "< 10"  # no contacts at all: a count under ten
    assert r["ido_reach"].status == aims.NO_DATA_STATUS
    assert r["ido_reach"].trend is None


def test_differences_between_parts_best_and_worst_of_each_size_class(land):
    geo = Geography()
    province = geo.region("PV26")
    result = aims.read(geo, province, parse("2026-H1"), parts=geo.parts(province), at=T0)
    rows = {row[0]: row[1:] for row in result.differences}
    ido = str(covenant.aim("ido_reach").title)
    access = str(covenant.aim("accessibility").title)
    assert rows[ido][:6] == ["5.000–10.000", 3, "Klein Dorp", Decimal("14.0"), "Middel Dorp",
                             Decimal("8.3")]  # fmt: skip
    assert rows[access][:6] == ["5.000–10.000", 3, "Middel Dorp", Decimal("0.0"), "Ander Dorp",
                                Decimal("100.0")]  # fmt: skip
    # only Klein Dorp has youth members and course participants to show: nothing to rank
    assert str(covenant.aim("youth_members").title) not in rows
    assert str(covenant.aim("course_participants").title) not in rows
    lights = {p.code: _by_code(readings)["ido_reach"].status for p, readings in result.parts}
    assert lights == {KLEIN: aims.BEHIND, MIDDEL: aims.BEHIND,
                      ANDER: aims.NO_DATA_STATUS}  # fmt: skip


def _pdf_pages(region: str) -> list[str]:
    import io

    import pypdf

    from clb.cockpit.report import build_report
    from clb.cockpit.report_files import write

    geo = Geography()
    report = build_report(geo, geo.region(region), parse("2026-H1"), at=T0)
    buffer = io.BytesIO()
    write(report, "pdf", buffer)
    reader = pypdf.PdfReader(io.BytesIO(buffer.getvalue()))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def test_the_reports_first_page_answers_each_aim(land):
    pages = _pdf_pages(KLEIN)
    first = pages[0]
    assert "Halfjaarrapportage convenant — Klein Dorp, 1e halfjaar 2026" in first
    expected = {
        # aim: (figure, target as printed, trend, status)
        "Bereik Informatiepunten Digitale Overheid": (
            "14,0", "10 (2021); [20 (2023, ambitie)]", "stijgend (2025-H1: 8,0)", "achter"),
        "Jeugd gratis lid: organisaties die jeugdcontributie heffen": (
            "1", "[0 (2020)]", "gelijk (2025-H1: 1)", "achter"),
        "Jeugdleden (0–17) als aandeel van de inwoners 0–17": (
            "1,5", "geen getal; richting: hoger", "stijgend (2025-H1: 1,2)", "op koers"),
        "Deelnemers aan cursussen": (
            "30", "geen getal; richting: hoger", "dalend (2025-H1: 40)", "achter"),
        "Inwoners verder dan 5 km van een volwaardige vestiging": (
            "60,0", "[0 (2020)]", "gelijk (2025-H1: 60,0)", "achter"),
    }  # fmt: skip
    table = first.split("Stand ten opzichte van het doel")[0]
    for title, (figure, target, trend, status) in expected.items():
        assert title in table, title
        row = table.split(title, 1)[1][:160]
        assert row.split()[0] == figure, (title, row)
        for text in (target, trend, status):
            assert text in row, (title, text, row)
    assert "Stand ten opzichte van het doel" in first  # the chart, drawn on the same page
    assert "voorlopig" in first
    # page 2: the village beside its size class; then the tables
    assert "Klein Dorp naast gemeenten met 5.000–10.000 inwoners" in pages[1]
    assert "Leden en jeugd" not in first + pages[1]
    assert any("Leden en jeugd" in p for p in pages[2:])
    for number, page in enumerate(pages, start=1):
        assert "voorlopig" in page and "Bronnen:" in page, number
    assert "registratie IDO-contacten" in first and "Bibliotheekconvenant 2020–2023" in first
    # CLB's straight-line estimate and CBS's road distance beside the accessibility aim
    assert "gem. km hemelsbreed tot een vestiging (CLB) 6,7" in first
    assert f"{CBS_2023} 1,3" in first
    assert f"{cbs_distance.SOURCE} (2023)" in first  # in the page's sources


def test_the_province_report_names_best_and_worst_villages(land):
    pages = _pdf_pages("PV26")
    second = pages[1]
    assert "Verschillen tussen gemeenten van dezelfde grootteklasse" in second
    ido = second.split("Bereik Informatiepunten Digitale Overheid", 1)[1][:120]
    assert "Klein Dorp 14,0 Middel Dorp 8,3" in ido
