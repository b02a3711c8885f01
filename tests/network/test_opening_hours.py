"""Opening hours: the short notation, overlaps refused wherever hours come in (branch list,
admin), staffed hours derived from them, and nothing half-written."""

from datetime import time
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from clb.accounts.models import User
from clb.accounts.roles import ensure_groups
from clb.network import hours
from clb.network.branches import import_branches
from clb.network.models import Branch, BranchKind, OpeningHours
from tests.network.test_branches import row

pytestmark = pytest.mark.django_db


def test_notation_days_ranges_lists_and_several_spans():
    week = hours.parse("ma-vr 10:00-17:00; za 10:00-12:30, 13:00-16:00; wo,zo 9:00-10:00")
    assert [(o.weekday, o.opens, o.closes) for o in week] == [
        (1, time(10), time(17)),
        (2, time(10), time(17)),
        (3, time(9), time(10)),
        (3, time(10), time(17)),
        (4, time(10), time(17)),
        (5, time(10), time(17)),
        (6, time(10), time(12, 30)),
        (6, time(13), time(16)),
        (7, time(9), time(10)),
    ]
    assert hours.staffed_hours(week) == Decimal("42.5")
    assert hours.parse("") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("maandag 10:00-17:00", "'maandag' is geen dag"),
        ("vr-ma 10:00-17:00", "loopt achteruit"),
        ("ma 10-17", "'10-17' is geen tijdvak"),
        ("ma 25:00-26:00", "is geen tijdvak"),
        ("ma", "ontbreken de tijden"),
        ("ma 17:00-10:00", "sluit niet na de opening"),
        ("ma 10:00-13:00, 12:00-17:00", "overlappen"),
    ],
)
def test_bad_notation_says_what_is_wrong(text, message):
    with pytest.raises(hours.HoursError) as raised:
        hours.parse(text)
    assert message in str(raised.value)


def test_staffed_and_self_service_hours_may_not_overlap(net):
    staffed = hours.parse("ma 10:00-17:00")
    with pytest.raises(hours.HoursError):
        hours.replace(net.a1, staffed + hours.parse("ma 16:00-22:00", staffed=False))
    assert not OpeningHours.objects.filter(branch=net.a1).exists()
    hours.replace(net.a1, staffed + hours.parse("ma 17:00-22:00", staffed=False))
    assert [str(o) for o in hours.of(net.a1)] == ["maandag 10:00-17:00", "maandag 17:00-22:00"]
    assert hours.staffed_hours(hours.of(net.a1)) == 7


def test_the_database_refuses_an_opening_that_ends_before_it_starts(net):
    with pytest.raises(IntegrityError), transaction.atomic():
        OpeningHours.objects.create(branch=net.a1, weekday=1, opens=time(12), closes=time(9))


def test_branch_list_brings_opening_hours_and_staffed_hours(net):
    report = import_branches(
        [
            row(
                staffed_hours_week="",
                opening_hours="di-vr 13:00-17:00; za 10:00-14:00",
                open_without_staff="ma-za 08:00-10:00",
            ),
            row(code="x1", opening_hours="ma 10:00-12:00, 11:00-13:00"),
            row(code="x2", open_without_staff="zondag 10:00-12:00"),
            row(code="x3", opening_hours="ma 10:00-17:00", open_without_staff="ma 16:00-18:00"),
        ]
    )
    assert report.created == 1
    assert report.errors == [
        "regel 3 (x1): opening_hours: maandag 10:00-12:00 en maandag 11:00-13:00 overlappen.",
        "regel 4 (x2): open_without_staff: 'zondag' is geen dag (ma, di, wo, do, vr, za, zo of "
        "ma-vr).",
        "regel 5 (x3): opening_hours/open_without_staff: maandag 10:00-17:00 en maandag "
        "16:00-18:00 overlappen.",
    ]
    lombok = Branch.objects.get(code="utr-lombok")
    assert lombok.staffed_hours_week == 20 and lombok.kind == BranchKind.VESTIGING
    assert len(hours.of(lombok)) == 11
    assert sum(not o.staffed for o in hours.of(lombok)) == 6
    # A row without hours leaves the branch's hours as they are; one with hours replaces them.
    import_branches([row(staffed_hours_week="20")])
    assert len(hours.of(lombok)) == 11
    import_branches([row(opening_hours="ma 10:00-12:00")])
    assert [str(o) for o in hours.of(lombok)] == ["maandag 10:00-12:00"]


def test_admin_refuses_overlapping_hours(net, client):
    user = User.objects.create_user(
        "beheer-a", password="x", is_staff=True, role=User.Role.ORG_ADMIN, organisation=net.org_a
    )
    user.groups.add(ensure_groups())
    client.force_login(user)
    data = {
        "organisation": net.org_a.pk,
        "code": net.a1.code,
        "name": net.a1.name,
        "kind": "vestiging",
        "staffed_hours_week": "60",
        "has_own_collection": "on",
        "is_pickup_point": "on",
        "opening_hours-TOTAL_FORMS": "2",
        "opening_hours-INITIAL_FORMS": "0",
        "opening_hours-0-weekday": "1",
        "opening_hours-0-opens": "10:00",
        "opening_hours-0-closes": "17:00",
        "opening_hours-0-staffed": "on",
        "opening_hours-1-weekday": "1",
        "opening_hours-1-opens": "16:00",
        "opening_hours-1-closes": "20:00",
    }
    refused = client.post(f"/admin/network/branch/{net.a1.pk}/change/", data)
    assert refused.status_code == 200 and "overlappen" in refused.content.decode()
    assert not OpeningHours.objects.exists()
    data["opening_hours-1-opens"] = "17:00"
    saved = client.post(f"/admin/network/branch/{net.a1.pk}/change/", data)
    assert saved.status_code == 302
    assert [str(o) for o in hours.of(net.a1)] == ["maandag 10:00-17:00", "maandag 17:00-20:00"]
