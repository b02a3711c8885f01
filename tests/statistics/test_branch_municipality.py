"""The place tally and the IDO tally keep the municipality of their branch, so the cockpit reads a
region without joining branches: a row carries it from the moment it is written, `clb
rebuild-tallies` gives the same, a branch that moves takes its rows along, and a row that
disagrees with its branch is reported by the invariants."""

from datetime import date

from clb.cockpit.facts import Facts, Scope
from clb.cockpit.regions import Geography
from clb.network.models import Municipality
from clb.operations import invariants
from clb.services import services
from clb.services import tallies as registration_tallies
from clb.services.models import IdoTally
from clb.statistics import tallies as tallying
from clb.statistics.models import PlaceTally
from tests.factories import T0
from tests.statistics.events_by_month import cockpit, tallies, write_months

H1 = date(2025, 1, 1)


def _place_municipalities():
    return sorted(set(PlaceTally.objects.values_list("branch_id", "municipality_code")))


def test_a_place_tally_row_carries_the_municipality_of_its_branch_and_rebuilding_gives_the_same(
    net,
):
    write_months(net, range(1, 4))
    events_b = PlaceTally.objects.filter(branch=net.b1)
    assert not events_b.exists()  # B's member registered online: no place
    assert _place_municipalities() == [(net.a1.pk, "GM0344")]
    counted, shown = tallies(), cockpit()

    tallying.rebuild(date(2025, 1, 1), date(2025, 12, 31))

    assert tallies() == counted and _place_municipalities() == [(net.a1.pk, "GM0344")]
    assert cockpit() == shown
    assert invariants.events_match_tallies() == []


def test_a_branch_that_moves_takes_its_rows_along_and_its_figures_follow(net):
    write_months(net, range(1, 4))
    assert cockpit()[("loans", "")] == 9
    elsewhere = Municipality.objects.create(
        code="GM0355", name="Zeist", province=net.province, inhabitants=65000,
        inhabitants_0_17=12000, reference_date=date(2024, 1, 1),
    )  # fmt: skip
    net.a1.municipality = elsewhere
    net.a1.save()

    assert _place_municipalities() == [(net.a1.pk, "GM0355")]
    assert invariants.events_match_tallies() == []
    # The same tallies as rebuilding them from the events with the branch where it is now.
    counted = tallies()
    tallying.rebuild(date(2025, 1, 1), date(2025, 12, 31))
    assert tallies() == counted and _place_municipalities() == [(net.a1.pk, "GM0355")]
    # The facts the cockpit reads count the loans in Zeist now, as its branch figures do.
    facts = Facts(Geography(), Scope(municipalities=frozenset({"GM0355"})), [H1], today=T0.date())
    assert (
        sum(r[-1] for r in facts.rows("place_events", ("action",), {"action": ["checkout"]})) == 9
    )


def test_a_row_that_disagrees_with_its_branch_is_reported_and_rebuilding_mends_it(net):
    write_months(net, range(1, 3))
    PlaceTally.objects.update(municipality_code="GM0307")  # as a bulk change behind its back
    wrong = invariants.events_match_tallies()
    assert wrong == [
        f"PlaceTally 2025-01-01 locatie {net.a1.pk}: gemeente GM0307, de locatie ligt in GM0344"
    ]
    tallying.rebuild(date(2025, 1, 1), date(2025, 6, 30))
    assert invariants.events_match_tallies() == []


def _ido_municipalities():
    return sorted(set(IdoTally.objects.values_list("branch_id", "municipality_code")))


def test_the_ido_tally_carries_the_branch_municipality_through_registration_rebuild_and_moves(net):
    services.register_quick_contact("35", branch=net.a1, at=T0)
    services.register_quick_contact("1", branch=net.b1, at=T0)
    expected = [(net.a1.pk, "GM0344"), (net.b1.pk, "GM0307")]
    assert _ido_municipalities() == expected
    columns = ("half_year", "dimension", "organisation_id", "branch_id", "value",
               "municipality_code", "n")  # fmt: skip
    counted = sorted(IdoTally.objects.values_list(*columns))

    registration_tallies.rebuild(T0.date(), T0.date())

    assert sorted(IdoTally.objects.values_list(*columns)) == counted
    net.b1.municipality = net.gm_a
    net.b1.save()
    assert _ido_municipalities() == [(net.a1.pk, "GM0344"), (net.b1.pk, "GM0344")]
