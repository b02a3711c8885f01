"""Catalogue search: one interface, a backend per database.

Keyword search over title, author, subject, series and ISBN with Dutch stemming; "phrases",
-exclusions and ISBNs typed with hyphens or as ISBN-10; one typo forgiven in longer words
(trigram candidates on PostgreSQL); filters and facet counts; ranking by relevance with newer
and more copies as tie-breaks; paging.

The work is one SQL statement: the matching entries (PostgreSQL tsvector @@ tsquery on a GIN
index, or SQLite FTS5 MATCH) are materialised once with the columns every filter, facet and sort
needs (catalogue_searchentry, kept by triggers; see search_schema), and the page and all facet
counts are read from that set. Only the page's records are then loaded."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import connection, connections, router, transaction
from django.db.models import Q

from clb.errors import DomainError
from clb.inputs import whole_number
from clb.network.models import Branch, Organisation

from . import search_expression, search_schema, text
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
FACETS = ("material_type", "audience", "language", "decade")
TYPO_MIN_LENGTH = 5
MAX_PER_PAGE = 100
_AVAILABLE = ItemStatus.AVAILABLE.value
_WITHDRAWN = ItemStatus.WITHDRAWN.value


class SearchError(DomainError):
    code = "search"


@dataclass
class Hit:
    record: BibRecord
    score: float
    copies: int  # copies nationally that are not withdrawn
    available: int  # available now (at the organisation or branch searched from, if given)


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 20
    corrected: str | None = None  # the query as corrected for a typo ("Bedoelde u …")


def _reader():
    """The connection searches read from: a replica when the page may be a moment stale."""
    return connections[router.db_for_read(BibRecord)]


# --- the index --------------------------------------------------------------------------------


def stems(value: str) -> str:
    return text.index_text(value)


def index_record(record: BibRecord) -> None:
    """Recompute one record's entry. Triggers already do this on every change; this is for
    callers that changed the database behind the triggers' back."""
    search_schema.refresh(connection, [record.pk])


def rebuild_index() -> int:
    """Recompute every entry (after a bulk load with triggers disabled)."""
    search_schema.refresh(connection)
    return BibRecord.objects.count()


# --- matching, one class per backend ----------------------------------------------------------


class _Postgres:
    def match(self, query: text.Query) -> tuple[str, list, str, list]:
        """FROM clause and its params, rank expression and its params, for the entries that
        match."""
        parts, params = [], []
        if query.terms:
            parts.append("plainto_tsquery('clb_dutch', %s)")
            params.append(" ".join(query.terms))
        for phrase in query.phrases:
            parts.append("phraseto_tsquery('clb_dutch', %s)")
            params.append(" ".join(phrase))
        for isbn in query.isbns:
            parts.append("plainto_tsquery('simple', %s)")
            params.append(isbn)
        for word in query.excluded:
            parts.append("!! plainto_tsquery('clb_dutch', %s)")
            params.append(word)
        tsquery = " && ".join(parts)
        # The tsquery is written out twice rather than joined in: constant, it is folded once
        # at planning and the GIN index is used without a parameterised join.
        source = f"catalogue_searchentry e WHERE e.document @@ ({tsquery})"
        return source, params, f"ts_rank(e.document, ({tsquery}), 1)", params

    def candidates(self, word: str) -> list[str]:
        reader = _reader()
        # In one transaction with SET LOCAL: behind a pooler in transaction mode a plain SET
        # would stay on a server connection another client gets next.
        with transaction.atomic(using=reader.alias), reader.cursor() as cursor:
            # One edit changes at most three of a word's trigrams (four for a swap), so a
            # 5-letter word keeps a similarity of about 0.2 to its typo.
            cursor.execute("SET LOCAL pg_trgm.similarity_threshold = 0.18")
            cursor.execute(
                "SELECT word FROM catalogue_searchword WHERE word %% %s "
                "AND length BETWEEN %s AND %s",
                [word, len(word) - 1, len(word) + 1],
            )
            return [row[0] for row in cursor.fetchall()]


class _SQLite:
    def match(self, query: text.Query) -> tuple[str, list, str, list]:
        parts = [f'"{text.stem(w)}"' for w in query.terms if w not in text.STOPWORDS]
        parts += ['"' + " ".join(text.stem(w) for w in p) + '"' for p in query.phrases]
        parts += [f'"{isbn}"' for isbn in query.isbns]
        expression = " AND ".join(parts)
        for word in query.excluded:
            expression += f' NOT "{text.stem(word)}"'
        source = (
            "catalogue_search_fts f JOIN catalogue_searchentry e ON e.record_id = f.rowid "
            "WHERE catalogue_search_fts MATCH %s"
        )
        # bm25 weights per column: title, authors, subjects, isbn
        return source, [expression], "-bm25(catalogue_search_fts, 10.0, 5.0, 2.0, 1.0)", []

    def candidates(self, word: str) -> list[str]:
        # One edit keeps the first or the last letter: read only those words.
        return list(
            SearchWord.objects.filter(length__gte=len(word) - 1, length__lte=len(word) + 1)
            .filter(Q(word__startswith=word[0]) | Q(word__endswith=word[-1]))
            .values_list("word", flat=True)
        )


def _backend():
    return _Postgres() if connection.vendor == "postgresql" else _SQLite()


# --- filters ----------------------------------------------------------------------------------


def _lookup(model, key: str, value) -> int:
    """An organisation or branch by code (CLI, API) or by id (the pages' choice lists)."""
    value = str(value).strip()
    found = (
        model.objects.filter(pk=whole_number(value))
        if whole_number(value) is not None
        else model.objects.filter(code=value)
    ).values_list("pk", flat=True)
    if not found:
        raise SearchError(f"{key}: '{value}' bestaat niet", field=key)
    return found[0]


def _conditions(filters: Mapping) -> tuple[list[str], list]:
    unknown = sorted(set(filters) - set(FILTERS))
    if unknown:
        raise SearchError(f"Onbekend filter: {', '.join(unknown)}", field=unknown[0])
    where, params = [], []
    for key in ("material_type", "audience", "language"):
        if key in filters:
            where.append(f"e.{key} = %s")
            params.append(str(filters[key]))
    for key, op in (("year_from", ">="), ("year_to", "<=")):
        if key in filters:
            value = str(filters[key]).strip()
            if whole_number(value, digits=4) is None:
                raise SearchError(f"{key}: '{value[:20]}' is geen jaartal", field=key)
            where.append(f"e.year {op} %s")
            params.append(int(value))
    for key, model, column in (
        ("available_at_organisation", Organisation, "organisation_id"),
        ("available_at_branch", Branch, "current_branch_id"),
    ):
        if key in filters:
            where.append(_available_sql(column))
            params.append(_lookup(model, key, filters[key]))
    return where, params


def _available_sql(column: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM catalogue_item i WHERE i.record_id = e.record_id "
        f"AND i.status = '{_AVAILABLE}' AND i.{column} = %s)"
    )


def _context(organisation, branch) -> tuple[str, int, str] | None:
    """Where "available" is counted: (column, id, facet name), or None for the whole network."""
    if branch is not None:
        pk = branch.pk if hasattr(branch, "pk") else _lookup(Branch, "branch", branch)
        return "current_branch_id", pk, "available_at_branch"
    if organisation is not None:
        pk = (
            organisation.pk
            if hasattr(organisation, "pk")
            else _lookup(Organisation, "organisation", organisation)
        )
        return "organisation_id", pk, "available_at_organisation"
    return None


# --- the statement ----------------------------------------------------------------------------


def _statement(
    source, source_params, rank, rank_params, where, where_params, limit, offset, context
):
    """One query: the page rows (kind 'hit') followed by facet counts (kind = facet name)."""
    conditions = "".join(f" AND {w}" for w in where)
    if " WHERE " not in source:
        conditions = " WHERE " + conditions[5:] if conditions else ""
    matched = (
        f"SELECT e.record_id AS id, ROUND(CAST({rank} AS NUMERIC), 6) AS rank, e.year, e.copies, "
        f"e.material_type, e.audience, e.language FROM {source}{conditions}"
    )
    facets = [
        f"SELECT '{name}', {expr}, NULL, NULL, count(*) FROM m GROUP BY {expr}"
        for name, expr in (
            ("material_type", "material_type"),
            ("audience", "audience"),
            ("language", "language"),
            ("decade", "CAST(year / 10 * 10 AS TEXT)"),
        )
    ]
    facets.append("SELECT 'total', NULL, NULL, NULL, count(*) FROM m")
    extra = []
    if context:
        column, pk, name = context
        facets.append(
            f"SELECT '{name}', NULL, NULL, NULL, count(*) "
            f"FROM (SELECT id AS record_id FROM m) e WHERE {_available_sql(column)}"
        )
        extra.append(pk)
    sql = (
        f"WITH m AS MATERIALIZED ({matched}) "
        "SELECT 'hit', CAST(id AS TEXT), rank, year, copies FROM (SELECT id, rank, year, copies "
        "FROM m ORDER BY rank DESC, year DESC NULLS LAST, copies DESC, id LIMIT %s OFFSET %s) p"
        + "".join(f" UNION ALL {f}" for f in facets)
    )
    return sql, [*rank_params, *source_params, *where_params, limit, offset, *extra]


def _run(query: text.Query | None, where, where_params, page, per_page, context):
    # no words: browse everything that passes the filters
    browse = ("catalogue_searchentry e", [], "0.0", [])
    match = browse if query is None else _backend().match(query)
    sql, all_params = _statement(
        *match, where, where_params, per_page, (page - 1) * per_page, context
    )
    with _reader().cursor() as cursor:
        cursor.execute(sql, all_params)
        rows = cursor.fetchall()
    hits = sorted(
        ((int(r[1]), float(r[2] or 0), r[3], r[4]) for r in rows if r[0] == "hit"),
        key=lambda h: (-h[1], -(h[2] if h[2] is not None else -1), -h[3], h[0]),
    )
    facets: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
    total = 0
    for kind, value, _rank, _year, count in rows:
        if kind == "total":
            total = count
        elif kind in ("available_at_organisation", "available_at_branch"):
            facets[kind] = [("available", count)]
        elif kind != "hit" and value not in (None, ""):
            facets[kind].append((str(value), count))
    for values in facets.values():
        values.sort(key=lambda v: (-v[1], v[0]))
    return hits, total, facets


def _counts(ids: list[int], context) -> dict[int, tuple[int, int]]:
    """Copies (not withdrawn) and available copies of the page's records, in one query."""
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    available = f"i.status = '{_AVAILABLE}'"
    params: list = []
    if context:
        available += f" AND i.{context[0]} = %s"
        params.append(context[1])
    with _reader().cursor() as cursor:
        cursor.execute(
            f"SELECT i.record_id, SUM(CASE WHEN i.status <> '{_WITHDRAWN}' THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN {available} THEN 1 ELSE 0 END) FROM catalogue_item i "
            f"WHERE i.record_id IN ({marks}) GROUP BY i.record_id",
            [*params, *ids],
        )
        return {row[0]: (int(row[1]), int(row[2])) for row in cursor.fetchall()}


# --- typos ------------------------------------------------------------------------------------


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


def _known(word: str) -> bool:
    return SearchWord.objects.filter(word=word).exists()


def _corrected(query: text.Query) -> text.Query | None:
    """The query with each unknown longer word replaced by the known word one edit away that
    finds the most records; None when nothing could be corrected."""
    backend = _backend()
    changed = None
    for word in dict.fromkeys(query.terms):
        if len(word) < TYPO_MIN_LENGTH or word.isdigit() or _known(word):
            continue
        options = sorted(c for c in backend.candidates(word) if _one_edit_apart(word, c))
        if not options:
            continue
        best = max(options, key=lambda c: (_how_many(text.Query(terms=[c])), c))
        changed = (changed or query).replace(word, best)
    return changed


def _how_many(query: text.Query, cap: int = 1000) -> int:
    source, params, _rank, _rank_params = _backend().match(query)
    with _reader().cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {source} LIMIT %s) x", [*params, cap])
        return cursor.fetchone()[0]


# --- the interface ----------------------------------------------------------------------------


def search(
    query: str,
    *,
    filters: dict | None = None,
    page: int = 1,
    per_page: int = 20,
    organisation=None,
    branch=None,
) -> SearchResult:
    """Filters by key (FILTERS; organisation and branch by code or id); `organisation` or
    `branch` (an instance or a code) say where Hit.available counts and add a facet."""
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    try:
        per_page = max(1, min(int(per_page), MAX_PER_PAGE))
        page = max(1, int(page))
    except (TypeError, ValueError) as exc:
        raise SearchError(f"pagina: {exc}", field="page") from exc
    where, where_params = _conditions(filters)
    context = _context(organisation, branch)
    parsed = text.parse(query or "")
    corrected = None
    if parsed.empty:
        hits, total, facets = _run(None, where, where_params, page, per_page, context)
    elif not parsed.searchable:  # only stop words: PostgreSQL cannot match them, nor do we
        hits, total, facets = [], 0, {name: [] for name in FACETS}
    else:
        hits, total, facets = _run(parsed, where, where_params, page, per_page, context)
        if total == 0:
            better = _corrected(parsed)
            if better is not None:
                hits, total, facets = _run(better, where, where_params, page, per_page, context)
                corrected = better.text()
    records = BibRecord.objects.in_bulk([h[0] for h in hits])
    counts = _counts([h[0] for h in hits], context)
    return SearchResult(
        hits=[
            Hit(records[rid], score, *counts.get(rid, (0, 0)))
            for rid, score, _year, _copies in hits
            if rid in records
        ],
        total=total,
        facets=facets,
        page=page,
        per_page=per_page,
        corrected=corrected,
    )


# --- structured queries (protocols) -----------------------------------------------------------

SORTS = {
    "relevance": "rank DESC, year DESC NULLS LAST, copies DESC, id",
    "title": "sort_title, id",
    "-title": "sort_title DESC, id",
    "year": "year NULLS LAST, id",
    "-year": "year DESC NULLS LAST, id",
}


def find(
    expression: search_expression.Expression,
    *,
    sort: str = "relevance",
    offset: int = 0,
    limit: int = 20,
    organisation=None,
    counts: bool = True,
) -> SearchResult:
    """Records matching a structured expression (search_expression), in one of SORTS, from
    `offset`; Hit.available counts at `organisation` when given (`counts=False`: callers that
    show no counts skip that query, Hit.copies and Hit.available are 0). Raises
    search_expression.ExpressionError for a condition the index cannot answer."""
    if sort not in SORTS:
        raise SearchError(f"sortering: onbekend: {sort}", field="sort")
    vendor = connection.vendor
    where, params = search_expression.to_sql(expression, vendor)
    rank, rank_params = (
        search_expression.pg_rank(expression) if vendor == "postgresql" else ("0.0", [])
    )
    title = ", lower(r.title) AS sort_title" if "title" in sort else ""
    join = " JOIN catalogue_bibrecord r ON r.id = e.record_id" if title else ""
    limit = max(1, min(int(limit), MAX_PER_PAGE))
    sql = (
        f"SELECT e.record_id AS id, {rank} AS rank, e.year, e.copies{title}, count(*) OVER () "
        f"FROM catalogue_searchentry e{join} WHERE {where} "
        f"ORDER BY {SORTS[sort]} LIMIT %s OFFSET %s"
    )
    with _reader().cursor() as cursor:
        cursor.execute(sql, [*rank_params, *params, limit, max(0, int(offset))])
        rows = cursor.fetchall()
    total = rows[0][-1] if rows else _count(where, params, offset)
    context = _context(organisation, None)
    records = BibRecord.objects.in_bulk([r[0] for r in rows])
    tallies = _counts([r[0] for r in rows], context) if counts else {}
    hits = [
        Hit(records[r[0]], float(r[1] or 0), *tallies.get(r[0], (0, 0)))
        for r in rows
        if r[0] in records
    ]
    return SearchResult(hits=hits, total=total, page=offset // limit + 1, per_page=limit)


def _count(where: str, params: list, offset: int) -> int:
    if not offset:
        return 0
    with _reader().cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM catalogue_searchentry e WHERE {where}", params)
        return cursor.fetchone()[0]


BROWSE_INDEXES = ("title", "author")


def browse(
    index: str, start: str, *, before: int = 0, count: int = 20
) -> list[tuple[str, int, str]]:
    """Headings in alphabetical order (titles, or main authors) as (heading in lower case,
    number of records, heading as written): `before` headings before `start`, then headings
    from `start` on, `count` in all."""
    if index not in BROWSE_INDEXES:
        raise SearchError(f"bladeren: onbekende index {index}", field="index")
    vendor = connection.vendor
    keys = search_expression.TITLE_KEY if index == "title" else search_expression.AUTHOR_KEY
    key = keys[vendor]
    shown = key.removeprefix("lower(")[:-1]
    start = (start or "").strip().lower()
    select = f"SELECT {key} AS h, count(*), min({shown}) FROM catalogue_bibrecord r"
    found: list = []
    with _reader().cursor() as cursor:
        if before:
            cursor.execute(
                f"{select} WHERE {key} < %s GROUP BY {key} ORDER BY {key} DESC LIMIT %s",
                [start, before],
            )
            found = list(reversed(cursor.fetchall()))
        cursor.execute(
            f"{select} WHERE {key} >= %s GROUP BY {key} ORDER BY {key} LIMIT %s",
            [start, max(0, count - len(found))],
        )
        found += cursor.fetchall()
    return [(heading, n, display) for heading, n, display in found if heading]
