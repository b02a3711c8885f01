"""The audit log moved from web to members (the API writes it too). On a database that holds
entries, migrating keeps every entry and its links, the ids count on, permissions follow the
model — and migrating back returns the log to web."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from clb.accounts.models import User
from clb.members import audit
from clb.members.models import AuditEntry
from tests.factories import make_patron
from tests.migrating import latest, migrate

BEFORE = [("web", "0005_audit_api"), ("members", "0005_pin_guards_per_channel")]
AT = datetime(2025, 3, 1, 12, tzinfo=ZoneInfo("Europe/Amsterdam"))
FIELDS = ("id", "at", "user_id", "username", "organisation_id", "branch_id", "action",
          "patron_id", "network_access", "detail")  # fmt: skip


def _rows(model):
    return sorted(model.objects.values_list(*FIELDS))


def _view_permission():
    permission = Permission.objects.get(codename="view_auditentry")
    return permission.content_type_id, permission.pk


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_every_entry_both_ways(net):
    staff = User.objects.create_user("baliemedewerker", organisation=net.org_a)
    patron = make_patron(net.org_a)
    audit.record("opened", username="baliemedewerker", organisation_id=net.org_a.pk, user=staff,
                 branch=net.a1, patron=patron)  # fmt: skip
    old = migrate(BEFORE)
    try:
        # Back: the log is web's again, with its permission.
        entry = old.get_model("web", "AuditEntry")
        assert list(entry.objects.values_list("action", "patron_id")) == [("opened", patron.pk)]
        ContentType.objects.clear_cache()
        content_type, permission = _view_permission()
        assert ContentType.objects.get(pk=content_type).app_label == "web"
        # Forward, from a log the desk and an app wrote while it was web's.
        entry.objects.create(
            at=AT, user_id=staff.pk, username="baliemedewerker", organisation_id=net.org_a.pk,
            branch_id=net.a1.pk, action="checkout", patron_id=patron.pk, network_access=True,
            detail="30001",
        )  # fmt: skip
        entry.objects.create(
            at=AT, username="API: Utrecht-app", organisation_id=net.org_a.pk, action="api",
            patron_id=patron.pk, detail="GET /api/v1/me",
        )  # fmt: skip
        before = _rows(entry)
    finally:
        migrate(latest())
    ContentType.objects.clear_cache()

    assert AuditEntry._meta.db_table == "members_auditentry"
    assert len(before) == 3
    assert _rows(AuditEntry) == before
    assert _view_permission() == (content_type, permission)
    assert ContentType.objects.get(pk=content_type).app_label == "members"

    # The log goes on in the renamed table: ids continue after the moved entries.
    added = audit.record("api", username="API: Utrecht-app", organisation_id=net.org_a.pk,
                         patron=patron)  # fmt: skip
    assert added.pk > max(row[0] for row in before)
    assert sorted(AuditEntry.objects.filter(patron=patron).values_list("action", flat=True)) == [
        "api",
        "api",
        "checkout",
        "opened",
    ]
