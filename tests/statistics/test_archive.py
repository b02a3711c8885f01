"""Archiving a month of statistics events, on either database: the figures stay, the rows go,
`clb rebuild-tallies` gives the same tallies afterwards, and nothing goes while the tallies do
not hold what the events say."""

import gzip
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from clb.operations import invariants
from clb.statistics import events
from clb.statistics import tallies as tallying
from clb.statistics.archive import ArchiveError, archive_before
from clb.statistics.models import ArchivedMonth, CirculationEvent, PlaceTally
from tests.statistics.events_by_month import LATER, cockpit, tallies, write_months


@pytest.fixture
def months(net):
    write_months(net, range(1, 10))  # January to September 2025
    return net


def _months_left():
    return sorted({d.month for d in CirculationEvent.everything.dates("occurred_on", "month")})


def test_archiving_months_keeps_every_figure_and_rebuilding_gives_the_same_tallies(months):
    shown, counted = cockpit(), tallies()
    assert shown[("loans", "")] == 18  # six months of three checkouts

    archived = archive_before(date(2025, 4, 1), at=LATER)

    assert [a.month for a in archived] == [date(2025, m, 1) for m in (1, 2, 3)]
    assert [a.events for a in archived] == [5, 5, 5]
    assert _months_left() == [4, 5, 6, 7, 8, 9]
    assert cockpit() == shown and tallies() == counted
    assert invariants.events_match_tallies() == []
    # Rebuilt from three archived months and three of raw events: the same tallies.
    tallying.rebuild(date(2025, 1, 1), date(2025, 12, 31))
    assert tallies() == counted and cockpit() == shown
    # Archived again up to the same month: nothing more to do.
    assert archive_before(date(2025, 4, 1), at=LATER) == []


def test_tallies_that_disagree_with_the_events_stop_the_archive_before_anything_goes(months):
    PlaceTally.objects.filter(action="renew").update(n=99)
    with pytest.raises(ArchiveError, match="2025-H1 kloppen niet.*2025-01 is niet gearchiveerd"):
        archive_before(date(2025, 3, 1), at=LATER)
    assert _months_left() == list(range(1, 10))
    assert not ArchivedMonth.objects.exists()


def test_the_last_twelve_months_are_never_archived(months):
    with pytest.raises(ArchiveError, match="laatste 12 maanden blijven; archiveer tot 2025-10"):
        archive_before(date(2025, 11, 1), at=LATER)
    assert _months_left() == list(range(1, 10))


def test_the_command_exports_each_month_before_it_goes(months, tmp_path):
    out = StringIO()
    call_command("archive_events", "--before", "2025-03", "--export", str(tmp_path), stdout=out)
    assert "2 maand(en), 10 gebeurtenissen gearchiveerd" in out.getvalue()
    with gzip.open(tmp_path / "gebeurtenissen-2025-02.csv.gz", "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert lines[0].startswith("id,occurred_on,action,organisation_id,branch_id")
    assert len(lines) == 6 and all(",2025-02-03," in line for line in lines[1:])
    assert ArchivedMonth.objects.get(month=date(2025, 2, 1)).exported_to.endswith("2025-02.csv.gz")
    with pytest.raises(CommandError, match="--before: gebruik JJJJ-MM"):
        call_command("archive_events", "--before", "03-2025")
    with pytest.raises(CommandError, match="Map voor de export bestaat niet"):
        call_command("archive_events", "--before", "2025-05", "--export", str(tmp_path / "nee"))
    assert _months_left() == list(range(3, 10))


def test_archiving_history_a_migration_brought_in_changes_no_check_and_undo_still_works(months):
    # Renewals a migration brought in (never counted in the tallies, but the invariants' renewal
    # check adds them up against the loans): archiving their month must not change what the
    # check says, and undoing the migration afterwards takes them out of the kept counts too.
    events.record(
        "renew", on=date(2025, 2, 10), organisation_id=months.org_a.pk, branch_id=months.a1.pk,
        source="migratie-7",
    )  # fmt: skip
    found = _renewal_check()
    counted = tallies()

    archive_before(date(2025, 4, 1), at=LATER)

    assert _renewal_check() == found
    tallying.rebuild(date(2025, 1, 1), date(2025, 12, 31))
    assert tallies() == counted  # history is never counted, archived or not
    events.remove_source("migratie-7")
    events.record("renew", on=date(2025, 5, 10), organisation_id=months.org_a.pk)
    assert _renewal_check() == found  # one renewal less, one more


def _renewal_check() -> list[str]:
    # (the per-day checks leave archived months out; the renewal check counts every month)
    return [line for line in invariants.every_loan_has_its_events() if line.startswith("renew")]
