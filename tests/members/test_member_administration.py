"""Member administration rules (issue 11, item 6): plausible birth dates, a guardian for members
under 16, possible duplicates at registration, and editing details and category."""

from datetime import date
from decimal import Decimal

import pytest

from clb.members import services as members
from clb.members.errors import MemberError
from clb.members.models import Membership, Patron, SubscriptionType
from tests.factories import T0, make_patron

pytestmark = pytest.mark.django_db

GUARDIAN = {"guardian_name": "Petra Smit", "guardian_phone": "06 12345678"}


def register(net, **changes):
    args = dict(
        organisation=net.org_a,
        first_name="An",
        last_name="Smit",
        birth_date=date(1990, 1, 1),
        postcode="3511 AB",
        pin="1234",
        at=T0,
    )
    return members.register_patron(**{**args, **changes})


@pytest.mark.parametrize(
    "birth_date",
    [date(1880, 1, 1), date(1025, 6, 1), date(2026, 3, 3), None],
    ids=["146-years-old", "typo-year", "tomorrow", "missing"],
)
def test_implausible_birth_dates_are_refused_at_their_field(net, birth_date):
    with pytest.raises(MemberError) as refused:
        register(net, birth_date=birth_date)
    assert refused.value.field == "birth_date"
    assert Patron.objects.count() == 0


def test_a_member_under_16_needs_a_guardian_with_a_way_to_reach_them(net):
    child = date(2014, 6, 1)  # 11 on T0
    with pytest.raises(MemberError) as refused:
        register(net, birth_date=child)
    assert refused.value.field == "guardian_name"
    with pytest.raises(MemberError) as refused:
        register(net, birth_date=child, guardian_name="Petra Smit")
    assert refused.value.field == "guardian_phone"
    assert Patron.objects.count() == 0
    patron = register(net, birth_date=child, **GUARDIAN)
    assert (patron.guardian_name, patron.guardian_phone) == ("Petra Smit", "06 12345678")
    assert members.export_data(patron)["patron"]["guardian_name"] == "Petra Smit"
    sixteen = register(net, first_name="Bo", birth_date=date(2010, 3, 2))  # 16 today
    assert sixteen.guardian_name == ""


def test_same_name_and_birth_date_or_same_email_is_a_possible_duplicate(net):
    first = register(net, email="an.smit@example.nl")
    with pytest.raises(members.PossibleDuplicate) as same_person:
        register(net, first_name="an", last_name="SMIT")
    assert same_person.value.patrons == [first] and same_person.value.field == "duplicate_reason"
    with pytest.raises(members.PossibleDuplicate) as same_mail:
        register(net, first_name="Anna", birth_date=date(1991, 2, 2), email="An.Smit@example.nl")
    assert same_mail.value.patrons == [first]
    with pytest.raises(MemberError) as no_reason:
        register(net, duplicate_reason="  ")
    assert no_reason.value.field == "duplicate_reason"
    assert Patron.objects.count() == 1
    twin = register(net, duplicate_reason="Tweeling met dezelfde naam, andere persoon")
    assert Patron.objects.count() == 2 and twin.card_number != first.card_number


def test_editing_details_recomputes_the_municipality_and_says_what_changed(net):
    patron = make_patron(net.org_a, postcode="3511 AB", email="oud@example.nl")
    changed = members.update_patron(
        patron, postcode="3811ab", street="Langestraat 1", email="oud@example.nl", phone=""
    )
    patron.refresh_from_db()
    assert (patron.postcode, patron.street, patron.municipality) == (
        "3811 AB",
        "Langestraat 1",
        net.gm_b,
    )
    assert changed == ["adres", "postcode"]
    with pytest.raises(MemberError) as refused:
        members.update_patron(patron, postcode="12")
    assert refused.value.field == "postcode"
    with pytest.raises(MemberError) as refused:
        members.update_patron(patron, card_number="2" * 14)
    assert refused.value.field == "card_number"


def test_a_child_cannot_lose_its_guardian(net):
    child = make_patron(net.org_a, birth_date=date(2015, 1, 1), at=T0)
    with pytest.raises(MemberError) as refused:
        members.update_patron(child, guardian_name="", at=T0)
    assert refused.value.field == "guardian_name"


def test_category_changes_to_a_type_that_fits_the_age_without_a_new_charge(net):
    patron = make_patron(net.org_a, birth_date=date(1950, 1, 1))
    plus = SubscriptionType.objects.create(
        organisation=net.org_a, code="plus", name="Plus", category="adult", min_age=18
    )
    youth = SubscriptionType.objects.get(organisation=net.org_a, code="jeugd")
    other = SubscriptionType.objects.get(organisation=net.org_b, code="senior")
    balance = patron.balance()
    membership = members.change_subscription_type(patron, net.org_a, plus, at=T0)
    assert (
        Membership.objects.get(patron=patron).subscription_type
        == plus
        == membership.subscription_type
    )
    assert patron.balance() == balance == Decimal("0")  # the new fee applies from the next term
    for wrong in (youth, other):
        with pytest.raises(MemberError) as refused:
            members.change_subscription_type(patron, net.org_a, wrong, at=T0)
        assert refused.value.field == "subscription_type"
    with pytest.raises(MemberError):
        members.change_subscription_type(patron, net.org_b, other, at=T0)  # no membership there
