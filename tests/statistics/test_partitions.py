"""On PostgreSQL the events are partitioned by month: each event lands in its month's partition
(or the DEFAULT one until its month has a partition), a half-year's GROUP BY reads six
partitions, and archiving a month drops its partition."""

import threading
import time
from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from clb.circulation import services as circ
from clb.cockpit.facts import raw_events
from clb.statistics import archive, partitions
from clb.statistics import tallies as tallying
from clb.statistics.archive import ArchiveError, archive_before
from clb.statistics.models import ArchivedMonth, CirculationEvent
from tests.factories import T0, make_item, make_patron
from tests.statistics.events_by_month import LATER, cockpit, tallies, write_months

pytestmark = pytest.mark.postgres

TABLE = "statistics_circulationevent"


def _where_rows_are() -> dict[str, list[int]]:
    """Partition name → the months of the rows it holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tableoid::regclass::text, EXTRACT(month FROM occurred_on)::int FROM {TABLE}"
        )
        out: dict[str, set] = {}
        for table, month in cursor.fetchall():
            out.setdefault(table, set()).add(month)
    return {table: sorted(months) for table, months in out.items()}


def _children() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = %s::regclass",
            [TABLE],
        )
        return {row[0] for row in cursor.fetchall()}


def test_events_land_in_their_months_partition_and_wait_in_the_default_one_without(net):
    created = partitions.ensure(date(2025, 1, 20), ahead=2)
    assert created == [f"{TABLE}_2025_01", f"{TABLE}_2025_02", f"{TABLE}_2025_03"]
    write_months(net, [1, 3, 5])
    counted = tallies()
    assert _where_rows_are() == {
        f"{TABLE}_2025_01": [1],
        f"{TABLE}_2025_03": [3],
        f"{TABLE}_default": [5],  # no partition for May yet: the checkout went on regardless
    }
    # The daily job, in April: April to July made, May's events moved out of the DEFAULT one.
    assert partitions.ensure(date(2025, 4, 2)) == [f"{TABLE}_2025_{m:02}" for m in (4, 5, 6, 7)]
    assert _where_rows_are() == {f"{TABLE}_2025_{m:02}": [m] for m in (1, 3, 5)}
    assert tallies() == counted
    assert partitions.ensure(date(2025, 4, 2)) == []  # again: nothing to do


def test_a_half_years_group_by_reads_six_partitions(net):
    partitions.ensure(date(2024, 12, 1), ahead=13)  # December 2024 to January 2026
    write_months(net, range(1, 13))
    with CaptureQueriesContext(connection) as queries, raw_events():
        shown = cockpit("2025-H1")
    reads = [q["sql"] for q in queries if f'FROM "{TABLE}"' in q["sql"]]
    assert reads, "the cockpit read no raw events"
    for sql in reads:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        read = {name for name in _children() if f" {name} " in plan + " "}
        assert read == {f"{TABLE}_2025_{m:02}" for m in range(1, 7)}, plan
    assert shown == cockpit("2025-H1")  # the raw GROUP BY says what the tallies say


def test_archiving_drops_the_months_partitions_and_the_table_that_was_whole(net):
    partitions.ensure(date(2025, 4, 1), ahead=5)  # April to September have partitions
    with connection.cursor() as cursor:  # January to March: as the migration left the table
        cursor.execute(
            f"CREATE TABLE {TABLE}_2025_01_tot_2025_04 PARTITION OF {TABLE}"
            f" FOR VALUES FROM ('2025-01-01') TO ('2025-04-01')"
        )
    write_months(net, range(1, 10))
    shown, counted = cockpit(), tallies()

    archived = archive_before(date(2025, 6, 1), at=LATER)

    assert [a.month.month for a in archived] == [1, 2, 3, 4, 5]
    assert _children() == {f"{TABLE}_2025_{m:02}" for m in (6, 7, 8, 9)} | {f"{TABLE}_default"}
    assert sorted(_where_rows_are()) == sorted(f"{TABLE}_2025_{m:02}" for m in (6, 7, 8, 9))
    assert cockpit() == shown and tallies() == counted
    tallying.rebuild(date(2025, 1, 1), date(2025, 12, 31))
    assert tallies() == counted
    assert ArchivedMonth.objects.count() == 5


# A thread that gives up waiting fails the test instead of hanging it; no wait below is needed
# for the test to pass.
STUCK = 20


class _Thread(threading.Thread):
    """Runs `fn` on a connection of its own; keeps what it returned or raised."""

    def __init__(self, fn):
        super().__init__(daemon=True)
        self.fn, self.result, self.error = fn, None, None

    def run(self):
        try:
            self.result = self.fn()
        except Exception as exc:  # noqa: BLE001 - handed to the test
            self.error = exc
        finally:
            connection.close()


class _Reader(_Thread):
    """A long read of the raw events (a report), holding the table until told to finish."""

    def __init__(self):
        self.reading, self.finish = threading.Event(), threading.Event()
        super().__init__(self._read)

    def _read(self):
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
            self.reading.set()
            self.finish.wait(STUCK)

    def __enter__(self):
        self.start()
        assert self.reading.wait(STUCK)
        return self

    def __exit__(self, *exc):
        self.finish.set()
        self.join(STUCK)


def _drop_is_waiting() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND query LIKE 'DROP TABLE%%'"
        )
        return cursor.fetchone() is not None


def _until(condition) -> None:
    deadline = time.monotonic() + STUCK
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.01)


@pytest.fixture
def january(db):
    """Events of January to March 2025, each month in a partition of its own."""
    from tests.factories import make_network

    # A flush after a transactional test empties the tables but drops no partition: one made
    # by another test (test_migration's January to March) would hold January here.
    with connection.cursor() as cursor:
        for partition in partitions.partitions():
            if not partition.is_default:
                cursor.execute(f"DROP TABLE {partition.name}")
    partitions.ensure(date(2025, 1, 1), ahead=9)
    net = make_network()
    write_months(net, [1, 2, 3])
    return net


@pytest.mark.django_db(transaction=True)
def test_a_checkout_is_not_queued_behind_a_drop_that_waits_for_a_long_read(january, monkeypatch):
    monkeypatch.setattr(archive, "DROP_TRIES", 10_000)  # keeps trying while the read lasts
    net = january
    item, patron = make_item(net.a1), make_patron(net.org_a)
    with _Reader() as reader:
        archiving = _Thread(lambda: archive_before(date(2025, 2, 1), at=LATER))
        archiving.start()
        _until(lambda: _drop_is_waiting() or not archiving.is_alive())
        assert archiving.is_alive(), archiving.error or archiving.result
        desk = _Thread(
            lambda: circ.checkout(
                item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1, at=T0
            )
        )
        desk.start()
        desk.join(STUCK)
        lent_during_the_read = not desk.is_alive() and reader.is_alive()
    archiving.join(STUCK)
    desk.join(STUCK)
    assert lent_during_the_read, "the checkout waited behind the DROP for the long read"
    assert desk.error is None and desk.result.loan.item_id == item.pk
    assert archiving.error is None
    assert [a.month for a in archiving.result] == [date(2025, 1, 1)]
    assert f"{TABLE}_2025_01" not in _children()


@pytest.mark.django_db(transaction=True)
def test_a_partition_that_stays_busy_is_left_whole_and_the_archive_says_so(
    january, monkeypatch, tmp_path
):
    monkeypatch.setattr(archive, "DROP_TRIES", 3)
    monkeypatch.setattr(archive, "DROP_WAIT_MS", 50)
    shown = cockpit()
    with _Reader():
        archiving = _Thread(lambda: archive_before(date(2025, 2, 1), at=LATER, export_to=tmp_path))
        archiving.start()
        archiving.join(STUCK)
        gave_up_during_the_read = not archiving.is_alive()
    archiving.join(STUCK)
    assert gave_up_during_the_read, "the archive waited for the long read without end"
    assert isinstance(archiving.error, ArchiveError), archiving.error
    message = str(archiving.error)
    assert "bezet" in message and f"{TABLE}_2025_01" in message and "3 keer 50 ms" in message
    assert ArchivedMonth.objects.count() == 0
    assert f"{TABLE}_2025_01" in _children()
    assert CirculationEvent.everything.filter(occurred_on__month=1).count() == 5
    assert list(tmp_path.iterdir()) == []  # the month's export went with the transaction
    assert cockpit() == shown
    # Once the read is over the same command archives the month.
    assert [a.month for a in archive_before(date(2025, 2, 1), at=LATER)] == [date(2025, 1, 1)]
