"""Organisation administrators manage their own staff (issue 11, item 6): inside their own
organisation, never granting more than they have, never locking themselves out."""

import pytest

from clb.accounts import services as staff
from clb.accounts.models import User
from clb.accounts.roles import ORG_ADMIN_GROUP
from clb.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(net):
    return User.objects.create_user(
        "beheer-a", password="x" * 12, role=User.Role.ORG_ADMIN, organisation=net.org_a
    )


@pytest.fixture
def national(net):
    return User.objects.create_user("landelijk", role=User.Role.NATIONAL_ADMIN)


def new_staff(by, branch, **changes):
    data = dict(
        username="piet",
        first_name="Piet",
        last_name="Balie",
        email="piet@example.nl",
        role=User.Role.DESK,
        branch=branch,
        password="een-goed-wachtwoord",
    )
    return staff.create_staff(by, **{**data, **changes})


def test_an_org_admin_adds_desk_staff_to_their_own_organisation(net, boss):
    piet = new_staff(boss, net.a2)
    assert (piet.organisation, piet.branch, piet.role) == (net.org_a, net.a2, User.Role.DESK)
    assert piet.check_password("een-goed-wachtwoord") and not piet.is_staff
    assert list(staff.staff_of(boss)) == [boss, piet]
    colleague = new_staff(boss, net.a1, username="anja", role=User.Role.ORG_ADMIN)
    # An organisation admin works in the admin too, within their organisation's group.
    assert colleague.is_staff and colleague.groups.filter(name=ORG_ADMIN_GROUP).exists()


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"role": User.Role.NATIONAL_ADMIN}, "role"),
        ({"role": User.Role.COCKPIT}, "role"),
        ({"branch": "b1"}, "branch"),
        ({"username": "beheer-a"}, "username"),
        ({"password": "kort"}, "password"),
        ({"username": " "}, "username"),
    ],
)
def test_what_an_org_admin_cannot_do_when_adding(net, boss, changes, field):
    branch = net.b1 if changes.pop("branch", None) == "b1" else net.a1
    with pytest.raises(DomainError) as refused:
        new_staff(boss, branch, **changes)
    assert refused.value.field == field
    assert User.objects.count() == 1


def test_other_organisations_staff_are_out_of_reach(net, boss):
    eemland = User.objects.create_user("balie-b", role=User.Role.DESK, organisation=net.org_b)
    assert eemland not in staff.staff_of(boss)
    with pytest.raises(staff.StaffError) as refused:
        staff.update_staff(boss, eemland, role=User.Role.ORG_ADMIN)
    assert refused.value.code == "not_found"
    with pytest.raises(staff.StaffError):
        staff.set_password(boss, eemland, "een-ander-wachtwoord")
    eemland.refresh_from_db()
    assert eemland.role == User.Role.DESK and eemland.is_active


def test_roles_change_within_the_admins_own_reach(net, boss, national):
    piet = new_staff(boss, net.a1)
    changed = staff.update_staff(boss, piet, role=User.Role.ORG_ADMIN, branch=net.a2)
    piet.refresh_from_db()
    assert piet.role == User.Role.ORG_ADMIN and piet.branch == net.a2 and piet.is_staff
    assert set(changed) == {"rol", "vestiging"}
    staff.update_staff(boss, piet, role=User.Role.DESK, is_active=False)
    piet.refresh_from_db()
    assert not piet.is_staff and not piet.groups.exists() and not piet.is_active
    with pytest.raises(staff.StaffError) as refused:
        staff.update_staff(boss, piet, role=User.Role.NATIONAL_ADMIN)
    assert refused.value.field == "role"
    # A national administrator is beyond an organisation admin, wherever they are.
    national.organisation = net.org_a
    national.save()
    with pytest.raises(staff.StaffError):
        staff.update_staff(boss, national, is_active=False)


def test_an_admin_cannot_lock_themselves_out(net, boss):
    for changes in ({"role": User.Role.DESK}, {"is_active": False}):
        with pytest.raises(staff.StaffError) as refused:
            staff.update_staff(boss, boss, **changes)
        assert refused.value.code == "self"
    boss.refresh_from_db()
    assert boss.role == User.Role.ORG_ADMIN and boss.is_active


def test_desk_staff_manage_nobody(net, boss):
    piet = new_staff(boss, net.a1)
    with pytest.raises(staff.StaffError):
        new_staff(piet, net.a1, username="klaas")
    with pytest.raises(staff.StaffError):
        staff.update_staff(piet, boss, is_active=False)
