import pytest

from clb.catalogue.models import ItemType
from clb.circulation import rules
from clb.circulation.errors import CirculationError
from clb.circulation.models import LoanRule

pytestmark = pytest.mark.django_db


def test_most_specific_rule_wins(net):
    dvd = ItemType.objects.get(code="dvd")
    book = ItemType.objects.get(code="boek")
    assert rules.resolve(net.org_a, "adult", book).loan_days == 21  # national wildcard
    assert rules.resolve(net.org_a, "adult", dvd).loan_days == 7  # national dvd rule
    LoanRule.objects.create(organisation=net.org_a, loan_days=28)
    assert rules.resolve(net.org_a, "adult", book).loan_days == 28  # organisation beats national
    assert rules.resolve(net.org_a, "adult", dvd).loan_days == 28  # organisation outweighs type
    LoanRule.objects.create(organisation=net.org_a, item_type=dvd, loan_days=14)
    assert rules.resolve(net.org_a, "adult", dvd).loan_days == 14
    LoanRule.objects.create(
        organisation=net.org_a, item_type=dvd, patron_category="youth", loan_days=10
    )
    assert rules.resolve(net.org_a, "youth", dvd).loan_days == 10
    assert rules.resolve(net.org_b, "adult", dvd).loan_days == 7  # other org untouched


def test_one_rule_per_key_including_wildcards(net):
    from django.db import IntegrityError, transaction

    LoanRule.objects.create(organisation=net.org_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        LoanRule.objects.create(organisation=net.org_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        LoanRule.objects.create(
            organisation=None, patron_category="", item_type=None
        )  # national exists


def test_no_rule_is_a_clear_error(net):
    LoanRule.objects.all().delete()
    with pytest.raises(CirculationError) as err:
        rules.resolve(net.org_a, "adult", ItemType.objects.get(code="boek"))
    assert err.value.code == "no_rule"
