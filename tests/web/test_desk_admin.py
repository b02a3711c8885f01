"""Member administration at the desk (issue 11, item 6): a duplicate check with a clear choice,
a guardian for children, editing a member's details with an audit entry, and organisation
admins managing their own staff."""

from datetime import date

import pytest

from clb.accounts.models import User
from clb.members.models import Patron, SubscriptionType
from clb.web.models import AuditAction, AuditEntry
from tests.factories import make_patron
from tests.web.conftest import CHILD, desk_user, page
from tests.web.test_desk_members import form as registration

pytestmark = pytest.mark.django_db


def form(**changes):
    return registration(**{"birth_date": "1985-04-03", **changes})


def test_a_possible_duplicate_offers_the_existing_member_or_a_reason(desk, net, earlier):
    existing = make_patron(
        net.org_a, at=earlier, first_name="Sanne", last_name="de Vries", birth_date=date(1985, 4, 3)
    )
    response = desk.post("/balie/inschrijven/", form(first_name="sanne"))
    assert response.status_code == 422
    html = page(response)
    assert "Mogelijk is deze persoon al lid" in html
    assert f'href="/balie/lener/{existing.pk}/"' in html and existing.card_number in html
    assert 'name="duplicate_reason"' in html
    assert Patron.objects.count() == 1
    # Registering anyway needs a reason, and the reason is in the audit log.
    response = desk.post("/balie/inschrijven/", form(duplicate_reason=""))
    assert response.status_code == 422 and Patron.objects.count() == 1
    response = desk.post("/balie/inschrijven/", form(duplicate_reason="Naamgenote, ander adres"))
    assert response.status_code == 302 and Patron.objects.count() == 2
    entry = AuditEntry.objects.get(action=AuditAction.REGISTERED)
    assert "Naamgenote, ander adres" in entry.detail


def test_a_duplicate_at_another_library_is_named_without_revealing_them(desk, net, earlier):
    elsewhere = make_patron(
        net.org_b,
        at=earlier,
        first_name="Sanne",
        last_name="de Vries",
        birth_date=date(1985, 4, 3),
        postcode="3811 AB",
    )
    html = page(desk.post("/balie/inschrijven/", form()))
    assert "andere bibliotheek" in html
    assert elsewhere.card_number not in html and f"/balie/lener/{elsewhere.pk}/" not in html


def test_a_child_is_registered_with_a_guardian(desk, net):
    response = desk.post("/balie/inschrijven/", form(birth_date=CHILD.isoformat()))
    assert response.status_code == 422
    html = page(response)
    error = html.split('id="id_guardian_name_error"')[1].split("</p>")[0]
    assert "ouder of verzorger" in error
    response = desk.post(
        "/balie/inschrijven/",
        form(birth_date=CHILD.isoformat(), guardian_name="Mark de Vries", guardian_phone="0612"),
    )
    assert response.status_code == 302
    patron = Patron.objects.get()
    assert patron.guardian_name == "Mark de Vries"
    assert "Mark de Vries" in page(desk.get(f"/balie/lener/{patron.pk}/"))


def test_an_implausible_birth_date_is_named_at_its_field(desk, net):
    html = page(desk.post("/balie/inschrijven/", form(birth_date="1075-04-03")))
    assert "niet aannemelijk" in html.split('id="id_birth_date_error"')[1].split("</p>")[0]


def test_editing_a_members_details_is_audited(desk, net, patron_a):
    plus = SubscriptionType.objects.create(
        organisation=net.org_a, code="plus", name="Plus", category="adult", min_age=18
    )
    url = f"/balie/lener/{patron_a.pk}/gegevens/"
    assert 'value="3511 AB"' not in page(desk.get(url))  # not at the desk: the open button
    desk.post("/balie/", {"card_number": patron_a.card_number})
    html = page(desk.get(url))
    assert 'value="3511 AB"' in html and "Plus" in html
    assert not AuditEntry.objects.filter(action=AuditAction.EDITED).exists()  # looking
    data = {
        "street": "Langestraat 9",
        "postcode": "3811 AB",
        "place": "Amersfoort",
        "email": "anna@example.nl",
        "phone": "",
        "guardian_name": "",
        "guardian_phone": "",
        "guardian_email": "",
        "subscription_type": plus.pk,
    }
    response = desk.post(url, data)
    assert response.status_code == 302
    patron_a.refresh_from_db()
    assert (patron_a.street, patron_a.postcode, patron_a.municipality) == (
        "Langestraat 9",
        "3811 AB",
        net.gm_b,
    )
    assert patron_a.memberships.get().subscription_type == plus
    entry = AuditEntry.objects.get(action=AuditAction.EDITED)
    assert entry.patron == patron_a and entry.username == "balie-a"
    assert "adres" in entry.detail and "postcode" in entry.detail and "Plus" in entry.detail
    # A bad postcode is named at its field and changes nothing.
    response = desk.post(url, {**data, "postcode": "12", "street": "Elders 1"})
    assert response.status_code == 422 and "postcode" in page(response)
    patron_a.refresh_from_db()
    assert patron_a.street == "Langestraat 9"


def test_a_member_of_another_library_is_not_edited_here(desk, net, patron_b):
    assert desk.get(f"/balie/lener/{patron_b.pk}/gegevens/").status_code == 404
    # Not even with their card at the desk: network access is for lending and returning.
    desk.post("/balie/", {"card_number": patron_b.card_number})
    refused = desk.get(f"/balie/lener/{patron_b.pk}/gegevens/")
    assert refused.status_code == 403 and "Bibliotheek Eemland" in page(refused)
    assert "3811 AB" not in page(refused)
    response = desk.post(f"/balie/lener/{patron_b.pk}/gegevens/", {"street": "Weg 1"})
    assert response.status_code == 403
    patron_b.refresh_from_db()
    assert patron_b.street == ""


def test_org_admin_manages_own_staff_on_the_desk_pages(client, net, admin_a, desk_a, desk_b):
    client.force_login(admin_a)
    html = page(client.get("/balie/medewerkers/"))
    assert "balie-a" in html and "balie-b" not in html
    assert "landelijk beheerder" not in html.split('id="id_role"')[1].split("</select>")[0]
    response = client.post(
        "/balie/medewerkers/",
        {
            "username": "nieuw",
            "first_name": "Nel",
            "last_name": "Nieuw",
            "email": "",
            "role": User.Role.DESK,
            "branch": net.a2.pk,
            "password": "een-lang-wachtwoord",
        },
    )
    assert response.status_code == 302
    nieuw = User.objects.get(username="nieuw")
    assert nieuw.organisation == net.org_a and nieuw.branch == net.a2
    response = client.post(
        f"/balie/medewerkers/{nieuw.pk}/",
        {
            "first_name": "Nel",
            "last_name": "Nieuw",
            "email": "",
            "role": User.Role.CATALOGUER,
            "branch": net.a2.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    nieuw.refresh_from_db()
    assert nieuw.role == User.Role.CATALOGUER
    details = list(
        AuditEntry.objects.filter(action=AuditAction.STAFF).values_list("detail", flat=True)
    )
    assert any("nieuw" in d and "rol" in d for d in details)
    # Another organisation's staff: not there, not changeable.
    assert client.get(f"/balie/medewerkers/{desk_b.pk}/").status_code == 404
    response = client.post(
        f"/balie/medewerkers/{desk_b.pk}/",
        {"role": User.Role.ORG_ADMIN, "branch": net.a1.pk, "is_active": "on"},
    )
    assert response.status_code == 404
    desk_b.refresh_from_db()
    assert desk_b.role == User.Role.DESK
    # A role beyond the admin's own is refused at its field.
    response = client.post(
        f"/balie/medewerkers/{nieuw.pk}/",
        {"role": User.Role.NATIONAL_ADMIN, "branch": net.a2.pk, "is_active": "on"},
    )
    assert response.status_code == 422
    nieuw.refresh_from_db()
    assert nieuw.role == User.Role.CATALOGUER


def test_desk_staff_do_not_manage_staff(desk, net):
    assert desk.get("/balie/medewerkers/").status_code == 403
    other = desk_user("collega", net.a1)
    assert desk.post(f"/balie/medewerkers/{other.pk}/", {"is_active": ""}).status_code == 403
