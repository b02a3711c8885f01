"""Catalogue search: one interface, a backend per database.

Keyword search over title, author, subject, series and ISBN with Dutch stemming; "phrases",
-exclusions and ISBNs typed with hyphens or as ISBN-10; one typo forgiven in longer words
(trigram candidates on PostgreSQL); filters and facet counts; ranking by relevance with newer
and more copies as tie-breaks; paging.

A query with at most `cap` matches is one SQL statement: the matching entries (PostgreSQL
tsvector @@ tsquery on a GIN index, or SQLite FTS5 MATCH), at most cap + 1 of them, are
materialised once with the columns every filter, facet and sort needs (catalogue_searchentry,
kept by triggers; see search_schema), and the page and all facet counts are read from that set.
A broader query reads its page tier by tier in ranking order and estimates its total and facets
from a repeatable sample of the index, saying so (SearchResult.estimated). On PostgreSQL the
planner's estimate of the matches is asked first (EXPLAIN, nothing read): a query it and then
the sample put far beyond the cap is broad without counting up to the cap. Then the page's
records are loaded with their available copies, in one more statement."""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import connection, connections, router, transaction
from django.db.models import IntegerField, Q
from django.db.models.expressions import RawSQL

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
    # True for a broad query: the total and the facet counts are estimates from a sample (the
    # total at least the exact cap), the hits exact
    estimated: bool = False


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


@dataclass
class _Match:
    """Which entries (alias e) a query finds, and which of those rank in the upper tiers."""

    where: str  # the entries that match
    params: list
    heading: str  # ... and match in the title or the authors alone (tier 2)
    heading_params: list
    key: str | None = None  # the typed words as a title: the record with that title is tier 3
    # What `where` asks beside the words, when a heading that matches implies that the whole
    # entry matches (no excluded word): the heading tier then reads the heading alone.
    beside_heading: tuple[str, list] | None = None


_BROWSE = _Match("TRUE", [], "FALSE", [])


class _Postgres:
    # Above this many matches a query is broad: its page is read in ranking order from the rank
    # index, its total and facets come from a sample (bench/catalogue.py measures the choice).
    cap = 2000
    narrows = True  # the filters also as lexemes beside the words (search_schema.narrowing)
    # The typed words as a title key, computed once per statement (an InitPlan): the function
    # is STABLE (unaccent), so the planner does not fold it, and written out it ran again for
    # every entry the tier's CASE or NOT (...) tested, 2,001 times in a capped statement.
    title_key = "(SELECT catalogue_title_key(%s))"

    def match(self, query: text.Query, narrowing: str | None = None) -> _Match:
        """`narrowing`: a tsquery the filters make of the entries' narrowing lexemes
        (search_schema.narrowing_query), asked in the same scan of the match index."""
        if not query.searchable:
            # Only stop words: they are kept in titles alone (clb_dutch_all, see search_schema).
            # The heading's authors are read with clb_dutch, which drops them, so the query
            # needs no weight A; with one, GIN would recheck every matching row.
            tsquery = "to_tsquery('clb_dutch_all', %s)"
            terms = list(query.terms)
            terms += ["(" + " <-> ".join(p) + ")" for p in query.phrases]
            condition = f"e.heading @@ {tsquery}"
            params = [" & ".join(terms)]
            for word in query.excluded:
                condition += " AND NOT e.document @@ plainto_tsquery('clb_dutch', %s)"
                params.append(word)
            if narrowing:
                condition += " AND e.narrowing @@ %s::tsquery"
                params.append(narrowing)
            return _Match(condition, params, "TRUE", [])
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
        # The tsquery is written out rather than joined in: constant, it is folded once at
        # planning and the GIN indexes are used without a parameterised join.
        tsquery = " && ".join(parts)
        where, where_params = f"e.document @@ ({tsquery})", params
        beside: tuple[str, list] = ("", [])
        if narrowing:
            where, where_params = f"{where} AND e.narrowing @@ %s::tsquery", [*params, narrowing]
            beside = ("e.narrowing @@ %s::tsquery", [narrowing])
        # The document is the heading followed by the rest (search_schema), positions kept: a
        # query without an exclusion that matches the heading matches the document.
        return _Match(
            where,
            where_params,
            f"e.heading @@ ({tsquery})",
            params,
            beside_heading=None if query.excluded else beside,
        )

    def sample(self) -> "_Sample":
        """Whole pages of the table, chosen repeatably (TABLESAMPLE SYSTEM), about SAMPLE_ROWS
        entries in all; the size of the table as the planner's statistics know it."""
        entries = (
            "(SELECT greatest(reltuples, 1) FROM pg_class "
            "WHERE oid = 'catalogue_searchentry'::regclass)"
        )
        percent = f"(SELECT least(100.0, 100.0 * {int(SAMPLE_ROWS)} / {entries}))"
        return _Sample(entries, f" TABLESAMPLE SYSTEM ({percent}) REPEATABLE (0)", "")

    def estimate(self, conditions: str, params: list) -> int | None:
        """How many entries meet `conditions` by the planner's statistics (EXPLAIN: planned,
        not run; no entry is read)."""
        with _reader().cursor() as cursor:
            cursor.execute(
                f"EXPLAIN (FORMAT JSON) SELECT 1 FROM catalogue_searchentry e WHERE {conditions}",
                params,
            )
            plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return int(plan[0]["Plan"]["Plan Rows"])

    def ranked(self, conditions, params, limit, offset, walk: bool | None) -> list[tuple]:
        """A tier's rows in ranking order. `walk`: read from the rank index in its order, each
        entry checked, until `limit` are found (a short walk when the tier is a large share of
        the index). False: the tier's matches are collected from the GIN index and the best
        kept. The planner is told which: its estimate for a tsvector match is often far off.
        None: the planner chooses (the title tier, found by its own index)."""
        hints = {
            True: ("enable_bitmapscan", "enable_seqscan"),
            False: ("enable_indexscan",),
            None: (),
        }[walk]
        # One message, so one round trip: SET LOCAL lasts for the implicit transaction of a
        # message of several statements (also behind a pooler in transaction mode); inside a
        # caller's transaction the RESETs end it.
        sql = (
            "".join(f"SET LOCAL {name} = off; " for name in hints)
            + _ranked_sql(conditions)
            + "".join(f"; RESET {name}" for name in hints)
        )
        with _reader().cursor() as cursor:
            cursor.execute(sql, [*params, limit, offset])
            for _hint in hints:
                cursor.nextset()
            return cursor.fetchall()

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
    # Higher than PostgreSQL's: in one process an exact count is cheap, and every statement of
    # the broad path runs the FTS match again. At 100,000 records (bench/catalogue.py --sqlite,
    # interleaved with the uncapped code) a cap of 2,000 made p95 1.8 times slower, 10,000 about
    # even; above it the exact path grows with the matches and the broad one does not.
    cap = 10_000
    narrows = False
    title_key = "clb_title_key(%s)"

    def estimate(self, conditions: str, params: list) -> int | None:
        """No planner's estimate here: every query is counted up to the cap first."""
        return None

    def sample(self) -> "_Sample":
        """The entries whose record id hashes below a bound (SQLite has no TABLESAMPLE), about
        SAMPLE_ROWS of them: repeatable, and unlike every n-th id blind to any period in the
        order records arrived. Knuth's multiplicative hash: the low 32 bits of id × 2654435761
        spread any run of ids evenly (in 64-bit integers up to ids of 3 × 10^9)."""
        entries = "(SELECT max(1, count(*)) FROM catalogue_searchentry)"
        share = f"min(1.0, {int(SAMPLE_ROWS)}.0 / {entries})"
        return _Sample(
            entries, "", f"((e.record_id * 2654435761) & 4294967295) < 4294967296 * {share}"
        )

    def ranked(self, conditions, params, limit, offset, walk: bool | None) -> list[tuple]:
        """A tier's rows in ranking order, read as on PostgreSQL (see there): the index to walk
        named, or every index but the record id's refused, or the planner's choice."""
        table = {True: " INDEXED BY catalogue_searchentry_rank", False: " NOT INDEXED"}.get(
            walk, ""
        )
        with _reader().cursor() as cursor:
            cursor.execute(_ranked_sql(conditions, table), [*params, limit, offset])
            return cursor.fetchall()

    def match(self, query: text.Query, narrowing: str | None = None) -> _Match:
        """`narrowing` is PostgreSQL's: here the filters are the columns' conditions alone."""
        keep = (lambda w: True) if not query.searchable else (lambda w: w not in text.STOPWORDS)
        parts = [f'"{text.stem(w)}"' for w in query.terms if keep(w)]
        parts += ['"' + " ".join(text.stem(w) for w in p) + '"' for p in query.phrases]
        parts += [f'"{isbn}"' for isbn in query.isbns]
        expression = " AND ".join(parts)
        for word in query.excluded:
            expression += f' NOT "{text.stem(word)}"'
        fts = (
            "e.record_id IN (SELECT rowid FROM catalogue_search_fts "
            "WHERE catalogue_search_fts MATCH %s)"
        )
        heading = "{title authors} : (" + " AND ".join(parts) + ")"
        if not query.searchable:  # only stop words: they count in titles alone
            titles = (
                "{title} : (" + " AND ".join(parts) + ")" + expression[len(" AND ".join(parts)) :]
            )
            return _Match(fts, [titles], "TRUE", [])
        return _Match(fts, [expression], f"{fts} AND {fts}", [expression, heading])

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


def _conditions(
    filters: Mapping, narrowed: bool = False
) -> tuple[list[str], list, str | None, dict[str, int]]:
    """The filters as conditions on the entries (always applied), as the narrowing tsquery
    PostgreSQL asks of the match index beside the words (search_schema.narrowing_query), and
    the organisation and branch where a copy must be available, by filter (their ids).
    `narrowed`: the match will carry that tsquery, so only entries held by the organisation
    asked for reach its availability test."""
    unknown = sorted(set(filters) - set(FILTERS))
    if unknown:
        raise SearchError(f"Onbekend filter: {', '.join(unknown)}", field=unknown[0])
    where, params, facts = [], [], {}
    for key in ("material_type", "audience", "language"):
        if key in filters:
            where.append(f"e.{key} = %s")
            params.append(str(filters[key]))
            facts[key] = str(filters[key])
    for key, op in (("year_from", ">="), ("year_to", "<=")):
        if key in filters:
            value = str(filters[key]).strip()
            if whole_number(value, digits=4) is None:
                raise SearchError(f"{key}: '{value[:20]}' is geen jaartal", field=key)
            where.append(f"e.year {op} %s")
            params.append(int(value))
    holder, available_at = None, {}
    for key, model, column in (
        ("available_at_organisation", Organisation, "organisation_id"),
        ("available_at_branch", Branch, "current_branch_id"),
    ):
        if key in filters:
            per_entry = narrowed and key == "available_at_organisation"
            where.append(_available_sql(column, per_entry))
            params.append(_lookup(model, key, filters[key]))
            available_at[key] = params[-1]
            if key == "available_at_organisation":
                holder = params[-1]
    return where, params, search_schema.narrowing_query(facts, holder), available_at


def _available_sql(column: str, per_entry: bool = False) -> str:
    """`per_entry`: tested entry by entry, for entries already narrowed to the organisation's
    holdings. OFFSET 0 keeps PostgreSQL from making it a semi-join, which it chose from a poor
    estimate and which reads every available copy of the organisation (60,000 at 2 M records,
    40 ms) to test some hundred entries (0.02 ms each)."""
    return (
        "EXISTS (SELECT 1 FROM catalogue_item i WHERE i.record_id = e.record_id "
        f"AND i.status = '{_AVAILABLE}' AND i.{column} = %s{' OFFSET 0' if per_entry else ''})"
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


# --- the statements ---------------------------------------------------------------------------
#
# The ranking, the same on both backends: first the record whose title is exactly the words
# typed (tier 3), then records matching in title or authors (tier 2), then the other matches
# (0); within a tier newer first, then more copies, then the lowest id. Everything after the
# tier is in the rank index, so a broad query's page is read in order from it.

ORDER = "rank DESC, year DESC NULLS LAST, copies DESC, id"
_STATIC = "e.year DESC NULLS LAST, e.copies DESC, e.record_id"
_FACET_EXPRESSIONS = (
    ("material_type", "material_type"),
    ("audience", "audience"),
    ("language", "language"),
    ("decade", "CAST(year / 10 * 10 AS TEXT)"),
)
SAMPLE_ROWS = 10_000  # entries read for a broad query's estimated total and facets
# A query the planner and the sample both put at this many times the cap is taken as broad
# without counting up to the cap (see _run); below it a poor estimate could hide a narrow one.
BROAD_BEYOND_CAP = 3
WALK_LIMIT = 5_000  # entries a walk of the rank index may be expected to visit (see _broad)


@dataclass
class _Sample:
    """A repeatable sample of about SAMPLE_ROWS entries of the index (see the backends'
    sample()): the SQL after the table name and the condition that choose it, and the number of
    entries in the whole index as an SQL expression, read in the same statement."""

    entries: str
    table: str
    condition: str


@dataclass
class _Query:
    """One search as SQL pieces: the match with the filters, and the tiers."""

    backend: object
    match: _Match
    where: list[str]
    where_params: list
    context: tuple | None
    # The filters ask for a copy available where the context counts them: every match has one,
    # so that count is the total, not counted again.
    available_is_total: bool = False

    def matched(self, extra: str = "", extra_params=(), heading=False) -> tuple[str, list]:
        """The match and the filters, and `extra`. `heading`: `extra` asks for the heading's
        match, which may then stand for the words' match (_Match.beside_heading)."""
        where, params = self.match.where, self.match.params
        if heading and self.match.beside_heading is not None:
            where, params = self.match.beside_heading
        conditions = " AND ".join(c for c in (where, *self.where, extra) if c)
        return conditions, [*params, *self.where_params, *extra_params]

    def exact(self) -> tuple[str, list]:
        if self.match.key is None:
            return "FALSE", []
        return f"e.title_key = {self.backend.title_key}", [self.match.key]

    def tier(self) -> tuple[str, list]:
        exact, exact_params = self.exact()
        return (
            f"CASE WHEN {exact} THEN 3 WHEN {self.match.heading} THEN 2 ELSE 0 END",
            [*exact_params, *self.match.heading_params],
        )

    def tiers(self) -> list[tuple[int, str, list]]:
        """Each tier as a condition that excludes the tiers above it."""
        exact, exact_params = self.exact()
        heading, heading_params = self.match.heading, self.match.heading_params
        return [
            (3, exact, exact_params),
            (2, f"NOT ({exact}) AND {heading}", [*exact_params, *heading_params]),
            (0, f"NOT ({exact}) AND NOT ({heading})", [*exact_params, *heading_params]),
        ]


def _statement(q: _Query, page=None, cap=None, sample: _Sample | None = None):
    """One query over the matches (at most cap + 1 of them, or those in the sample): the rows of
    `page` = (limit, offset) in ranking order (kind 'hit'), then the facet counts (kind = facet
    name), the total, and with a sample the matches in the upper tiers (kind 'heading') and the
    entries in the whole index (kind 'entries')."""
    tier, tier_params = q.tier()
    conditions, params = q.matched(sample.condition if sample else "")
    matched = (
        f"SELECT e.record_id AS id, {tier} AS rank, e.year, e.copies, "
        f"e.material_type, e.audience, e.language "
        f"FROM catalogue_searchentry e{sample.table if sample else ''} "
        f"WHERE {conditions}" + (f" LIMIT {int(cap) + 1}" if cap else "")
    )
    parts = [
        f"SELECT '{name}', {expr}, NULL, NULL, count(*) FROM m GROUP BY {expr}"
        for name, expr in _FACET_EXPRESSIONS
    ]
    parts.append("SELECT 'total', NULL, NULL, NULL, count(*) FROM m")
    extra = []
    if page:
        parts.insert(
            0,
            "SELECT 'hit', CAST(id AS TEXT), rank, year, copies FROM (SELECT id, rank, year, "
            f"copies FROM m ORDER BY {ORDER} LIMIT %s OFFSET %s) p",
        )
        extra += page
    if sample:
        parts.append("SELECT 'heading', NULL, NULL, NULL, count(*) FROM m WHERE rank >= 2")
        parts.append(f"SELECT 'entries', NULL, NULL, NULL, CAST({sample.entries} AS BIGINT)")
    if q.context and not q.available_is_total:
        column, pk, name = q.context
        parts.append(
            f"SELECT '{name}', NULL, NULL, NULL, count(*) "
            f"FROM (SELECT id AS record_id FROM m) e WHERE {_available_sql(column)}"
        )
        extra.append(pk)
    sql = f"WITH m AS MATERIALIZED ({matched}) " + " UNION ALL ".join(parts)
    return sql, [*tier_params, *params, *extra]


def _counted(rows, q: _Query) -> tuple[int, dict, int, int]:
    """Total, facets, upper-tier matches and entries from a statement's rows, scaled up when
    they count a sample (the entries then say how many stand behind each). A value is listed
    only when it was seen in a match, so none leads to an empty page."""
    entries = next((count for kind, *_values, count in rows if kind == "entries"), None)
    scale = max(1.0, entries / SAMPLE_ROWS) if entries else 1.0
    facets: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
    total = heading = 0
    for kind, value, _rank, _year, count in rows:
        if kind == "total":
            total = round(count * scale)
        elif kind == "heading":
            heading = round(count * scale)
        elif kind in ("available_at_organisation", "available_at_branch"):
            # listed empty rather than with 0: a value that finds nothing is never offered
            facets[kind] = [("available", max(1, round(count * scale)))] if count else []
        elif kind not in ("hit", "entries") and value not in (None, ""):
            facets[kind].append((str(value), max(1, round(count * scale))))
    if q.context and q.available_is_total:
        facets[q.context[2]] = [("available", total)] if total else []
    for values in facets.values():
        values.sort(key=lambda v: (-v[1], v[0]))
    return total, facets, heading, entries or 1


def _rank_key(hit):
    rid, rank, year, copies = hit
    return (-rank, -(year if year is not None else -1), -copies, rid)


def _run(q: _Query, page, per_page):
    """(hits, total, facets, estimated): exact up to the backend's cap, estimated beyond. When
    the planner's estimate and then the sample both say BROAD_BEYOND_CAP times the cap or more,
    the count up to the cap (2,001 matches read) is not made: the query is broad."""
    cap = q.backend.cap
    sampled = None
    if cap and (q.backend.estimate(*q.matched()) or 0) >= BROAD_BEYOND_CAP * cap:
        sampled = _sampled(q)
        if sampled[0] >= BROAD_BEYOND_CAP * cap:
            return _broad(q, page, per_page, sampled)
    sql, params = _statement(q, page=(per_page, (page - 1) * per_page), cap=cap)
    with _reader().cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    total, facets, _heading, _entries = _counted(rows, q)
    if cap and total > cap:
        return _broad(q, page, per_page, sampled)
    hits = sorted(
        ((int(r[1]), float(r[2] or 0), r[3], r[4]) for r in rows if r[0] == "hit"), key=_rank_key
    )
    return hits, total, facets, False


def _sampled(q: _Query) -> tuple[int, dict, int, int]:
    """Total, facets, upper-tier matches and entries estimated from a sample (_counted)."""
    with _reader().cursor() as cursor:
        cursor.execute(*_statement(q, sample=q.backend.sample()))
        return _counted(cursor.fetchall(), q)


def _broad(q: _Query, page, per_page, sampled=None):
    """A query with more matches than the cap: the page tier by tier, each in ranking order
    (see the backends' ranked()) until the page is full; the total and the facets estimated
    from a sample of the entries (`sampled`, when already read), which also tells how large
    each tier is."""
    start, stop = (page - 1) * per_page, page * per_page
    total, facets, heading, entries = sampled or _sampled(q)
    hits, before = [], 0  # before: rows of the tiers passed so far
    for rank, condition, condition_params in q.tiers():
        if before >= stop or condition == "FALSE":
            continue
        conditions, params = q.matched(condition, condition_params, heading=rank == 2)
        offset = max(0, start - before)
        # Walking the rank index visits about (rows wanted) / (the tier's share) entries; a
        # tier too small for that is collected from the match and the best kept.
        share = {3: 0, 2: heading, 0: max(0, total - heading)}[rank] / entries
        walk = None if rank == 3 else stop / max(share, 1 / entries) <= WALK_LIMIT
        rows = q.backend.ranked(conditions, params, stop - before - offset, offset, walk)
        hits += [(rid, float(rank), year, copies) for rid, year, copies in rows]
        if offset and not rows:  # a page past this tier: where the next one starts
            with _reader().cursor() as cursor:
                cursor.execute(
                    f"SELECT count(*) FROM catalogue_searchentry e WHERE {conditions}", params
                )
                before += cursor.fetchone()[0]
        else:
            before += offset + len(rows)
    return hits, max(total, q.backend.cap + 1), facets, True


def _ranked_sql(conditions: str, table: str = "") -> str:
    return (
        f"SELECT e.record_id, e.year, e.copies FROM catalogue_searchentry e{table} "
        f"WHERE {conditions} ORDER BY {_STATIC} LIMIT %s OFFSET %s"
    )


def _records(ids: list[int], context, available: bool = True) -> dict[int, tuple]:
    """The page's records with their available copies (at the organisation or branch searched
    from), in one query; the copies themselves are counted in the index (SearchEntry.copies)."""
    if not available:
        return {pk: (record, 0) for pk, record in BibRecord.objects.in_bulk(ids).items()}
    # Raw SQL: the ORM's Subquery costs more to compile than the count costs to run.
    where, params = "", [_AVAILABLE]
    if context:
        where, params = f" AND i.{context[0]} = %s", [_AVAILABLE, context[1]]
    copies = RawSQL(
        "SELECT count(*) FROM catalogue_item i WHERE i.record_id = catalogue_bibrecord.id "
        f"AND i.status = %s{where}",
        params,
        output_field=IntegerField(),
    )
    found = BibRecord.objects.annotate(available_now=copies).in_bulk(ids)
    return {pk: (record, record.available_now) for pk, record in found.items()}


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
    match = _backend().match(query)
    with _reader().cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT 1 FROM catalogue_searchentry e "
            f"WHERE {match.where} LIMIT %s) x",
            [*match.params, cap],
        )
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
    parsed = text.parse(query or "")
    corrected = None
    backend = _backend()
    narrowed = backend.narrows and not parsed.empty
    where, where_params, narrowing, available_at = _conditions(filters, narrowed)
    context = _context(organisation, branch)
    available_is_total = context is not None and available_at.get(context[2]) == context[1]

    def run(parsed: text.Query | None, typed: str):
        match = _BROWSE if parsed is None else backend.match(parsed, narrowing)
        if parsed is not None and not (parsed.excluded or parsed.isbns):
            match.key = typed
        q = _Query(backend, match, where, where_params, context, available_is_total)
        return _run(q, page, per_page)

    if parsed.empty:
        hits, total, facets, estimated = run(None, "")
    else:
        hits, total, facets, estimated = run(parsed, query)
        if total == 0:
            better = _corrected(parsed)
            if better is not None:
                corrected = better.text()
                hits, total, facets, estimated = run(better, corrected)
    records = _records([h[0] for h in hits], context)
    return SearchResult(
        hits=[
            Hit(records[rid][0], score, copies, records[rid][1])
            for rid, score, _year, copies in hits
            if rid in records
        ],
        total=total,
        facets=facets,
        page=page,
        per_page=per_page,
        corrected=corrected,
        estimated=estimated,
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
    show no counts skip that query, Hit.available is 0). Raises
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
    records = _records([r[0] for r in rows], context, available=counts)
    hits = [
        Hit(records[r[0]][0], float(r[1] or 0), r[3], records[r[0]][1])
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
