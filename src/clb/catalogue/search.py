"""Catalogue search: one interface, a backend per database.

Keyword search over title, author, subject, series and ISBN with Dutch stemming, phrase search
("…"), filters and facet counts, relevance ranking with a tie-break (newer, more copies) and paging.
SQLite uses FTS5 over words stemmed in Python with the Snowball Dutch stemmer; PostgreSQL uses a
tsvector with the `dutch` text search configuration and a GIN index. The index follows every change
to a record (signals below); `rebuild_index()` redoes it after bulk loads."""

import re
import unicodedata
from dataclasses import dataclass, field

import snowballstemmer
from django.db import connection
from django.db.models import Count, Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from clb.errors import DomainError

from .models import BibRecord, ItemStatus, SearchWord

FILTERS = (
    "material_type",
    "audience",
    "language",
    "year_from",
    "year_to",
    "available_at_organisation",
    "available_at_branch",
)
FACETS = ("material_type", "audience", "language")
_stemmer = snowballstemmer.stemmer("dutch")
_WORD = re.compile(r"[0-9a-z]+")
_PHRASE = re.compile(r'"([^"]+)"')


class SearchError(DomainError):
    code = "search"


@dataclass
class Hit:
    record: BibRecord
    score: float
    copies: int
    available: int


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 20
    corrected: str | None = None  # the query as corrected for a typo ("Bedoelde u …")


# --- text -------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", (text or "").lower())
    return _WORD.findall("".join(c for c in folded if not unicodedata.combining(c)))


def stems(text: str) -> str:
    return " ".join(_stemmer.stemWords(_words(text)))


def _document(record: BibRecord) -> dict[str, str]:
    return {
        "title": f"{record.title} {record.subtitle}",
        "authors": " ".join(record.authors or []),
        "subjects": " ".join((record.subjects or []) + (record.series or [])),
        "isbn": " ".join(
            filter(None, [record.isbn, *record.isbns.values_list("isbn13", flat=True)])
        )
        if record.pk
        else record.isbn,
    }


# --- index ------------------------------------------------------------------------------------


def _remember_words(doc: dict[str, str]) -> None:
    words = {
        w for text in doc.values() for w in _words(text) if 3 <= len(w) <= 60 and not w.isdigit()
    }
    SearchWord.objects.bulk_create(
        [SearchWord(word=w, length=len(w)) for w in words], ignore_conflicts=True
    )


def index_record(record: BibRecord) -> None:
    doc = _document(record)
    _remember_words(doc)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "INSERT INTO catalogue_search (record_id, document) VALUES (%s, "
                "setweight(to_tsvector('dutch', %s), 'A') || setweight(to_tsvector('dutch', %s), 'B') || "
                "setweight(to_tsvector('dutch', %s), 'C') || to_tsvector('simple', %s)) "
                "ON CONFLICT (record_id) DO UPDATE SET document = EXCLUDED.document",
                [record.pk, doc["title"], doc["authors"], doc["subjects"], doc["isbn"]],
            )
        else:
            cursor.execute("DELETE FROM catalogue_search WHERE rowid = %s", [record.pk])
            cursor.execute(
                "INSERT INTO catalogue_search (rowid, title, authors, subjects, isbn) VALUES (%s, %s, %s, %s, %s)",
                [
                    record.pk,
                    stems(doc["title"]),
                    stems(doc["authors"]),
                    stems(doc["subjects"]),
                    doc["isbn"],
                ],
            )


def unindex_record(record_id: int) -> None:
    with connection.cursor() as cursor:
        column = "record_id" if connection.vendor == "postgresql" else "rowid"
        cursor.execute(f"DELETE FROM catalogue_search WHERE {column} = %s", [record_id])


def rebuild_index() -> int:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM catalogue_search")
    SearchWord.objects.all().delete()
    count = 0
    for record in BibRecord.objects.prefetch_related("isbns").iterator(chunk_size=1000):
        index_record(record)
        count += 1
    return count


@receiver(post_save, sender=BibRecord)
def _on_save(sender, instance, **kwargs):
    index_record(instance)


@receiver(post_delete, sender=BibRecord)
def _on_delete(sender, instance, **kwargs):
    unindex_record(instance.pk)


# --- query ------------------------------------------------------------------------------------


def _matches(query: str) -> dict[int, float] | None:
    """Record id → relevance for the query; None means no text query (browse everything)."""
    if not _words(query):
        return None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT record_id, ts_rank_cd(document, q) FROM catalogue_search, "
                "websearch_to_tsquery('dutch', %s) q WHERE document @@ q",
                [query],
            )
        else:
            cursor.execute(
                "SELECT rowid, -bm25(catalogue_search, 10.0, 5.0, 2.0, 1.0) FROM catalogue_search "
                "WHERE catalogue_search MATCH %s",
                [_fts5_query(query)],
            )
        return {row[0]: float(row[1]) for row in cursor.fetchall()}


TYPO_MIN_LENGTH = 5


def _one_edit_apart(a: str, b: str) -> bool:
    """True when b is a with one letter changed, added, removed, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1 :]


def _corrections(word: str) -> list[str]:
    """Known words one edit away. One edit keeps the first or the last letter, so only those
    candidates are read."""
    candidates = (
        SearchWord.objects.filter(length__gte=len(word) - 1, length__lte=len(word) + 1)
        .filter(Q(word__startswith=word[0]) | Q(word__endswith=word[-1]))
        .values_list("word", flat=True)
    )
    return sorted(c for c in candidates if _one_edit_apart(word, c))


def _corrected(query: str) -> str | None:
    """The query with each unknown longer word replaced by the known word one edit away that
    finds the most; None when nothing could be corrected."""
    changed = False
    words = []
    for raw in query.split():
        folded = " ".join(_words(raw))
        if (
            len(folded) < TYPO_MIN_LENGTH
            or " " in folded
            or SearchWord.objects.filter(word=folded).exists()
        ):
            words.append(raw)
            continue
        options = _corrections(folded)
        if not options:
            words.append(raw)
            continue
        best = max(options, key=lambda w: (len(_matches(w) or {}), w))
        words.append(best)
        changed = True
    return " ".join(words) if changed else None


def _fts5_query(query: str) -> str:
    """Phrases stay phrases, other words must all occur; everything stemmed like the index."""
    parts = [f'"{stems(p)}"' for p in _PHRASE.findall(query) if stems(p)]
    rest = _PHRASE.sub(" ", query)
    parts += [f'"{w}"' for w in stems(rest).split()]
    return " AND ".join(parts)


def _filtered(queryset, filters: dict, organisation, branch):
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise SearchError(
            f"Onbekend filter: {', '.join(sorted(unknown))}", field=sorted(unknown)[0]
        )
    for key in ("material_type", "audience", "language"):
        if filters.get(key):
            queryset = queryset.filter(**{key: filters[key]})
    for key, lookup in (("year_from", "year__gte"), ("year_to", "year__lte")):
        if filters.get(key):
            if not str(filters[key]).isdigit():
                raise SearchError(f"{key}: '{filters[key]}' is geen jaartal", field=key)
            queryset = queryset.filter(**{lookup: int(filters[key])})
    # Organisation and branch by code (CLI, API) or by id (the pages' choice lists).
    available = Q(items__status=ItemStatus.AVAILABLE)
    for key, path in (
        ("available_at_organisation", "items__organisation"),
        ("available_at_branch", "items__current_branch"),
    ):
        value = str(filters.get(key, ""))
        if value:
            lookup = {path: int(value)} if value.isdigit() else {f"{path}__code": value}
            queryset = queryset.filter(available, **lookup)
    return queryset.distinct()


def search(
    query: str,
    *,
    filters: dict | None = None,
    page: int = 1,
    per_page: int = 20,
    organisation=None,
    branch=None,
) -> SearchResult:
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    per_page = max(1, min(int(per_page), 100))
    page = max(1, int(page))
    relevance = _matches(query or "")
    corrected = None
    if relevance == {} and '"' not in query:
        corrected = _corrected(query)
        if corrected:
            relevance = _matches(corrected)
    records = BibRecord.objects.all()
    if relevance is not None:
        records = records.filter(id__in=list(relevance))
    records = _filtered(records, filters, organisation, branch)
    facets = {
        name: [
            (row[name], row["n"])
            for row in records.values(name)
            .annotate(n=Count("id", distinct=True))
            .order_by("-n", name)
        ]
        for name in FACETS
    }
    available_here = Q(items__status=ItemStatus.AVAILABLE)
    if branch is not None:
        available_here &= Q(items__current_branch=branch)
    elif organisation is not None:
        available_here &= Q(items__organisation=organisation)
    counted = records.annotate(
        copies=Count("items", filter=~Q(items__status=ItemStatus.WITHDRAWN), distinct=True),
        available=Count("items", filter=available_here, distinct=True),
    ).values_list("id", "year", "copies", "available")
    ranked = sorted(
        counted, key=lambda r: (-(relevance or {}).get(r[0], 0.0), -(r[1] or 0), -r[2], r[0])
    )
    window = ranked[(page - 1) * per_page : page * per_page]
    by_id = BibRecord.objects.in_bulk([r[0] for r in window])
    hits = [
        Hit(by_id[rid], (relevance or {}).get(rid, 0.0), copies, available)
        for rid, _y, copies, available in window
    ]
    return SearchResult(
        hits=hits,
        total=len(ranked),
        facets=facets,
        page=page,
        per_page=per_page,
        corrected=corrected,
    )
