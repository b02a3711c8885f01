"""The cockpit's commands: member count, closing a period, Wsob export, rebuilding tallies."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from clb.statistics.models import ClosedPeriod, MemberCount, MemberCountRun, PlaceTally
from tests import csvfiles
from tests.factories import T0, make_item, make_patron

from .helpers import record_many


def test_snapshot_members_counts_anonymously(net):
    make_patron(net.org_a, at=T0)
    make_patron(net.org_b, birth_date=date(2016, 1, 1), postcode="3811 AA", at=T0)
    out = io.StringIO()
    call_command("snapshot_members", "--on", "2026-03-10", stdout=out)
    assert "2 lidmaatschappen" in out.getvalue()
    rows = set(MemberCount.objects.values_list("municipality_code", "age_band", "patrons"))
    assert rows == {("GM0344", "20-64", 1), ("GM0307", "9-14", 1)}
    assert MemberCountRun.objects.get().taken_on == date(2026, 3, 10)
    with pytest.raises(CommandError, match="datum"):
        call_command("snapshot_members", "--on", "10-03-2026")


def test_close_period_command(net):
    call_command("close_period", "2025-H1", stdout=io.StringIO(), stderr=io.StringIO())
    assert ClosedPeriod.objects.filter(code="2025-H1").exists()
    with pytest.raises(CommandError, match="al afgesloten"):
        call_command("close_period", "2025-H1", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="onbekend"):
        call_command("close_period", "2025-Q1", stdout=io.StringIO(), stderr=io.StringIO())


def test_wsob_export_command_writes_csv(net, tmp_path):
    out = tmp_path / "wsob.csv"
    call_command("wsob_export", "--organisation", net.org_a.code, "--year", "2026", "--output",
                 str(out), stdout=io.StringIO())  # fmt: skip
    rows = csvfiles.dicts(out.read_bytes())
    assert {r["vragenlijst"] for r in rows} == {"bezit", "kernfuncties", "personeel", "financieel"}
    with pytest.raises(CommandError, match="onbekende organisatie"):
        call_command("wsob_export", "--organisation", "nope", "--year", "2026", "--output",
                     str(out))  # fmt: skip


def test_rebuild_tallies_command(net):
    patron = make_patron(net.org_a, at=T0)
    record_many(3, "checkout", at=T0, organisation=net.org_a, branch=net.a1,
                item=make_item(net.a1), patron=patron)  # fmt: skip
    PlaceTally.objects.all().delete()
    call_command("rebuild_tallies", "--from", "2026-01-01", "--to", "2026-06-30",
                 stdout=io.StringIO())  # fmt: skip
    assert PlaceTally.objects.get(action="checkout").n == 3
