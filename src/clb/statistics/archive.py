"""Archiving the raw events of old months (`clb archive-events --before JJJJ-MM`).

The figures never depended on the raw events after they were counted: the tallies hold them.
So a month's events can go, once it is certain that the tallies of its half-year hold what the
events say (tallies.disagreements; otherwise nothing of that month is touched). Before they go,
their counts by every dimension a tally keeps are stored (ArchivedCount), so `clb rebuild-tallies`
gives the same tallies afterwards, and the rows can be written to a file.

On PostgreSQL a month with a partition of its own goes by dropping that partition: no long
DELETE, no dead rows to vacuum. A partition covering several months (the table that was before
partitioning) is dropped whole once all its months are archived. Events of a month that shares
a partition (the DEFAULT one) or on SQLite go by one DELETE per month, each month in its own
transaction. The last KEEP_MONTHS months are never archived: the cost model reads the last
twelve months of raw events, and a half-year that is not over yet still changes.

Dropping a partition takes the events table's strongest lock. While a long read (a report over
the raw events) holds the table, the DROP waits, and every checkout that records an event would
queue behind the waiting DROP. So the DROP waits at most DROP_WAIT_MS a try and gives way in
between, DROP_TRIES times; a partition that stays busy is left whole, with its months not
archived, for a later run."""

import contextlib
import gzip
import itertools
from datetime import date, datetime
from pathlib import Path

from django.db import OperationalError, connection, transaction
from django.utils.translation import gettext as _

from clb import clock
from clb.errors import DomainError
from clb.exports import PLAIN, write_csv

from . import partitions
from .models import ArchivedCount, ArchivedMonth, CirculationEvent
from .tallies import disagreements, half_year_of, next_month

KEEP_MONTHS = 12
DROP_WAIT_MS = 200
DROP_TRIES = 50
COLUMNS = ("id", "occurred_on", "action", "organisation_id", "branch_id", "item_type",
           "material_type", "audience", "age_band", "municipality_code", "source")  # fmt: skip
COUNTED = ("action", "organisation_id", "branch_id", "audience", "material_type",
           "municipality_code", "age_band", "source")  # fmt: skip


class ArchiveError(DomainError):
    code = "archive"


def latest_boundary(today: date) -> date:
    """The latest --before allowed: KEEP_MONTHS whole months stay before the current one."""
    months = today.year * 12 + today.month - 1 - KEEP_MONTHS
    return date(months // 12, months % 12 + 1, 1)


def _half_code(half: date) -> str:
    return f"{half:%Y}-H{1 if half.month == 1 else 2}"


def _store_counts(month: date) -> None:
    columns = ", ".join(COUNTED)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ArchivedCount._meta.db_table} (month, {columns}, n)"
            f" SELECT %s, {columns}, COUNT(*) FROM {CirculationEvent._meta.db_table}"
            f" WHERE occurred_on >= %s AND occurred_on < %s GROUP BY {columns}",
            [month, month, next_month(month)],
        )


def _in_month(month: date):
    return CirculationEvent.everything.filter(
        occurred_on__gte=month, occurred_on__lt=next_month(month)
    )


def _export(month: date, folder: Path) -> str:
    path = folder / f"gebeurtenissen-{month:%Y-%m}.csv.gz"
    rows = _in_month(month).order_by("id").values_list(*COLUMNS).iterator(chunk_size=10_000)
    with gzip.open(path, "wt", encoding="utf-8", newline="") as out:
        write_csv(out, itertools.chain([COLUMNS], rows), PLAIN)
    return str(path)


class _Archiver:
    def __init__(self, moment: datetime, keep, export_to: Path | None):
        self.moment, self.keep, self.export_to = moment, keep, export_to
        self.checked: set[date] = set()
        self.written: list[Path] = []

    @contextlib.contextmanager
    def step(self):
        """One transaction; when it fails its rows stay and the files written in it go."""
        self.written = []
        try:
            with transaction.atomic():
                yield
        except BaseException:
            for path in self.written:
                path.unlink(missing_ok=True)
            raise

    def month(self, month: date) -> ArchivedMonth:
        """Check, count and export one month; the caller removes its rows in the same
        transaction."""
        half = half_year_of(month)
        if half not in self.checked:
            wrong = disagreements(half, keep=self.keep)
            if wrong:
                raise ArchiveError(
                    _(
                        "De tellingen van %(half)s kloppen niet met de gebeurtenissen "
                        "(%(n)s verschillen, zoals: %(first)s). Herstel ze eerst met clb "
                        "rebuild-tallies; %(month)s is niet gearchiveerd."
                    )
                    % {
                        "half": _half_code(half),
                        "n": len(wrong),
                        "first": wrong[0],
                        "month": f"{month:%Y-%m}",
                    }  # fmt: skip
                )
            self.checked.add(half)
        _store_counts(month)
        exported = _export(month, self.export_to) if self.export_to else ""
        if exported:
            self.written.append(Path(exported))
        return ArchivedMonth.objects.create(
            month=month,
            archived_at=self.moment,
            events=_in_month(month).count(),
            exported_to=exported,
        )


def _drop(table: str) -> None:
    """DROP TABLE, waiting at most DROP_WAIT_MS a try so that writers are never queued behind it
    for longer; ArchiveError when the table stays busy for DROP_TRIES tries."""
    with connection.cursor() as cursor:
        # Checks deferred to the commit (foreign keys of events written earlier in the same
        # transaction) run now: PostgreSQL drops no table with checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"SET LOCAL lock_timeout = '{int(DROP_WAIT_MS)}ms'")
        for _try in range(DROP_TRIES):
            try:
                with transaction.atomic():  # a savepoint: a timed-out try leaves the rest whole
                    cursor.execute(f"DROP TABLE {table}")
                return
            except OperationalError as exc:
                if getattr(exc.__cause__, "sqlstate", None) != "55P03":  # lock_not_available
                    raise
    raise ArchiveError(
        _(
            "De gebeurtenissen zijn bezet: %(table)s kon niet weg (%(tries)s keer %(ms)s ms "
            "gewacht op een lange leesopdracht). Deze maanden zijn niet gearchiveerd; probeer "
            "het later opnieuw."
        )
        % {"table": table, "tries": DROP_TRIES, "ms": DROP_WAIT_MS}
    )


def archive_before(
    before: date, *, at=None, keep=(), export_to: Path | None = None, progress=lambda _m: None
) -> list[ArchivedMonth]:
    """Archive the events of every month before `before` (a first of the month) not archived
    yet; returns the months archived. `keep`: organisations whose tallies have no events (the
    demo's simulated ones), left out of the check."""
    limit = latest_boundary(clock.today(at))
    if before.day != 1:
        raise ArchiveError(_("Archiveren gaat per maand: geef een maand als JJJJ-MM."))
    if before > limit:
        raise ArchiveError(
            _("De gebeurtenissen van de laatste %(n)s maanden blijven; archiveer tot %(limit)s.")
            % {"n": KEEP_MONTHS, "limit": f"{limit:%Y-%m}"}
        )
    if export_to is not None and not export_to.is_dir():
        raise ArchiveError(_("Map voor de export bestaat niet: %(path)s") % {"path": export_to})
    done = set(ArchivedMonth.objects.values_list("month", flat=True))
    months = [
        m
        for m in CirculationEvent.everything.filter(occurred_on__lt=before).dates(
            "occurred_on", "month"
        )
        if m not in done
    ]
    archiver = _Archiver(clock.now(at), keep, export_to)
    archived = []
    for partition in partitions.partitions():
        if partition.is_default or partition.end > before:
            continue
        inside = [m for m in months if partition.start <= m < partition.end]
        with archiver.step():
            archived += [archiver.month(m) for m in inside]
            _drop(partition.name)
        months = [m for m in months if m not in inside]
        progress(f"{partition.name}: {len(inside)} maand(en) gearchiveerd, partitie verwijderd")
    for month in months:
        with archiver.step():
            archived.append(archiver.month(month))
            removed = _in_month(month).delete()[0]
        progress(f"{month:%Y-%m}: {removed} gebeurtenissen gearchiveerd en verwijderd")
    return archived
