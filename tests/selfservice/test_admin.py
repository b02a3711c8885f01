"""Kiosk accounts in the admin: passwords hashed, accounts kept inside their organisation."""

import pytest

from clb.accounts.models import User
from clb.accounts.roles import ensure_groups
from clb.selfservice.models import KioskAccount

pytestmark = pytest.mark.django_db

ADD = "/admin/selfservice/kioskaccount/add/"


def new_kiosk(net, **changes):
    return {
        "login": "zuil-1",
        "branch": net.a1.pk,
        "description": "",
        "charset": "utf-8",
        "active": "on",
        "password": "S3cret-zuil-42",
        **changes,
    }


def test_kiosk_password_is_hashed_and_the_account_branch_scoped(net, client):
    client.force_login(User.objects.create_superuser("root", password="x"))
    response = client.post(ADD, new_kiosk(net, charset="cp850"))
    assert response.status_code == 302
    account = KioskAccount.objects.get(login="zuil-1")
    assert account.password_hash.startswith("clb_kiosk_pbkdf2$")
    assert "S3cret" not in account.password_hash and account.charset == "cp850"
    assert account.check_password("S3cret-zuil-42") and not account.check_password("fout")
    # Changing other fields keeps the password.
    change = f"/admin/selfservice/kioskaccount/{account.pk}/change/"
    assert client.post(change, new_kiosk(net, password="", description="hal")).status_code == 302
    account.refresh_from_db()
    assert account.description == "hal" and account.check_password("S3cret-zuil-42")
    # An organisation administrator of the other organisation neither sees nor opens it,
    # nor can put a kiosk in a branch that is not theirs.
    other = User.objects.create_user(
        "beheer-b", password="x", is_staff=True, organisation=net.org_b
    )
    other.groups.add(ensure_groups())
    client.force_login(other)
    listing = client.get("/admin/selfservice/kioskaccount/")
    assert listing.status_code == 200 and listing.context["cl"].result_count == 0
    assert client.get(change).status_code in (302, 404)
    refused = client.post(ADD, new_kiosk(net, login="zuil-2"))
    assert refused.status_code == 200 and "branch" in refused.context["adminform"].form.errors
    assert not KioskAccount.objects.filter(login="zuil-2").exists()


@pytest.mark.parametrize(
    "password, error",
    [
        ("", "Een nieuwe zuil heeft een wachtwoord nodig."),
        ("kort", "minstens 12 tekens"),
        ("lang-genoeg|maar-met-streep", "mag geen | bevatten"),
    ],
)
def test_a_kiosk_password_must_be_usable(net, client, password, error):
    client.force_login(User.objects.create_superuser("root", password="x"))
    response = client.post(ADD, new_kiosk(net, password=password))
    assert response.status_code == 200 and not KioskAccount.objects.exists()
    assert error in str(response.context["adminform"].form.errors["password"])
