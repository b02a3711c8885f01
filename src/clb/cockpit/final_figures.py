"""The finished figures of closed periods, kept in memory once computed.

A closed period's figures are evaluated from the measure values frozen when it closed
(closing.py, engine.FrozenValues), which never change afterwards: the same region, indicator and
period give the same figures for as long as the period stays closed. So the figures are kept
here, per process, and a page of a closed period does not read or evaluate them again.

The key carries the moment the period was closed (ClosedPeriod.closed_at): a period closed anew
(after a correction) has another moment and is evaluated afresh; a period that is not closed has
no moment and is never looked up here. Only figures that came from frozen values are stored,
and never those of a size class, whose members follow today's population figures. What a
reader must know besides the value (caveats) is attached on every page view, not kept."""

import threading
from collections import OrderedDict

# Enough for every region's figures of a few closed periods (a national report is ~100,000).
LIMIT = 400_000


class FinalFigures:
    """A bounded store of (key, value, suppressed, items) tuples per figure request."""

    def __init__(self, limit: int = LIMIT):
        self.limit = limit
        self._rows: OrderedDict = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            rows = self._rows.get(key)
            if rows is not None:
                self._rows.move_to_end(key)
            return rows

    def put(self, key, rows: tuple) -> None:
        with self._lock:
            if key in self._rows:
                return
            self._rows[key] = rows
            self._size += len(rows)
            while self._size > self.limit and self._rows:
                _key, dropped = self._rows.popitem(last=False)
                self._size -= len(dropped)

    def periods(self) -> set[str]:
        """Codes of the periods with figures kept (for tests and diagnostics)."""
        with self._lock:
            return {key[0] for key in self._rows}

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()
            self._size = 0


FINAL = FinalFigures()
