"""Indicator formulas on hand-made data whose answers are worked out by hand."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from clb.catalogue.models import Audience
from clb.members.models import PatronCategory, SubscriptionType
from clb.members.services import take_member_snapshot
from clb.network.models import Branch, Municipality, Organisation
from clb.services import services as registration
from tests.cockpit.helpers import record
from tests.factories import T0, make_item, make_patron

from .helpers import figures, record_many, value

UTRECHT, AMERSFOORT = 374238, 160000
UTRECHT_YOUNG, AMERSFOORT_YOUNG = 70000, 33000


@pytest.fixture
def people(net):
    """12 adults and 10 children living in Utrecht (members of A), 4 adults in Amersfoort (B)."""
    adults = [make_patron(net.org_a, at=T0) for _ in range(12)]
    children = [make_patron(net.org_a, birth_date=date(2015, 6, 1), at=T0) for _ in range(10)]
    far = [make_patron(net.org_b, postcode="3811 AA", at=T0) for _ in range(4)]
    return adults, children, far


def test_members_by_age_and_as_share_of_inhabitants(net, people):
    take_member_snapshot(on=date(2026, 3, 10))
    at = T0 + timedelta(days=30)
    gm = figures("GM0344", "2026-H1", at=at)
    assert value(gm, "members") == 22
    assert value(gm, "members_by_age", "9-14") == 10
    assert value(gm, "members_by_age", "20-64") == 12
    assert gm[("members_by_age", "0-3")].suppressed  # zero is below 10 as well
    assert value(gm, "members_share") == pytest.approx(100 * 22 / UTRECHT)
    assert value(gm, "youth_members_share") == pytest.approx(100 * 10 / UTRECHT_YOUNG)
    assert value(gm, "adult_members_share") == pytest.approx(100 * 12 / (UTRECHT - UTRECHT_YOUNG))
    assert value(gm, "new_members_by_age", "20-64") == 12
    # Amersfoort: four members, so every member figure there is suppressed.
    amf = figures("GM0307", "2026-H1", at=at)
    assert amf[("members", "")].value == 4 and amf[("members", "")].suppressed
    assert amf[("members_share", "")].suppressed
    # The province adds both; the country is the same one province here.
    pv = figures("PV26", "2026-H1", at=at)
    assert value(pv, "members") == 26
    assert value(pv, "members_share") == pytest.approx(100 * 26 / (UTRECHT + AMERSFOORT))
    assert value(figures("NL", "2026-H1", at=at), "members") == 26
    # An organisation counts its memberships, and its inhabitants are its working area's.
    org = figures("ORG:bibliotheek-utrecht", "2026-H1", at=at)
    assert value(org, "members") == 22
    assert value(org, "members_share") == pytest.approx(100 * 22 / UTRECHT)


def test_a_person_with_two_memberships_is_one_member_of_the_region(net, people):
    from clb.members import services as members

    adults, _children, _far = people
    members.join_organisation(adults[0], net.org_b, at=T0)
    take_member_snapshot(on=date(2026, 3, 10))
    at = T0 + timedelta(days=30)
    assert value(figures("GM0344", "2026-H1", at=at), "members") == 22
    assert value(figures("ORG:bibliotheek-eemland", "2026-H1", at=at), "members") == 5


def test_members_come_from_the_last_count_in_the_period(net, people):
    take_member_snapshot(on=date(2026, 3, 10))
    make_patron(net.org_a, at=T0 + timedelta(days=20))
    take_member_snapshot(on=date(2026, 4, 1))
    take_member_snapshot(on=date(2026, 8, 1))  # next half-year: not used for H1
    at = date(2026, 9, 1)
    from datetime import datetime
    from zoneinfo import ZoneInfo

    later = datetime(at.year, at.month, at.day, 12, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert value(figures("GM0344", "2026-H1", at=later), "members") == 23
    # No count at all in a period: no figure rather than a false zero.
    figs = figures("GM0344", "2025-H2", at=later)
    assert figs[("members", "")].value is None and not figs[("members", "")].suppressed


def test_loans_by_place_audience_material_and_borrower_age(net, people):
    adults, children, far = people
    youth_book = make_item(net.a1, audience=Audience.YOUTH)
    dvd = make_item(net.b1, item_type="dvd")
    record_many(15, "checkout", at=T0, organisation=net.org_a, branch=net.a1, item=youth_book,
                patron=children[0])  # fmt: skip
    record_many(11, "checkout", at=T0, organisation=net.org_b, branch=net.b1, item=dvd,
                patron=far[0])  # fmt: skip
    record_many(3, "renew", at=T0, organisation=net.org_b, branch=net.b1, item=dvd, patron=far[0])
    gm = figures("GM0344", "2026-H1", at=T0)
    assert value(gm, "loans") == 15
    assert value(gm, "loans_per_inhabitant") == pytest.approx(15 / UTRECHT)
    assert value(gm, "loans_by_audience", "youth") == 15
    assert value(gm, "loans_by_material", "book") == 15
    assert value(gm, "loans_by_age", "9-14") == 15
    amf = figures("GM0307", "2026-H1", at=T0)
    assert value(amf, "loans_by_material", "dvd") == 11
    assert amf[("renewals", "")].value == 3 and amf[("renewals", "")].suppressed
    pv = figures("PV26", "2026-H1", at=T0)
    assert value(pv, "loans") == 26
    assert value(pv, "loans_per_inhabitant") == pytest.approx(26 / (UTRECHT + AMERSFOORT))
    # The other half-year saw none of it.
    assert value(figures("PV26", "2026-H2", at=T0), "loans") == 0
    # A year adds its halves.
    assert value(figures("PV26", "2026", at=T0), "loans") == 26


def test_ido_contacts_themes_referrals_and_reach_against_the_covenant_target(net):
    for code in ["1h"] * 6 + ["t23"] * 4 + ["o2vo"] * 3:
        registration.register_quick_contact(code, branch=net.a1, at=T0)
    gm = figures("GM0344", "2026-H1", at=T0)
    assert value(gm, "ido_contacts") == 13
    assert value(gm, "ido_by_theme", "toeslagen") == 7
    assert gm[("ido_by_theme", "digid")].value == 6
    assert value(gm, "ido_by_channel", "balie") == 6
    assert value(gm, "ido_referral_share") is not None and gm[("ido_referral_share", "")].suppressed
    # reach: contacts per year over the municipality's share of 4 million people
    share_of_target = 4_000_000 * UTRECHT / (UTRECHT + AMERSFOORT)
    assert value(gm, "ido_reach") == pytest.approx(100 * 13 / 0.5 / share_of_target)
    assert value(gm, "ido_target") == pytest.approx(0.10 * share_of_target * 0.5)
    assert gm[("ido_reach", "")].indicator.target == 10
    assert gm[("ido_reach", "")].indicator.ambition == 20


def test_activities_participants_per_wsob_function_and_courses(net):
    registration.save_activity(
        organisation=net.org_a,
        programme="digisterker",
        starts_on=date(2026, 2, 2),
        sessions=4,
        branch=net.a1,
        participants={"senioren": 8, "volwassenen": 6},
        at=T0,
    )
    registration.save_activity(
        organisation=net.org_a,
        programme="boekstart",
        starts_on=date(2026, 2, 20),
        municipality=net.gm_a,
        participants={"ouders": 25, "kinderen": 30},
        at=T0,
    )
    gm = figures("GM0344", "2026-H1", at=T0)
    assert value(gm, "participants") == 69
    assert value(gm, "participants_by_function", "ontwikkeling_educatie") == 14
    assert value(gm, "participants_by_function", "lezen_literatuur") == 55
    assert value(gm, "participants_by_group", "ouders") == 25
    assert value(gm, "courses_by_programme", "digisterker") == 1
    assert value(gm, "course_participants", "digisterker") == 14
    assert value(gm, "participants_per_1000") == pytest.approx(1000 * 69 / UTRECHT)


def test_branches_staffed_hours_and_municipalities_without_a_vestiging(net):
    small = Municipality.objects.create(
        code="GM0355", name="Zeist", province=net.province, inhabitants=66000,
        reference_date=date(2024, 1, 1),
    )  # fmt: skip
    Branch.objects.create(
        organisation=net.org_a, code="zeist-punt", name="Servicepunt Zeist", municipality=small,
        staffed_hours_week=Decimal("6"),
    )  # fmt: skip
    Branch.objects.filter(pk=net.a2.pk).update(closed_on=date(2026, 2, 1))
    Branch.objects.create(
        organisation=net.org_b, code="amf-nieuw", name="Nieuw", municipality=net.gm_b,
        staffed_hours_week=Decimal("16"), opened_on=date(2026, 1, 15),
    )  # fmt: skip
    pv = figures("PV26", "2026-H1", at=T0)
    # open on 2 March 2026: a1 (60 h), b1 (50 h), amf-nieuw (16 h), the Zeist point (6 h)
    assert value(pv, "branches_by_kind", "vestiging") == 3
    assert value(pv, "branches_by_kind", "servicepunt") == 1
    assert value(pv, "staffed_hours") == 132
    assert value(pv, "branches_closed") == 1 and value(pv, "branches_opened") == 1
    assert value(pv, "municipalities_without_vestiging") == 1
    assert pv[("municipalities_without_vestiging", "")].items == ("Zeist",)
    # Before the closure the figures were different: 2025-H2 is read on 31 December 2025.
    earlier = figures("PV26", "2025-H2", at=T0)
    assert value(earlier, "branches_by_kind", "vestiging") == 3  # a1, a2, b1
    assert value(earlier, "staffed_hours") == 136
    assert value(pv, "vestigingen_per_100k") == pytest.approx(
        100000 * 3 / (UTRECHT + AMERSFOORT + 66000)
    )


def test_staff_is_apportioned_to_municipalities_by_inhabitants(net):
    net.org_b.municipalities.add(net.gm_a)  # B now serves both municipalities
    registration.record_staff_year(
        organisation=net.org_b, year=2025, staff_persons=40, staff_fte="25,5", volunteers=12,
        staff_trained=10, at=T0,
    )  # fmt: skip
    registration.record_staff_year(
        organisation=net.org_a, year=2025, staff_persons=100, staff_fte=70, volunteers=30, at=T0
    )
    share_a = UTRECHT / (UTRECHT + AMERSFOORT)
    gm = figures("GM0344", "2025", at=T0)
    assert value(gm, "staff_persons") == pytest.approx(100 + 40 * share_a)
    assert value(gm, "staff_fte") == pytest.approx(70 + 25.5 * share_a)
    assert value(figures("GM0307", "2025", at=T0), "volunteers") == pytest.approx(
        12 * (1 - share_a)
    )
    org = figures("ORG:bibliotheek-eemland", "2025", at=T0)
    assert value(org, "staff_persons") == pytest.approx(40)
    assert value(org, "trained_share") == pytest.approx(25)
    nl = figures("NL", "2025", at=T0)
    assert value(nl, "staff_fte") == pytest.approx(95.5)
    assert value(nl, "staff_organisations") == 2


def test_organisations_charging_a_youth_fee(net):
    assert value(figures("NL", "2026-H1", at=T0), "youth_fee_organisations") == 0
    SubscriptionType.objects.filter(organisation=net.org_b, category=PatronCategory.YOUTH).update(
        yearly_fee=Decimal("7.50"), youth_fee_confirmed=True
    )
    nl = figures("NL", "2026-H1", at=T0)
    assert value(nl, "youth_fee_organisations") == 1
    assert nl[("youth_fee_organisations", "")].items == ("Bibliotheek Eemland",)
    assert value(figures("GM0344", "2026-H1", at=T0), "youth_fee_organisations") == 0
    assert value(figures("GM0307", "2026-H1", at=T0), "youth_fee_organisations") == 1
    # an inactive youth type with a fee does not count
    SubscriptionType.objects.filter(organisation=net.org_b).update(active=False)
    assert value(figures("NL", "2026-H1", at=T0), "youth_fee_organisations") == 0


def test_an_organisation_without_working_area_still_counts_nationally(net):
    lonely = Organisation.objects.create(code="pop-up", name="Pop-up bibliotheek")
    registration.record_staff_year(
        organisation=lonely, year=2025, staff_persons=3, staff_fte=2, at=T0
    )
    assert value(figures("NL", "2025", at=T0), "staff_persons") == 3
    assert value(figures("ORG:pop-up", "2025", at=T0), "staff_persons") == 3
    # nobody in the province registered staff: no figure, not a false zero
    assert value(figures("PV26", "2025", at=T0), "staff_persons") is None


def test_events_through_the_services_reach_the_tallies(net):
    from clb.circulation import services as circulation

    patron = make_patron(net.org_a, at=T0)
    item = make_item(net.a1)
    circulation.checkout(item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1,
                         at=T0)  # fmt: skip
    circulation.checkin(item_barcode=item.barcode, branch=net.a1, at=T0 + timedelta(days=3))
    from clb.statistics.models import PlaceTally, ResidenceTally

    assert PlaceTally.objects.get(action="checkout", branch=net.a1).n == 1
    assert ResidenceTally.objects.get(action="checkin", municipality_code="GM0344").n == 1
    assert ResidenceTally.objects.get(action="member_registered").age_band == "20-64"


def test_record_keeps_event_and_tally_in_one_transaction(net):
    from django.db import transaction

    from clb.statistics.models import CirculationEvent, PlaceTally

    item = make_item(net.a1)
    with pytest.raises(RuntimeError), transaction.atomic():
        record("checkout", at=T0, organisation=net.org_a, branch=net.a1, item=item)
        raise RuntimeError("the action failed after its event")
    assert not CirculationEvent.objects.exists() and not PlaceTally.objects.exists()
