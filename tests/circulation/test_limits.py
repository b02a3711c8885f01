"""Loan limits as data (issue 11, item 2): a rule's limit counts only the loans that rule governs
(its item type / patron category), and an optional overall limit per patron category caps all
loans at one lending organisation together. One table-driven matrix over the rule table."""

from datetime import date

import pytest

from clb.catalogue.models import ItemType
from clb.circulation import services as circ
from clb.circulation.errors import CirculationError
from clb.circulation.models import CategoryLimit, LoanRule
from tests.factories import T0, make_item, make_patron

pytestmark = pytest.mark.django_db
CHILD = date(2014, 6, 1)


def _borrow(net, patron, item_type, n, branch=None):
    branch = branch or net.a1
    for _ in range(n):
        item = make_item(branch, item_type=item_type)
        circ.checkout(
            item_barcode=item.barcode, card_number=patron.card_number, branch=branch, at=T0
        )


def _try(net, patron, item_type, branch=None):
    branch = branch or net.a1
    item = make_item(branch, item_type=item_type)
    try:
        circ.checkout(
            item_barcode=item.barcode, card_number=patron.card_number, branch=branch, at=T0
        )
    except CirculationError as exc:
        return exc.code
    return "ok"


# (extra rules, loans already out by type, category of the patron, type asked, expected)
MATRIX = [
    pytest.param([], {"boek": 5}, "adult", "dvd", "ok", id="books-do-not-count-for-dvd-limit"),
    pytest.param([], {"dvd": 5}, "adult", "dvd", "loan_limit", id="dvd-limit-counts-dvds"),
    pytest.param([], {"dvd": 5}, "adult", "boek", "ok", id="dvds-do-not-count-for-books"),
    pytest.param([], {"boek": 19, "dvd": 5}, "adult", "boek", "ok", id="book-limit-books-only"),
    pytest.param([], {"boek": 20}, "adult", "boek", "loan_limit", id="book-limit-reached"),
    pytest.param(
        [],
        {"tijdschrift": 10},
        "adult",
        "tijdschrift",
        "loan_limit",
        id="magazine-limit-counts-magazines",
    ),
    # An organisation-wide rule outweighs the national DVD rule: it then governs DVDs too.
    pytest.param(
        [dict(organisation="a", loan_limit=3)],
        {"boek": 2, "dvd": 1},
        "adult",
        "boek",
        "loan_limit",
        id="org-wildcard-rule-governs-all-types",
    ),
    pytest.param(
        [dict(organisation="a", item_type="dvd", loan_limit=2)],
        {"boek": 6, "dvd": 1},
        "adult",
        "dvd",
        "ok",
        id="org-dvd-rule-counts-only-dvds",
    ),
    # A category-specific rule governs that category's loans only.
    pytest.param(
        [dict(organisation="a", patron_category="youth", item_type="dvd", loan_limit=1)],
        {"dvd": 1},
        "youth",
        "dvd",
        "loan_limit",
        id="youth-dvd-rule",
    ),
    pytest.param(
        [dict(organisation="a", patron_category="youth", item_type="dvd", loan_limit=1)],
        {"dvd": 1},
        "adult",
        "dvd",
        "ok",
        id="youth-dvd-rule-leaves-adults-alone",
    ),
]


@pytest.mark.parametrize(("rules", "out", "category", "asked", "expected"), MATRIX)
def test_limit_matrix(net, rules, out, category, asked, expected):
    for values in rules:
        values = dict(values)
        values["organisation"] = {"a": net.org_a}[values["organisation"]]
        if "item_type" in values:
            values["item_type"] = ItemType.objects.get(code=values["item_type"])
        LoanRule.objects.create(**values)
    patron = make_patron(net.org_a, birth_date=CHILD if category == "youth" else date(1980, 1, 1))
    for item_type, n in out.items():
        _borrow(net, patron, item_type, n)
    assert _try(net, patron, asked) == expected


OVERALL = [
    # (limits: (organisation, category, max), loans out, patron, expected for one more book)
    pytest.param([("a", "adult", 6)], {"boek": 5, "dvd": 1}, "adult", "overall_limit", id="cap"),
    pytest.param([("a", "adult", 6)], {"boek": 5}, "adult", "ok", id="below-cap"),
    pytest.param([("a", "adult", 6)], {"boek": 6}, "youth", "ok", id="other-category-free"),
    pytest.param([(None, "", 4)], {"boek": 2, "dvd": 2}, "youth", "overall_limit", id="national"),
    pytest.param(
        [(None, "", 4), ("a", "", 10)], {"boek": 2, "dvd": 2}, "adult", "ok", id="org-overrides"
    ),
    pytest.param(
        [("a", "", 10), ("a", "youth", 3)],
        {"boek": 3},
        "youth",
        "overall_limit",
        id="category-overrides-org",
    ),
]


@pytest.mark.parametrize(("limits", "out", "category", "expected"), OVERALL)
def test_overall_limit_per_patron_category(net, limits, out, category, expected):
    for org, cat, most in limits:
        CategoryLimit.objects.create(
            organisation=net.org_a if org else None, patron_category=cat, max_loans=most
        )
    patron = make_patron(net.org_a, birth_date=CHILD if category == "youth" else date(1980, 1, 1))
    for item_type, n in out.items():
        _borrow(net, patron, item_type, n)
    assert _try(net, patron, "boek") == expected


def test_limits_count_per_lending_organisation(net):
    """Loans at another organisation fall under that organisation's rules and limits."""
    CategoryLimit.objects.create(organisation=net.org_a, patron_category="", max_loans=2)
    patron = make_patron(net.org_a, birth_date=CHILD)
    _borrow(net, patron, "boek", 3, branch=net.b1)
    assert _try(net, patron, "boek") == "ok"
    assert _try(net, patron, "boek") == "ok"
    assert _try(net, patron, "boek") == "overall_limit"


def test_refusal_says_which_limit(net):
    patron = make_patron(net.org_a)
    _borrow(net, patron, "dvd", 5)
    item = make_item(net.a1, item_type="dvd")
    with pytest.raises(CirculationError) as err:
        circ.checkout(
            item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1, at=T0
        )
    assert "5" in str(err.value) and "dvd" in str(err.value).lower()
