"""The IDO tally against the contacts it counts: `disagreements()` finds every way they can
differ, and `clb invariants` checks it."""

from datetime import date, timedelta

import pytest
from django.db.models import F

from clb.operations import invariants
from clb.services import services
from clb.services import tallies as registration_tallies
from clb.services.models import IdoTally
from tests.factories import T0

IDO_CHECK = "IDO-contacten en IDO-telling"
H1_2026 = date(2026, 1, 1)
H2_2025 = date(2025, 7, 1)


@pytest.fixture
def contacts(net):
    """Contacts in two half-years, in two organisations, one corrected away again."""
    services.register_quick_contact("t23", branch=net.a1, at=T0)
    services.register_quick_contact("2vo", branch=net.a2, at=T0)
    services.register_quick_contact("e6hvc", branch=net.b1, at=T0)
    services.register_quick_contact("1", branch=net.a1, on=date(2025, 11, 3), at=T0)
    gone = services.register_quick_contact("a11", branch=net.b1, at=T0 - timedelta(days=1))
    services.delete_contact(gone, organisation=net.org_b)
    return net


def ido_violation():
    return [v for v in invariants.check() if v.check == IDO_CHECK]


def test_the_tally_kept_by_the_registrations_agrees_with_the_contacts(contacts):
    assert registration_tallies.ido_halves() == {H2_2025, H1_2026}
    assert registration_tallies.disagreements(H1_2026) == []
    assert registration_tallies.disagreements(H2_2025) == []
    assert IDO_CHECK in invariants.CHECKS
    assert ido_violation() == []


def test_a_rebuilt_tally_agrees_as_well(contacts):
    held = sorted(IdoTally.objects.filter(n__gt=0).values_list("dimension", "value", "n"))
    registration_tallies.rebuild(H2_2025, date(2026, 6, 30))
    assert sorted(IdoTally.objects.values_list("dimension", "value", "n")) == held
    assert registration_tallies.disagreements(H1_2026) == []


def test_a_count_off_by_one_is_reported(contacts):
    IdoTally.objects.filter(
        half_year=H1_2026, dimension="channel", value="telefoon", branch=contacts.a1
    ).update(n=F("n") + 1)
    wrong = registration_tallies.disagreements(H1_2026)
    assert len(wrong) == 1
    assert "'channel'" in wrong[0] and "'telefoon'" in wrong[0]
    assert "2 geteld, 1 contacten" in wrong[0]
    assert registration_tallies.disagreements(H2_2025) == []
    (found,) = ido_violation()
    assert found.count == 1


def test_a_missing_row_and_a_row_without_contacts_are_reported(contacts):
    IdoTally.objects.filter(half_year=H2_2025, dimension="theme").delete()
    IdoTally.objects.create(
        half_year=H1_2026,
        dimension="theme",
        value="zorg",
        organisation=contacts.org_b,
        branch=contacts.b1,
        municipality_code=contacts.b1.municipality.code,
        n=3,
    )
    assert registration_tallies.disagreements(H2_2025) == [
        f"IdoTally {H2_2025} ('theme', {contacts.org_a.pk}, {contacts.a1.pk}, 'digid'):"
        " 0 geteld, 1 contacten"
    ]
    (wrong,) = registration_tallies.disagreements(H1_2026)
    assert "'zorg'" in wrong and "3 geteld, 0 contacten" in wrong
    (found,) = ido_violation()
    assert found.count == 2


def test_a_row_under_another_municipality_than_its_branch_is_reported(contacts):
    IdoTally.objects.filter(half_year=H1_2026, branch=contacts.b1).update(
        municipality_code="GM9999"
    )
    assert registration_tallies.disagreements(H1_2026) == [
        f"IdoTally {H1_2026} locatie {contacts.b1.pk}: gemeente GM9999,"
        f" de locatie ligt in {contacts.b1.municipality.code}"
    ]
    assert ido_violation()[0].count == 1
