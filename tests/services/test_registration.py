"""Registration of IDO contacts, activities and staff: the rules in services.py."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from clb.services import services
from clb.services.models import Activity, IdoContact, ParticipantCount, StaffYear
from clb.services.services import RegistrationError, parse_quick_code
from tests.factories import T0


@pytest.mark.parametrize(
    "code, channel, themes, helped, referred",
    [
        ("1", "balie", ["digid"], True, ""),
        ("t23", "telefoon", ["toeslagen", "belastingen"], True, ""),
        ("2vo", "balie", ["toeslagen"], False, "overheid"),
        ("e6hvc", "email", ["werk_uitkering"], True, "cursus"),
        (" O 0 H ", "online", ["overig"], True, ""),
        ("a11", "afspraak", ["digid"], True, ""),
    ],
)
def test_quick_codes(code, channel, themes, helped, referred):
    quick = parse_quick_code(code)
    assert (quick.channel, quick.themes, quick.helped, quick.referred_to) == (
        channel,
        themes,
        helped,
        referred,
    )


@pytest.mark.parametrize("code", ["", "x1", "b", "1vz", "12q", "bb1"])
def test_unreadable_quick_codes_name_the_field(code):
    with pytest.raises(RegistrationError) as err:
        parse_quick_code(code)
    assert err.value.field == "quick"


def test_a_contact_holds_no_personal_data_and_defaults_the_body_from_the_theme(net):
    contact = services.register_quick_contact("35", branch=net.a1, at=T0)
    assert contact.organisation == net.org_a and contact.occurred_on == T0.date()
    assert contact.government_body == "belastingdienst"
    assert sorted(contact.themes.values_list("theme", flat=True)) == ["belastingen", "pensioen_aow"]
    fields = {f.name for f in IdoContact._meta.get_fields()}
    assert not fields & {"patron", "name", "birth_date", "postcode", "email", "bsn"}


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(channel="balie", themes=[]), "themes"),
        (dict(channel="fax", themes=["digid"]), "channel"),
        (dict(channel="balie", themes=["astrologie"]), "themes"),
        (dict(channel="balie", themes=["digid"], helped=False), "referred_to"),
        (dict(channel="balie", themes=["digid"], referred_to="nergens"), "referred_to"),
        (dict(channel="balie", themes=["digid"], government_body="nasa"), "government_body"),
        (dict(channel="balie", themes=["digid"], on=T0.date() + timedelta(days=1)), "occurred_on"),
    ],
)
def test_bad_contacts_are_refused_and_leave_nothing(net, kwargs, field):
    with pytest.raises(RegistrationError) as err:
        services.register_contact(branch=net.a1, at=T0, **kwargs)
    assert err.value.field == field
    assert not IdoContact.objects.exists()


def test_only_the_own_organisation_deletes_a_contact(net):
    contact = services.register_quick_contact("1", branch=net.a1, at=T0)
    with pytest.raises(RegistrationError):
        services.delete_contact(contact, organisation=net.org_b)
    services.delete_contact(contact, organisation=net.org_a)
    assert not IdoContact.objects.exists()


def test_activity_defaults_follow_the_programme_and_participants_replace(net):
    activity = services.save_activity(
        organisation=net.org_a,
        programme="klik_tik",
        starts_on=date(2026, 2, 1),
        branch=net.a2,
        sessions=6,
        participants={"senioren": 9, "volwassenen": 0},
        at=T0,
    )
    assert activity.wsob_function == "ontwikkeling_educatie" and activity.is_course
    assert activity.municipality == net.gm_a
    assert list(activity.participants.values_list("target_group", "count")) == [("senioren", 9)]
    services.save_activity(
        organisation=net.org_a,
        programme="klik_tik",
        starts_on=date(2026, 2, 1),
        branch=net.a2,
        participants={"nieuwkomers": 4},
        activity=activity,
        is_course=False,
        at=T0,
    )
    activity.refresh_from_db()
    assert not activity.is_course
    assert list(activity.participants.values_list("target_group", "count")) == [("nieuwkomers", 4)]


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(programme="yoga"), "programme"),
        (dict(ends_on=date(2026, 1, 1)), "ends_on"),
        (dict(sessions=0), "sessions"),
        (dict(participants={"senioren": -3}), "participants_senioren"),
        (dict(participants={"aliens": 3}), "participants"),
        (dict(branch=None), "municipality"),
        (dict(wsob_function="sport"), "wsob_function"),
    ],
)
def test_bad_activities_are_refused_and_leave_nothing(net, kwargs, field):
    values = dict(
        organisation=net.org_a, programme="debat", starts_on=date(2026, 2, 1), branch=net.a1
    )
    values.update(kwargs)
    with pytest.raises(RegistrationError) as err:
        services.save_activity(at=T0, **values)
    assert err.value.field == field
    assert not Activity.objects.exists() and not ParticipantCount.objects.exists()


def test_an_activity_at_another_organisations_branch_is_refused(net):
    with pytest.raises(RegistrationError) as err:
        services.save_activity(
            organisation=net.org_a, programme="debat", starts_on=date(2026, 2, 1), branch=net.b1
        )
    assert err.value.field == "branch"


def test_staff_year_is_one_row_per_year_and_checked(net):
    services.record_staff_year(
        organisation=net.org_a, year=2025, staff_persons=20, staff_fte="14,5", at=T0
    )
    services.record_staff_year(
        organisation=net.org_a, year=2025, staff_persons=22, staff_fte=15, staff_trained=3, at=T0
    )
    row = StaffYear.objects.get()
    assert (row.staff_persons, row.staff_fte, row.staff_trained) == (22, Decimal("15.0"), 3)
    for kwargs, field in [
        (dict(staff_persons=5, staff_fte=4, staff_trained=6), "staff_trained"),
        (dict(staff_persons=5, staff_fte="veel"), "staff_fte"),
        (dict(staff_persons=-1, staff_fte=1), "staff_persons"),
    ]:
        with pytest.raises(RegistrationError) as err:
            services.record_staff_year(organisation=net.org_a, year=2024, at=T0, **kwargs)
        assert err.value.field == field
    with pytest.raises(RegistrationError) as err:
        services.record_staff_year(
            organisation=net.org_a, year=2027, staff_persons=1, staff_fte=1, at=T0
        )
    assert err.value.field == "year"
    assert StaffYear.objects.count() == 1
