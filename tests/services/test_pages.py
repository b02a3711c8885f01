"""The registration pages: a contact in a few keystrokes, each organisation on its own."""

from datetime import date

import pytest
from django.test import Client

from clb.accounts.models import User
from clb.services import services
from clb.services.models import Activity, IdoContact, StaffYear
from tests.factories import T0


def staff_client(org, branch=None, username="balie"):
    user = User.objects.create_user(
        username=username, password="x-geheim-x", role="desk", organisation=org, branch=branch
    )
    client = Client()
    client.force_login(user)
    return client


def test_a_contact_is_a_code_and_enter(net):
    client = staff_client(net.org_a, net.a2)
    page = client.get("/registratie/ido/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="quick"' in html and "autofocus" in html
    # the form arrives with branch and date filled in; the desk types "t2" and Enter
    form = page.context["form"]
    response = client.post(
        "/registratie/ido/",
        {
            "quick": "t2",
            "branch": form["branch"].value(),
            "occurred_on": form["occurred_on"].value(),
        },
    )
    assert response.status_code == 302
    contact = IdoContact.objects.get()
    assert (contact.branch, contact.channel) == (net.a2, "telefoon")
    assert list(contact.themes.values_list("theme", flat=True)) == ["toeslagen"]
    assert contact.registered_by.username == "balie"
    follow = client.get("/registratie/ido/").content.decode()
    assert "Geregistreerd" in follow and "toeslagen" in follow


def test_an_unreadable_code_is_explained_and_nothing_saved(net):
    client = staff_client(net.org_a, net.a1)
    response = client.post(
        "/registratie/ido/", {"quick": "zz", "branch": net.a1.pk, "occurred_on": "2026-03-02"}
    )
    assert response.status_code == 200
    assert "Snelcode" in response.content.decode()
    assert not IdoContact.objects.exists()


def test_the_long_form_works_without_a_code(net):
    client = staff_client(net.org_a, net.a1)
    response = client.post(
        "/registratie/ido/",
        {
            "quick": "",
            "channel": "email",
            "themes": ["zorg", "boetes"],
            "referred_to": "schuldhulp",
            "branch": net.a1.pk,
            "occurred_on": "2026-03-02",
        },
    )
    assert response.status_code == 302
    contact = IdoContact.objects.get()
    assert not contact.helped and contact.referred_to == "schuldhulp"


def test_staff_cannot_register_at_or_delete_for_another_organisation(net):
    other = services.register_quick_contact("1", branch=net.b1, at=T0)
    client = staff_client(net.org_a, net.a1)
    response = client.post(
        "/registratie/ido/", {"quick": "1", "branch": net.b1.pk, "occurred_on": "2026-03-02"}
    )
    assert response.status_code == 200 and IdoContact.objects.count() == 1
    assert client.post(f"/registratie/ido/{other.pk}/verwijderen/").status_code == 404
    assert "Eemhuis" not in client.get("/registratie/ido/").content.decode()


def test_activities_page_registers_participants_per_group(net):
    client = staff_client(net.org_a, net.a1)
    assert client.get("/registratie/activiteiten/").status_code == 200
    response = client.post(
        "/registratie/activiteiten/",
        {
            "programme": "boekstart",
            "title": "Voorlezen op zaterdag",
            "starts_on": "2026-02-07",
            "sessions": "3",
            "branch": net.a1.pk,
            "participants_kinderen": "14",
            "participants_ouders": "11",
        },
    )
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.wsob_function == "lezen_literatuur" and activity.participants_total == 25
    edit = client.get(f"/registratie/activiteiten/{activity.pk}/")
    assert "Voorlezen op zaterdag" in edit.content.decode()


def test_staff_page_and_wsob_download(net):
    client = staff_client(net.org_a, net.a1)
    response = client.post(
        "/registratie/personeel/",
        {"year": "2025", "staff_persons": "31", "staff_fte": "22.4", "volunteers": "40",
         "staff_trained": "5"},
    )  # fmt: skip
    assert response.status_code == 302
    assert StaffYear.objects.get().volunteers == 40
    csv_text = client.get("/registratie/wsob/", {"jaar": "2025"}).content.decode()
    assert "personeel;vrijwilligers" in csv_text and ";40;" in csv_text


def test_users_without_an_organisation_cannot_register(net):
    user = User.objects.create_user(username="kb", password="x-geheim-x", role="cockpit",
                                    region_code="NL")  # fmt: skip
    client = Client()
    client.force_login(user)
    assert client.get("/registratie/ido/").status_code == 403
    assert Client().get("/registratie/ido/").status_code == 302


@pytest.mark.parametrize("path", ["/registratie/ido/", "/registratie/activiteiten/"])
def test_closed_period_refuses_registration_on_the_page(net, path):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from clb.cockpit import closing

    closing.close_period("2025-H2", at=datetime(2026, 1, 10, tzinfo=ZoneInfo("Europe/Amsterdam")))
    client = staff_client(net.org_a, net.a1)
    data = (
        {"quick": "1", "branch": net.a1.pk, "occurred_on": "2025-10-01"}
        if "ido" in path
        else {"programme": "debat", "starts_on": "2025-10-01", "sessions": "1", "branch": net.a1.pk}
    )
    response = client.post(path, data)
    assert response.status_code == 200 and "afgesloten" in response.content.decode()
    assert not IdoContact.objects.exists() and not Activity.objects.exists()
    assert date(2025, 10, 1)
