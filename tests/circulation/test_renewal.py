"""Renewal (issue 11, item 1): a renewal never moves a due date earlier, one that gains nothing is
refused without counting, and the refusal names the title. The desk, Mijn Bibliotheek and SIP2
all call circulation.renew, so the rule is tested here once and per adapter in their rooms."""

from datetime import date, timedelta

import pytest

from clb import formatting
from clb.circulation import services as circ
from clb.circulation.errors import CirculationError
from clb.circulation.models import Loan, LoanRule
from tests.factories import T0, make_item, make_patron, make_record

pytestmark = pytest.mark.django_db
CHILD = date(2014, 6, 1)


def _loan(net, title="De avonden"):
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(net.a1, make_record(title=title))
    circ.checkout(item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1, at=T0)
    return patron, item


def test_second_renewal_on_the_same_day_is_refused_and_not_counted(net):
    patron, item = _loan(net)
    first = circ.renew(item_barcode=item.barcode, at=T0 + timedelta(days=10))
    assert first.loan.renewals == 1
    with pytest.raises(CirculationError) as err:
        circ.renew(item_barcode=item.barcode, at=T0 + timedelta(days=10, hours=2))
    assert err.value.code == "renewal_gains_nothing"
    assert "De avonden" in str(err.value)
    loan = Loan.objects.get()
    assert loan.renewals == 1 and loan.due_at == first.due_at


def test_a_renewal_never_moves_the_due_date_earlier(net):
    patron, item = _loan(net, title="Max Havelaar")
    circ.renew(item_barcode=item.barcode, at=T0 + timedelta(days=20))  # due T0 + 41
    due = Loan.objects.get().due_at
    # The organisation shortens its loan period; renewing now would give T0 + 21 + 14 = T0 + 35.
    LoanRule.objects.create(organisation=net.org_a, loan_days=14, renewals=5)
    with pytest.raises(CirculationError) as err:
        circ.renew(item_barcode=item.barcode, at=T0 + timedelta(days=21))
    assert err.value.code == "renewal_gains_nothing"
    assert "Max Havelaar" in str(err.value)
    assert formatting.day(due) in str(err.value)
    loan = Loan.objects.get()
    assert loan.due_at == due and loan.renewals == 1
    # Once it gains a day, it renews.
    later = circ.renew(item_barcode=item.barcode, at=T0 + timedelta(days=28))
    assert later.due_at > due and later.loan.renewals == 2


def test_renew_all_twice_on_one_day_uses_one_renewal(net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    items = [make_item(net.a1, make_record(title=t)) for t in ("Titel een", "Titel twee")]
    for it in items:
        circ.checkout(item_barcode=it.barcode, card_number=patron.card_number, branch=net.a1, at=T0)
    day = T0 + timedelta(days=7)
    assert all(
        isinstance(r, circ.RenewResult)
        for _b, r in circ.renew_all(card_number=patron.card_number, at=day)
    )
    again = dict(circ.renew_all(card_number=patron.card_number, at=day + timedelta(hours=3)))
    assert all(isinstance(r, CirculationError) for r in again.values())
    assert {"Titel een", "Titel twee"} == {
        t for t in ("Titel een", "Titel twee") if any(t in str(r) for r in again.values())
    }
    assert set(Loan.objects.values_list("renewals", flat=True)) == {1}


def test_refusals_name_the_title_not_the_barcode(net):
    patron, item = _loan(net, title="Het achterhuis")
    other = make_patron(net.org_a, birth_date=CHILD)
    circ.place_hold(card_number=other.card_number, record=item.record, pickup_branch=net.a1, at=T0)
    with pytest.raises(CirculationError) as err:
        circ.renew(item_barcode=item.barcode, at=T0 + timedelta(days=5))
    assert err.value.code == "hold_waiting"
    assert "Het achterhuis" in str(err.value) and item.barcode not in str(err.value)


def test_overview_says_per_loan_whether_and_why_renewal_is_possible(net):
    patron, item = _loan(net, title="De avonden")
    check = circ.renewal_check(Loan.objects.get(), at=T0 + timedelta(days=1))
    assert check.allowed and check.due_at > Loan.objects.get().due_at
    circ.renew(item_barcode=item.barcode, at=T0 + timedelta(days=1))
    overview = circ.patron_overview(patron, net.org_a, at=T0 + timedelta(days=1, hours=1))
    [loan] = overview.loans
    assert not loan.renewal.allowed
    assert loan.renewal.code == "renewal_gains_nothing"
    assert "De avonden" in loan.renewal.message
    # The limit reached is said the same way.
    circ.renew(item_barcode=item.barcode, at=T0 + timedelta(days=5))
    overview = circ.patron_overview(patron, net.org_a, at=T0 + timedelta(days=15))
    assert overview.loans[0].renewal.code == "renewal_limit"


def test_refusals_speak_english_too(net):
    from django.utils import translation

    patron, item = _loan(net, title="Tirza")
    circ.renew(item_barcode=item.barcode, at=T0 + timedelta(days=3))
    with translation.override("en"), pytest.raises(CirculationError) as err:
        circ.renew(item_barcode=item.barcode, at=T0 + timedelta(days=3))
    assert str(err.value).startswith("Renewing ‘Tirza’ gains nothing now")
