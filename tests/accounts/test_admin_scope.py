"""Organisation administrators see and edit only their own organisation's data in the admin."""

from decimal import Decimal

import pytest

from clb.accounts.models import User
from clb.accounts.roles import ensure_groups
from clb.circulation.models import LoanRule
from clb.members.models import SubscriptionType
from clb.network.models import Branch
from tests.factories import make_item, make_patron

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_a(net, client):
    user = User.objects.create_user(
        "beheer-a", password="x", is_staff=True, role=User.Role.ORG_ADMIN, organisation=net.org_a
    )
    user.groups.add(ensure_groups())
    client.force_login(user)
    return user


def test_lists_show_only_own_organisation(net, client, admin_a):
    make_item(net.a1)
    make_item(net.b1)
    make_patron(net.org_a, last_name="Eigenaar")
    make_patron(net.org_b, last_name="Vreemdeling", postcode="3811 AB")
    pages = {
        "/admin/network/branch/": ("Centrale Bibliotheek", "Eemhuis"),
        "/admin/catalogue/item/": (net.a1.name, net.b1.name),
        "/admin/members/patron/": ("Eigenaar", "Vreemdeling"),
        "/admin/members/subscriptiontype/": (net.org_a.name, net.org_b.name),
    }
    for url, (own, other) in pages.items():
        html = client.get(url).content.decode()
        assert own in html, url
        assert other not in html, url


def test_other_organisations_rows_cannot_be_opened_or_changed(net, client, admin_a):
    other = net.b1
    assert client.get(f"/admin/network/branch/{other.pk}/change/").status_code in (302, 404)
    sub = SubscriptionType.objects.get(organisation=net.org_b, code="volwassen")
    response = client.post(
        f"/admin/members/subscriptiontype/{sub.pk}/change/", {"yearly_fee": "0.00"}
    )
    assert response.status_code in (302, 404)
    sub.refresh_from_db()
    assert sub.yearly_fee == Decimal("57.50")
    # Own rows open fine.
    assert client.get(f"/admin/network/branch/{net.a1.pk}/change/").status_code == 200


def test_new_rows_land_in_own_organisation_and_cannot_target_another(net, client, admin_a):
    response = client.post(
        "/admin/circulation/loanrule/add/",
        {
            "organisation": net.org_b.pk,
            "patron_category": "",
            "item_type": "",
            "loan_days": 5,
            "renewals": 0,
            "loan_limit": 1,
            "fine_per_day": "9",
            "fine_cap": "9",
            "hold_fee": "0",
        },
    )
    assert response.status_code == 200  # form error: org B is not a valid choice for them
    assert not LoanRule.objects.filter(organisation=net.org_b).exists()
    client.post(
        "/admin/circulation/loanrule/add/",
        {
            "organisation": net.org_a.pk,
            "patron_category": "",
            "item_type": "",
            "loan_days": 28,
            "renewals": 1,
            "loan_limit": 10,
            "fine_per_day": "0.20",
            "fine_cap": "4",
            "hold_fee": "0",
            "hold_fee_refund": "until_ready",
        },
    )
    assert LoanRule.objects.get(organisation=net.org_a).loan_days == 28


def test_national_rules_visible_but_not_editable_by_organisation(net, client, admin_a):
    national = LoanRule.objects.filter(organisation__isnull=True).first()
    assert client.get("/admin/circulation/loanrule/").status_code == 200
    client.post(
        f"/admin/circulation/loanrule/{national.pk}/change/",
        {
            "organisation": "",
            "patron_category": "",
            "item_type": "",
            "loan_days": 1,
            "renewals": 0,
            "loan_limit": 1,
            "fine_per_day": "9",
            "fine_cap": "9",
            "hold_fee": "0",
        },
    )
    national.refresh_from_db()
    assert national.loan_days != 1


def test_branch_cannot_be_moved_to_another_organisation(net, client, admin_a):
    data = {
        "organisation": net.org_b.pk,
        "code": net.a1.code,
        "name": "Gestolen",
        "kind": "vestiging",
        "staffed_hours_week": "60",
        "has_own_collection": "on",
    }
    client.post(f"/admin/network/branch/{net.a1.pk}/change/", data)
    assert Branch.objects.get(pk=net.a1.pk).organisation == net.org_a
