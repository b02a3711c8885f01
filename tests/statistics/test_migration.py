"""The statistics room took its tables over from the cockpit. On a database that holds figures,
migrating keeps every row, the tallies keep counting on, permissions follow their models — and
migrating back returns everything to the cockpit."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from clb.accounts.models import User
from clb.statistics import events, models
from tests.migrating import latest, migrate

BEFORE = [("cockpit", "0003_dutch_names"), ("statistics", None)]
AT = datetime(2025, 3, 1, 12, tzinfo=ZoneInfo("Europe/Amsterdam"))


def _rows(model, fields):
    return sorted(model.objects.values_list(*fields))


EVENT = ("id", "occurred_on", "action", "organisation_id", "branch_id", "item_type", "audience",
         "age_band", "municipality_code")  # fmt: skip
PLACE = ("half_year", "action", "organisation_id", "branch_id", "audience", "material_type", "n")
RESIDENCE = ("half_year", "action", "organisation_id", "municipality_code", "age_band", "n")
COUNT = ("taken_on", "organisation_id", "municipality_code", "age_band", "memberships", "patrons")


def _fill_old_tables(old, net, staff):
    """Figures as the cockpit kept them before the move, written through its historical models."""
    event = old.get_model("cockpit", "CirculationEvent")
    for i in range(3):
        event.objects.create(
            occurred_on=date(2025, 2, 1 + i), action="checkout", organisation_id=net.org_a.pk,
            branch_id=net.a1.pk, item_type="boek", material_type="book", audience="youth",
            age_band="9-14", municipality_code="GM0363",
        )  # fmt: skip
    old.get_model("cockpit", "PlaceTally").objects.create(
        half_year=date(2025, 1, 1), action="checkout", organisation_id=net.org_a.pk,
        branch_id=net.a1.pk, audience="youth", material_type="book", n=3,
    )  # fmt: skip
    old.get_model("cockpit", "ResidenceTally").objects.create(
        half_year=date(2025, 1, 1), action="checkout", organisation_id=net.org_a.pk,
        municipality_code="GM0363", age_band="9-14", n=3,
    )  # fmt: skip
    old.get_model("cockpit", "MemberCount").objects.create(
        taken_on=date(2025, 1, 31), organisation_id=net.org_a.pk, municipality_code="GM0363",
        age_band="9-14", memberships=12, patrons=11,
    )  # fmt: skip
    old.get_model("cockpit", "MemberCountRun").objects.create(
        taken_on=date(2025, 1, 31), taken_at=AT, memberships=12
    )
    old.get_model("cockpit", "ClosedPeriod").objects.create(
        code="2024-H2", closed_at=AT, closed_by_id=staff.pk
    )


def _closed_period_permission():
    """The content type of a moved model and a permission on it, by primary key."""
    permission = Permission.objects.get(codename="view_closedperiod")
    return permission.content_type_id, permission.pk


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_every_row_both_ways(net):
    staff = User.objects.create_user("telling", organisation=net.org_a)
    events.record(
        "renew", on=date(2025, 8, 2), organisation_id=net.org_b.pk, branch_id=net.b1.pk,
        age_band="65+", municipality_code="GM0344",
    )  # fmt: skip
    old = migrate(BEFORE)
    try:
        # Back: what the statistics room held is the cockpit's again, permissions included.
        residence = old.get_model("cockpit", "ResidenceTally")
        assert list(residence.objects.values_list("action", "age_band", "n")) == [
            ("renew", "65+", 1)
        ]
        ContentType.objects.clear_cache()
        content_type, permission = _closed_period_permission()
        assert ContentType.objects.get(pk=content_type).app_label == "cockpit"
        old.get_model("cockpit", "CirculationEvent").objects.all().delete()
        residence.objects.all().delete()
        old.get_model("cockpit", "PlaceTally").objects.all().delete()
        # Forward, from a database with figures the cockpit kept.
        _fill_old_tables(old, net, staff)
        before = {
            "events": _rows(old.get_model("cockpit", "CirculationEvent"), EVENT),
            "place": _rows(old.get_model("cockpit", "PlaceTally"), PLACE),
            "residence": _rows(residence, RESIDENCE),
            "counts": _rows(old.get_model("cockpit", "MemberCount"), COUNT),
        }
    finally:
        migrate(latest())
    ContentType.objects.clear_cache()

    assert models.CirculationEvent._meta.db_table == "statistics_circulationevent"
    assert _rows(models.CirculationEvent, EVENT) == before["events"]
    assert _rows(models.PlaceTally, PLACE) == before["place"]
    assert _rows(models.ResidenceTally, RESIDENCE) == before["residence"]
    assert _rows(models.MemberCount, COUNT) == before["counts"]
    assert models.MemberCountRun.objects.get().memberships == 12
    assert models.ClosedPeriod.objects.get().closed_by == staff
    assert _closed_period_permission() == (content_type, permission)
    assert ContentType.objects.get(pk=content_type).app_label == "statistics"

    # The tallies count on in the renamed tables: the same rows grow, ids continue.
    events.record(
        "checkout", on=date(2025, 2, 9), organisation_id=net.org_a.pk, branch_id=net.a1.pk,
        item_type="boek", material_type="book", audience="youth", age_band="9-14",
        municipality_code="GM0363",
    )  # fmt: skip
    assert models.CirculationEvent.objects.latest("id").id > max(r[0] for r in before["events"])
    assert models.PlaceTally.objects.get().n == 4
    assert models.ResidenceTally.objects.get().n == 4


@pytest.mark.django_db(transaction=True)
def test_partitioning_keeps_every_event_and_makes_the_table_that_was_one_partition(net):
    """0004 on a database with events: on PostgreSQL the table becomes the partition of the
    months it holds (January to March 2025), no row copied; on SQLite nothing changes. Either
    way every event stays, ids continue, and going back keeps them too."""
    old = migrate([("statistics", "0003_event_source")])
    try:
        event = old.get_model("statistics", "CirculationEvent")
        for day in (date(2025, 1, 31), date(2025, 3, 1), date(2025, 3, 31)):
            event.objects.create(
                occurred_on=day, action="checkout", organisation_id=net.org_a.pk,
                branch_id=net.a1.pk, municipality_code="GM0363",
            )  # fmt: skip
        before = _rows(event, EVENT)
    finally:
        migrate(latest())
    assert _rows(models.CirculationEvent, EVENT) == before
    events.record("checkin", on=date(2025, 4, 2), organisation_id=net.org_a.pk)
    assert models.CirculationEvent.objects.latest("id").id > max(r[0] for r in before)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tableoid::regclass::text, occurred_on FROM statistics_circulationevent"
                " ORDER BY occurred_on"
            )
            assert [table for table, _day in cursor.fetchall()] == [
                *["statistics_circulationevent_2025_01_tot_2025_04"] * 3,
                "statistics_circulationevent_default",
            ]
    back = migrate([("statistics", "0003_event_source")])
    try:
        assert len(_rows(back.get_model("statistics", "CirculationEvent"), EVENT)) == 4
    finally:
        migrate(latest())
    assert len(_rows(models.CirculationEvent, EVENT)) == 4
