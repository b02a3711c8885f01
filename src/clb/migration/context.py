"""What the stages of one run share: the package, the report, the id map and the organisation's
branches, and what earlier stages found (which copy and which member is which in CLB)."""

import contextlib
import functools
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from clb.catalogue import bulk
from clb.members.models import Patron
from clb.network.models import Branch, Organisation

from .models import IdMapEntry, MigrationRun
from .package import Package, Row
from .report import Report

Progress = Callable[[str, int, int], None]


class IdMap:
    """The run's view of the id map: this organisation's rows by kind and source id, loaded
    when first asked; new rows are written in bulk by flush(), inside the caller's
    transaction, so the map lands or vanishes with what it describes."""

    def __init__(self, organisation: Organisation, run: MigrationRun):
        self.organisation = organisation
        self.run = run
        self.known: dict[str, dict[str, IdMapEntry]] = {}
        self.pending: list[IdMapEntry] = []

    def of(self, kind: str) -> dict[str, IdMapEntry]:
        if kind not in self.known:
            self.known[kind] = {
                e.source_id: e
                for e in IdMapEntry.objects.filter(organisation=self.organisation, kind=kind)
            }
        return self.known[kind]

    def get(self, kind: str, source_id: str) -> IdMapEntry | None:
        return self.of(kind).get(str(source_id))

    def add(self, kind, source_id, target_id, *, state="", created=True) -> None:
        entry = IdMapEntry(organisation=self.organisation, kind=kind,
                           source_id=str(source_id)[:200], target_id=target_id, run=self.run,
                           created=created, state=state)  # fmt: skip
        self.of(kind)[entry.source_id] = entry
        self.pending.append(entry)

    def flush(self) -> None:
        bulk.create(IdMapEntry, self.pending)  # COPY on PostgreSQL: a copy's entry costs little
        self.pending = []


class Batches:
    """Rows written in transactions of `size` rows, one commit per batch instead of per row,
    each row in a savepoint of its own so that a refused row takes nothing else with it. A run
    stopped halfway loses at most the open batch, its id map with it, and the next run brings
    that in. Outside a batched stage, a row is a transaction of its own. The id map's new
    entries are written with the batch (`idmap`)."""

    def __init__(self, size: int = 200, idmap=None):
        self.size = size
        self.idmap = idmap
        self.outer = None
        self.rows = 0

    def __enter__(self):
        self.outer, self.rows = transaction.atomic(), 0
        self.outer.__enter__()
        return self

    def __exit__(self, *exc):
        outer, self.outer = self.outer, None
        if exc[0] is None and self.idmap is not None:
            self.idmap.flush()
        elif self.idmap is not None:
            self.idmap.pending = []  # rolled back with the rows they describe
        return outer.__exit__(*exc)

    @contextmanager
    def row(self, weight: int = 1, *, savepoint: bool = True):
        """One row (or `weight` rows written at once), in a savepoint unless what the row
        calls is a transaction of its own already."""
        if self.outer is not None and self.rows >= self.size:
            self.__exit__(None, None, None)
            self.__enter__()
        self.rows += weight
        with transaction.atomic() if savepoint else contextlib.nullcontext():
            yield


def batched(stage):
    """A stage whose rows (ctx.batches.row()) are committed in batches."""

    @functools.wraps(stage)
    def run(ctx, *args, **kwargs):
        with ctx.batches:
            return stage(ctx, *args, **kwargs)

    return run


@dataclass
class Context:
    run: MigrationRun
    organisation: Organisation
    package: Package
    report: Report
    at: datetime
    progress: Progress
    idmap: IdMap
    branches: dict[str, Branch] = field(default_factory=dict)
    batches: Batches = field(default_factory=Batches)

    def __post_init__(self):
        self.batches.idmap = self.idmap

    # found by the stages, for the stages after them
    items: dict[str, int] = field(default_factory=dict)  # barcode → item id
    item_numbers: dict[str, str] = field(default_factory=dict)  # source item id → barcode
    records: dict[str, int] = field(default_factory=dict)  # source record id → record id
    cards: dict[str, str] = field(default_factory=dict)  # package card → CLB card
    patron_rows: dict[str, Row] = field(default_factory=dict)  # borrowernumber → its row
    seen_ids: dict[str, dict[str, int]] = field(default_factory=dict)  # file → source id → row
    refused_cards: dict[str, int] = field(default_factory=dict)  # card → patrons.csv row
    notes: dict[int, list] = field(default_factory=lambda: defaultdict(list))  # row → notes
    subscription_codes: set[str] = field(default_factory=set)

    def once(self, row: Row, sid: str, column: str) -> bool:
        """Whether this is the first row of its file with this source id; a later one is
        refused (the id map keeps one CLB row per source id)."""
        seen = self.seen_ids.setdefault(row.file, {})
        if sid in seen:
            self.refused(row, sid, column, f"{column} {sid} staat al in rij {seen[sid]}")
            return False
        seen[sid] = row.number
        return True

    def branch(self, code: str) -> Branch | None:
        """A code of the other system (translated by mapping.toml [branches]) or CLB's own."""
        if not code:
            return None
        mapped = {k.casefold(): v for k, v in self.package.mapping.branches.items()}
        return self.branches.get(mapped.get(code.casefold(), code).casefold())

    def unknown_branch(self, code: str) -> str:
        return (f"onbekende locatiecode '{code}': geen vestiging van {self.organisation.code} en "
                "niet in mapping.toml [branches]")  # fmt: skip

    def refused(self, row: Row, source_id, column: str, reason) -> None:
        from .report import REFUSED

        self.report.add(row.file, row.number, source_id, REFUSED, reason, column)

    def patron_card(self, row: Row, source_id: str) -> str | None:
        """The CLB card of the member a row names, None (reported) when that member did not
        come in."""
        card = row.get("cardnumber")
        if card in self.cards:
            return self.cards[card]
        if (
            card
            and card not in self.refused_cards
            and Patron.objects.filter(card_number=card).exists()
        ):
            self.cards[card] = card  # a member CLB had already
            return card
        where = self.refused_cards.get(card)
        reason = (f"lid {card} is niet gemigreerd (patrons.csv rij {where})" if where
                  else f"lid {card} staat niet in patrons.csv en is niet bekend in CLB")  # fmt: skip
        self.refused(row, source_id, "cardnumber", reason)
        return None
