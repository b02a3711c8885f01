"""An organisation administrator cannot widen the organisation's working area (issue 12 item 2).

Its code, name and municipalities, and the municipality a branch stands in, decide which cost-model
scenarios and cockpit figures the organisation reaches and whose figures its branches count in.
Only national administrators change them; an organisation administrator sees them, read-only."""

from decimal import Decimal

import pytest
from django.test import Client

from clb.accounts.models import User
from clb.accounts.roles import ensure_groups
from clb.network.models import Branch, Municipality, Organisation

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_a(net):
    user = User.objects.create_user(
        "beheer-a", is_staff=True, role=User.Role.ORG_ADMIN, organisation=net.org_a
    )
    user.groups.add(ensure_groups())
    return login(user)


@pytest.fixture
def national(net):
    return login(User.objects.create_user("kb", is_staff=True, is_superuser=True))


@pytest.fixture
def far_away(net):
    """A municipality of another province, which organisation A would like to call its own."""
    return Municipality.objects.create(
        code="GM0599",
        name="Rotterdam",
        province=net.province.__class__.objects.create(code="PV28", name="Zuid-Holland"),
        inhabitants=650000,
        reference_date=net.gm_a.reference_date,
    )


def organisation_form(org, **changes) -> dict:
    data = {
        "code": org.code,
        "name": org.name,
        "municipalities": [m.pk for m in org.municipalities.all()],
        "fee_block_threshold": str(org.fee_block_threshold),
        "hold_shelf_days": str(org.hold_shelf_days),
        "fee_grace_days": str(org.fee_grace_days),
        "renewal_window_days": str(org.renewal_window_days),
        "isil": org.isil or "",
        "floating_item_types": [],
    }
    return {**data, **changes}


def branch_form(branch, **changes) -> dict:
    data = {
        "organisation": branch.organisation_id,
        "code": branch.code,
        "name": branch.name,
        "kind": branch.kind,
        "staffed_hours_week": str(branch.staffed_hours_week),
        "has_own_collection": "on",
        "municipality": branch.municipality_id,
        "street": "",
        "postcode": "",
        "place": "",
    }
    return {**data, **changes}


def test_an_organisation_admin_cannot_add_a_municipality_or_rename(net, admin_a, far_away):
    org = net.org_a
    url = f"/admin/network/organisation/{org.pk}/change/"
    page = admin_a.get(url).content.decode()
    assert "Rotterdam" not in page  # not even offered
    response = admin_a.post(
        url,
        organisation_form(
            org,
            municipalities=[net.gm_a.pk, far_away.pk],
            name="Bibliotheek Utrecht en Rotterdam",
            code="utrecht-rotterdam",
            hold_shelf_days="10",  # their own setting: that one they may change
        ),
    )
    assert response.status_code == 302
    org = Organisation.objects.get(pk=org.pk)
    assert list(org.municipalities.all()) == [net.gm_a]
    assert (org.code, org.name) == ("bibliotheek-utrecht", "Bibliotheek Utrecht")
    assert org.hold_shelf_days == 10
    # Nor through another organisation's municipality nearby.
    admin_a.post(url, organisation_form(org, municipalities=[net.gm_a.pk, net.gm_b.pk]))
    assert list(Organisation.objects.get(pk=org.pk).municipalities.all()) == [net.gm_a]


def test_a_branch_cannot_be_moved_to_a_foreign_municipality(net, admin_a, far_away):
    url = f"/admin/network/branch/{net.a1.pk}/change/"
    response = admin_a.post(url, branch_form(net.a1, municipality=far_away.pk, name="Nieuw"))
    assert response.status_code == 302
    branch = Branch.objects.get(pk=net.a1.pk)
    assert branch.municipality == net.gm_a and branch.name == "Nieuw"
    # A new branch stands in one of the organisation's own municipalities.
    new = {**branch_form(net.a1, code="utr-nieuw", name="Rotterdamse vestiging")}
    response = admin_a.post("/admin/network/branch/add/", {**new, "municipality": far_away.pk})
    assert response.status_code == 200  # the form again: not a valid choice
    assert not Branch.objects.filter(code="utr-nieuw").exists()
    response = admin_a.post("/admin/network/branch/add/", {**new, "municipality": net.gm_a.pk})
    assert response.status_code == 302
    assert Branch.objects.get(code="utr-nieuw").municipality == net.gm_a


def test_the_national_administrator_sets_the_working_area(net, national, far_away):
    org = net.org_a
    national.post(
        f"/admin/network/organisation/{org.pk}/change/",
        organisation_form(org, municipalities=[net.gm_a.pk, far_away.pk], name="Bieb U+R"),
    )
    org = Organisation.objects.get(pk=org.pk)
    assert set(org.municipalities.all()) == {net.gm_a, far_away} and org.name == "Bieb U+R"
    national.post(
        f"/admin/network/branch/{net.a1.pk}/change/",
        branch_form(net.a1, municipality=far_away.pk),
    )
    assert Branch.objects.get(pk=net.a1.pk).municipality == far_away
    assert org.fee_block_threshold == Decimal("10.00")
