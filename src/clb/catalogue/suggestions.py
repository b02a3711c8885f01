"""What to try when a search finds nothing: the same words without one of the filters, and
each word on its own. Only suggestions that find something are made, most finds first."""

from dataclasses import dataclass, field

from . import text
from .search import search

MAX_SUGGESTIONS = 4


@dataclass(frozen=True)
class Suggestion:
    query: str
    filters: dict = field(default_factory=dict)
    total: int = 0
    without_filter: str | None = None  # the filter this suggestion leaves out, if any


def _total(query: str, filters: dict) -> int:
    return search(query, filters=filters, per_page=1).total


def suggest(query: str, filters: dict | None = None) -> list[Suggestion]:
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    found = []
    for key in filters:
        rest = {k: v for k, v in filters.items() if k != key}
        if query.strip() or rest:
            found.append(Suggestion(query, rest, _total(query, rest), without_filter=key))
    parsed = text.parse(query or "")
    words = list(dict.fromkeys(parsed.terms))
    if len(words) + len(parsed.phrases) > 1:
        for word in words:
            found.append(Suggestion(word, filters, _total(word, filters)))
    useful = [s for s in found if s.total > 0]
    return sorted(useful, key=lambda s: -s.total)[:MAX_SUGGESTIONS]
