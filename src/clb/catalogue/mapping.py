"""Reading and describing MARC records, which needs no database: in worker processes for a
large ISO 2709 file.

The importer matches and writes in one process (one writer, batches in the file's order). What
comes before that needs only a record's bytes: pymarc reading it, marc.describe, the canonical
MARCXML that is stored and its fingerprint, the holdings in the record. Cut at its terminators,
an ISO 2709 file is handed to the workers in chunks, a few chunks per worker ahead of the writer
and no more, so memory stays that of those chunks however large the file; the results come back
in the file's order. MARCXML is read in this process (a SAX stream cannot be cut without being
parsed)."""

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice

import pymarc

from . import marc, reading

PARALLEL_FROM = 2_000  # records in a file before workers repay their start
CHUNK = 250  # records per task
AHEAD = 3  # tasks in flight per worker


@dataclass
class Mapped:
    """One record as the importer needs it, or why it cannot be imported (field, reason)."""

    number: int
    control_number: str
    problem: tuple[str, str] | None = None
    desc: marc.Description | None = None
    raw: str = ""
    fingerprint: str = ""
    holdings: list[marc.Holding] = field(default_factory=list)
    repairs: list[tuple[str, str]] = field(default_factory=list)
    row: dict = field(default_factory=dict)  # the catalogue record's columns (record_values)
    record: pymarc.Record | None = None  # the record itself, when the caller keeps records


def record_values(d: marc.Description, raw: str, fingerprint: str) -> dict:
    """A catalogue record's columns (attribute names) for a description and its stored MARCXML."""
    return dict(
        title=d.title,
        subtitle=d.subtitle,
        authors=d.authors,
        publisher=d.publisher,
        year=d.year,
        isbn=d.isbns[0] if d.isbns else "",
        invalid_isbns=d.invalid_isbns,
        language=d.language,
        material_type=d.material_type,
        audience=d.audience,
        subjects=d.subjects,
        series=d.series,
        control_number=d.control_number,
        match_key=d.match_key,
        raw_marc=raw,
        fingerprint=fingerprint,
    )


def map_entry(entry: reading.Entry, keep_record: bool = False) -> Mapped:
    if entry.record is None:
        return Mapped(entry.number, entry.control_number, (entry.field, entry.problem))
    fields = marc.Fields(entry.record)  # by tag, once for the description and the holdings
    try:
        desc = marc.describe(fields)
    except marc.Unusable as exc:
        return Mapped(entry.number, entry.control_number, (exc.field, exc.reason))
    raw = marc.to_marcxml(entry.record)
    fingerprint = marc.fingerprint(raw)
    return Mapped(entry.number, entry.control_number, None, desc, raw, fingerprint,
                  marc.holdings(fields), entry.repairs,
                  record_values(desc, raw, fingerprint),
                  entry.record if keep_record else None)  # fmt: skip


def _map_pieces(pieces: list[tuple[int, bytes]], keep_records: bool) -> list[Mapped]:
    return [
        map_entry(reading.iso2709_entry(number, chunk), keep_records) for number, chunk in pieces
    ]


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def mapped(
    source: reading.Source, workers: int | None = None, *, keep_records: bool = False
) -> Iterator[Mapped]:
    """Every record of the source, mapped, in order; by `workers` processes (default: one per
    core) when the file is ISO 2709 and large enough. With `keep_records` each entry also
    carries its pymarc record (for a caller that reads more of it than the mapping does); a
    worker then sends it back too, which costs pickling, so only a caller that asks gets it."""
    workers = default_workers() if workers is None else workers
    if workers <= 1 or source.format != "iso2709" or source.total < PARALLEL_FROM:
        for entry in source.entries():
            yield map_entry(entry, keep_records)
        return
    # fork: the workers start at once with everything imported; they only run _map_pieces and
    # leave with os._exit, never touching the parent's database connection.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    pieces = iter(source.pieces())
    chunks = iter(lambda: list(islice(pieces, CHUNK)), [])
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as pool:
        # What the parent holds (Django, the apps, the caller's objects) is frozen out of the
        # workers' garbage collection: their full collections no longer walk it, nor write to
        # every object's header (which made the forked pages private copies). The workers are
        # forked at the first submit; the parent collects as before once they are.
        gc.freeze()
        try:
            pending = deque(
                pool.submit(_map_pieces, c, keep_records) for c in islice(chunks, workers * AHEAD)
            )
        finally:
            gc.unfreeze()
        while pending:
            done = pending.popleft().result()
            following = next(chunks, None)
            if following is not None:
                pending.append(pool.submit(_map_pieces, following, keep_records))
            yield from done
