import pytest

from clb.accounts.models import User
from clb.accounts.roles import ensure_groups
from clb.selfservice.models import KioskAccount

pytestmark = pytest.mark.django_db


def test_kiosk_password_is_hashed_and_branch_scoped(net, client):
    admin = User.objects.create_superuser("root", password="x")
    client.force_login(admin)
    response = client.post(
        "/admin/selfservice/kioskaccount/add/",
        {
            "login": "zuil-1",
            "branch": net.a1.pk,
            "description": "",
            "active": "on",
            "password": "S3cret-zuil",
        },
    )
    assert response.status_code == 302
    account = KioskAccount.objects.get(login="zuil-1")
    assert (
        account.password_hash.startswith("clb_kiosk_pbkdf2$")
        and "S3cret" not in account.password_hash
    )
    assert account.check_password("S3cret-zuil") and not account.check_password("fout")
    # An organisation administrator of the other organisation neither sees nor opens it.
    other = User.objects.create_user(
        "beheer-b", password="x", is_staff=True, organisation=net.org_b
    )
    other.groups.add(ensure_groups())
    client.force_login(other)
    listing = client.get("/admin/selfservice/kioskaccount/")
    assert listing.status_code == 200 and listing.context["cl"].result_count == 0
    assert client.get(f"/admin/selfservice/kioskaccount/{account.pk}/change/").status_code in (
        302,
        404,
    )


def test_new_kiosk_needs_a_password(net, client):
    client.force_login(User.objects.create_superuser("root", password="x"))
    response = client.post(
        "/admin/selfservice/kioskaccount/add/",
        {"login": "zuil-2", "branch": net.a1.pk, "active": "on", "password": ""},
    )
    assert response.status_code == 200 and not KioskAccount.objects.exists()
