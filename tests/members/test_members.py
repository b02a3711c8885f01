from datetime import date, timedelta
from decimal import Decimal

import pytest

from clb.members import cards
from clb.members import services as members
from clb.members.errors import MemberError
from clb.members.models import Membership, Patron, SubscriptionType
from tests.factories import T0, make_patron

pytestmark = pytest.mark.django_db


def test_card_numbers_carry_a_check_digit():
    number = cards.new_card_number()
    assert len(number) == 14 and cards.is_valid_card_number(number)
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not cards.is_valid_card_number(wrong)


def test_registration_picks_type_by_age_and_youth_is_free(net):
    child = make_patron(net.org_a, birth_date=date(2015, 1, 1), paid=False)
    adult = make_patron(net.org_a, birth_date=date(1990, 1, 1), paid=False)
    senior = make_patron(net.org_a, birth_date=date(1950, 1, 1), paid=False)
    assert child.memberships.get().subscription_type.code == "jeugd"
    assert child.balance() == 0
    assert adult.memberships.get().subscription_type.code == "volwassen"
    assert adult.balance() == Decimal("57.50")
    assert senior.balance() == Decimal("49.50")
    assert child.municipality == net.gm_a  # from the postcode area
    assert child.pin_hash.startswith("clb_pin_pbkdf2$") and "1234" not in child.pin_hash


@pytest.mark.parametrize(
    "field,kwargs",
    [
        ("postcode", {"postcode": "12345"}),
        ("postcode", {"postcode": "1234 SA"}),  # SA, SD, SS are never issued
        ("pin", {"pin": "12"}),
        ("pin", {"pin": "abcd"}),
        ("birth_date", {"birth_date": date(2030, 1, 1)}),
        ("first_name", {"first_name": " "}),
    ],
)
def test_bad_registration_names_the_field_and_writes_nothing(net, field, kwargs):
    args = dict(
        organisation=net.org_a,
        first_name="An",
        last_name="Smit",
        birth_date=date(1990, 1, 1),
        postcode="3511 AB",
        pin="1234",
        at=T0,
    )
    args.update(kwargs)
    with pytest.raises(MemberError) as err:
        members.register_patron(**args)
    assert err.value.field == field
    assert Patron.objects.count() == 0 and Membership.objects.count() == 0


def test_youth_fee_needs_a_deliberate_decision(net):
    from django.db import IntegrityError, transaction

    youth = SubscriptionType.objects.get(organisation=net.org_a, code="jeugd")
    youth.yearly_fee = Decimal("10")
    with pytest.raises(IntegrityError), transaction.atomic():
        youth.save()
    youth.youth_fee_confirmed = True
    youth.save()  # allowed, and counted by the cockpit
    child = make_patron(net.org_a, birth_date=date(2015, 1, 1), paid=False)
    assert child.balance() == Decimal("10.00")


def test_pin_lockout_after_five_wrong_and_reset_after_a_while(net):
    patron = make_patron(net.org_a, pin="4321")
    for _ in range(4):
        with pytest.raises(MemberError) as err:
            members.verify_pin(patron.card_number, "0000", at=T0)
        assert err.value.code == "wrong_pin"
    with pytest.raises(MemberError):
        members.verify_pin(patron.card_number, "0000", at=T0)
    with pytest.raises(MemberError) as err:  # locked now, even with the right PIN
        members.verify_pin(patron.card_number, "4321", at=T0 + timedelta(minutes=1))
    assert err.value.code == "pin_locked"
    assert members.verify_pin(patron.card_number, "4321", at=T0 + timedelta(minutes=16)) == patron


def test_change_pin(net):
    patron = make_patron(net.org_a, pin="4321")
    with pytest.raises(MemberError) as err:
        members.change_pin(patron, "4321", "1")
    assert err.value.field == "new_pin"
    members.change_pin(patron, "4321", "987654", at=T0)
    assert members.verify_pin(patron.card_number, "987654", at=T0)


def test_ledger_balance_is_derived_and_overpayment_refused(net):
    patron = make_patron(net.org_a, paid=False)
    assert patron.balance() == Decimal("57.50")
    with pytest.raises(MemberError) as err:
        members.pay(patron, net.org_a, "60", at=T0)
    assert err.value.field == "amount"
    with pytest.raises(MemberError):
        members.pay(patron, net.org_a, "-1", at=T0)
    members.pay(patron, net.org_a, "7.50", at=T0)
    members.pay(patron, net.org_a, "50", kind="waiver", at=T0)
    assert patron.balance() == 0
    assert list(patron.ledger_lines.values_list("kind", flat=True)) == [
        "subscription",
        "payment",
        "waiver",
    ]


def test_renew_membership_moves_an_adult_child_to_adult_type(net):
    patron = make_patron(net.org_a, birth_date=date(2008, 6, 1))  # 17 at T0
    membership = patron.memberships.get()
    assert membership.subscription_type.code == "jeugd"
    renewed = members.renew_membership(patron, net.org_a, at=T0 + timedelta(days=360))
    assert renewed.subscription_type.code == "volwassen"
    assert renewed.expires_on == membership.expires_on + timedelta(days=365)
    assert patron.balance() == Decimal("57.50")


def test_export_contains_everything_about_the_patron(net):
    import json

    patron = make_patron(net.org_a)
    data = members.export_data(patron)
    json.dumps(data)  # serialisable
    assert data["patron"]["card_number"] == patron.card_number
    assert data["memberships"][0]["organisation"] == net.org_a.name
    assert [line["kind"] for line in data["ledger"]] == ["subscription", "payment"]
