import pytest

from clb.network.branches import import_branches
from clb.network.models import Branch, BranchKind

pytestmark = pytest.mark.django_db


def row(**kw):
    base = dict(
        code="utr-lombok",
        name="Lombok",
        organisation_code="bibliotheek-utrecht",
        municipality_code="GM0344",
        staffed_hours_week="12",
        lat="52.09",
        lon="5.10",
    )
    base.update(kw)
    return base


def test_import_reports_bad_rows_and_keeps_going(net):
    report = import_branches(
        [
            row(),
            row(code="x1", municipality_code="GM9999"),
            row(code="x2", lat="12.0"),
            row(code="x3", organisation_code="nobody"),
            row(code="x4", opened_on="2020-13-01"),
            row(code="x5", kind="kasteel"),
            row(code="utr-kanaleneiland", name="Kanaleneiland", staffed_hours_week="30"),
        ]
    )
    assert (report.created, report.updated) == (2, 0)
    assert [e.split(":")[0] for e in report.errors] == [
        "regel 3 (x1)",
        "regel 4 (x2)",
        "regel 5 (x3)",
        "regel 6 (x4)",
        "regel 7 (x5)",
    ]
    assert "municipality_code" in report.errors[0] and "lat/lon" in report.errors[1]
    assert Branch.objects.get(code="utr-lombok").kind == BranchKind.SERVICEPUNT  # 12 h a week
    assert Branch.objects.get(code="utr-kanaleneiland").kind == BranchKind.VESTIGING
    assert not Branch.objects.filter(code__startswith="x").exists()


def test_reimport_updates_in_place_and_records_closing(net):
    import_branches([row()])
    report = import_branches([row(closed_on="2026-01-01", opened_on="1990-05-01")])
    assert (report.created, report.updated) == (0, 1)
    branch = Branch.objects.get(code="utr-lombok")
    from datetime import date

    assert not branch.is_open_on(date(2026, 2, 1)) and branch.is_open_on(date(2025, 2, 1))


def test_typology_follows_staffed_hours():
    from clb.network.models import kind_for_hours

    assert [kind_for_hours(h) for h in (40, 15, 14.5, 4, 3, 0)] == [
        "vestiging",
        "vestiging",
        "servicepunt",
        "servicepunt",
        "mini_servicepunt",
        "onbemand",
    ]
