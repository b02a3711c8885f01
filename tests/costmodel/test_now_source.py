"""Where "as now" comes from (issue 21 item 1): CLB's register only where it is complete for the
area, the national estimate elsewhere, and the result says which."""

from decimal import Decimal

from clb.costmodel import completeness, services
from tests.factories import T0, make_item

D = Decimal


def test_completeness_against_what_is_expected():
    expected = {"vestigingen_nu": D(4), "servicepunten_nu": D(2), "collectie_nu": D(1000)}
    half = {"vestigingen_nu": D(2), "servicepunten_nu": D(1), "collectie_nu": D(500)}
    check = completeness.register_completeness(half, expected, D("0.5"))
    assert [(f.loaded, f.expected) for f in check.figures] == [(3, 6), (500, 1000)]
    assert check.complete is True  # exactly half is enough
    less = {**half, "collectie_nu": D(499)}
    assert completeness.register_completeness(less, expected, D("0.5")).complete is False
    unknown = dict.fromkeys(expected)  # a model without national estimates: nothing to judge
    assert completeness.register_completeness(half, unknown, D("0.5")).complete is None


def test_an_incomplete_register_is_replaced_by_the_national_estimate(net):
    area = services.resolve_area(["GM0307"])  # Amersfoort: one branch (50 h), no items in CLB
    r = services.compute(area, start="huidig", at=T0)
    assert r.now.estimated
    locations, collection = r.now.check.figures
    assert locations.loaded == 1 and round(locations.expected, 2) == D("4.70")  # 1 + 415 × share
    assert collection.loaded == 0
    # The estimate, not the register, feeds the levels — and what CLB holds is still shown.
    assert r.values["vestigingen_nu"] == locations.expected  # no area: no service points
    assert r.levels["vestigingen"] == r.levels["collectie"] == "huidig"
    assert r.now.registered["vestigingen_nu"] == 1
    note = next(n for n in r.notes if "geschat uit landelijke cijfers" in n)
    assert "CLB kent 1 van de ongeveer 5 bibliotheeklocaties en 0 van de ongeveer" in note
    hours = r.block("openingsuren").lines[0]
    assert "bemande_uren_vestigingen_nu" in hours.estimates  # today's hours were estimated


def test_a_complete_register_is_used(net):
    make_item(net.b1)
    area = services.resolve_area(["GM0307"])
    # National figures under which Amersfoort should have one branch and almost no books: then
    # its one branch and one item are a complete register.
    small = {"nl_vestigingen": 342, "nl_collectie": 100}
    r = services.compute(area, {}, small, start="huidig", at=T0)
    assert not r.now.estimated and r.now.check.complete is True
    assert r.values["vestigingen_nu"] == 1 and r.values["bemande_uren_vestigingen_nu"] == 50
    assert r.values["uren_per_week"] == 50
    assert not any("geschat" in n for n in r.notes)
    # Asking for the national estimate anyway.
    forced = services.compute(area, {}, small, start="huidig", now="landelijk", at=T0)
    assert forced.now.estimated and forced.now.check is None
    assert forced.values["bemande_uren_vestigingen_nu"] == 30  # 1 branch × 30 h (estimate)
