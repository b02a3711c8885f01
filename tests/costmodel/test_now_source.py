"""Where "as now" comes from (issue 21 item 1): CLB's register only where it is complete for the
area, the national estimate elsewhere, and the result says which."""

from decimal import Decimal

from clb.cockpit import register as branch_register
from clb.costmodel import completeness, services
from clb.network.models import Municipality
from tests.factories import T0, make_item

D = Decimal


def _branches(loaded: int, expected: float) -> branch_register.Completeness:
    """The branch register's completeness as the cockpit states it (no CBS distance here)."""
    return branch_register.Completeness("GM0000", "Ergens", loaded, expected, False)


def test_completeness_against_what_is_expected():
    expected = {"collectie_nu": D(1000)}
    half = {"collectie_nu": D(500)}
    check = completeness.register_completeness(_branches(9, 10), half, expected, D("0.5"))
    assert [(f.loaded, f.expected, f.complete) for f in check.figures] == [
        (9, 10, True),  # nine in ten locations: the cockpit's rule
        (500, 1000, True),  # exactly half the collection is enough
    ]
    assert check.complete is True
    less = {"collectie_nu": D(499)}
    assert (
        completeness.register_completeness(_branches(9, 10), less, expected, D("0.5")).complete
        is False
    )
    assert (
        completeness.register_completeness(_branches(8, 10), half, expected, D("0.5")).complete
        is False
    )
    # Without a register check and without a national estimate there is nothing to judge.
    assert (
        completeness.register_completeness(None, half, {"collectie_nu": None}, D("0.5")).complete
        is None
    )


def test_an_incomplete_register_is_replaced_by_the_national_estimate(net):
    area = services.resolve_area(["GM0307"])  # Amersfoort: one branch (50 h), no items in CLB
    r = services.compute(area, start="huidig", at=T0)
    assert r.now.estimated
    locations, collection = r.now.check.figures
    # The branch register as the cockpit judges it: 1,209 locations by inhabitants.
    assert (locations.loaded, locations.expected, locations.complete) == (1, D("10.78"), False)
    assert r.register.loaded == 1 and not r.register.complete
    assert collection.loaded == 0 and collection.complete is False
    # The estimate, not the register, feeds the levels: 1 + 415 branches × share of inhabitants.
    assert round(r.values["vestigingen_nu"], 2) == D("4.70")  # no area: no service points
    assert r.levels["vestigingen"] == r.levels["collectie"] == "huidig"
    # What an incomplete register counts is not knowledge of today's branches.
    assert r.now.registered["vestigingen_nu"] is None
    note = next(n for n in r.notes if "geschat uit landelijke cijfers" in n)
    assert "CLB kent 1 van de ongeveer 11 bibliotheeklocaties en 0 van de ongeveer" in note
    assert not any("'zoals nu' zijn onbekend" in n for n in r.notes)
    hours = r.block("openingsuren").lines[0]
    assert "bemande_uren_vestigingen_nu" in hours.estimates  # today's hours were estimated


def test_a_complete_register_is_used(net):
    make_item(net.b1)
    # A town of 10,000 expects 0.7 of the 1,209 library locations: its one branch is a complete
    # branch register.
    Municipality.objects.filter(pk=net.gm_b.pk).update(inhabitants=10_000)
    area = services.resolve_area(["GM0307"])
    # National figures under which Amersfoort should have one branch and almost no books: then
    # its one item is a complete collection.
    small = {"nl_vestigingen": 342, "nl_collectie": 100}
    r = services.compute(area, {}, small, start="huidig", at=T0)
    assert not r.now.estimated and r.now.check.complete is True
    assert r.values["vestigingen_nu"] == 1 and r.values["bemande_uren_vestigingen_nu"] == 50
    assert r.values["uren_per_week"] == 50
    assert not any("geschat" in n for n in r.notes)
    # Asking for the national estimate anyway.
    forced = services.compute(area, {}, small, start="huidig", now="landelijk", at=T0)
    assert forced.now.estimated and forced.now.check is None
    assert round(forced.values["bemande_uren_vestigingen_nu"], 6) == 30  # 1 branch × 30 h
