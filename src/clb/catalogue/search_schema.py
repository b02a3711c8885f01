"""The search index in the database: tables, functions and triggers per backend.

Triggers keep the index current whatever writes a record or a copy: the ORM's save() and
bulk_create(), queryset.update(), raw SQL, other rooms' tests. `install()` is run by migration
0007 and again after every migrate (SQLite drops a table's triggers when Django rebuilds the
table for a schema change; re-installing is idempotent). `refresh()` recomputes entries set-wise
with the same expressions the triggers use: after a bulk load with triggers off, or on request;
`deferred()` lets a bulk writer (the importer) index the rows it added that way, once per
transaction, instead of through the triggers. install() and refresh() wait for the columns of
migration 0010 (see `_has_todays_columns`): released migrations 0007 and 0009 call them on the
table of their day.

PostgreSQL: catalogue_searchentry carries a `document tsvector` (weights: A title, B authors,
C subjects and series, D ISBNs) with a GIN index, built with `clb_dutch`, a copy of the `dutch`
configuration that also removes diacritics (unaccent), so "ruine" finds "ruïne" as on SQLite.
Its first part, title and authors, is also kept alone as `heading` with its own GIN index: the
ranking puts records whose heading matches first (search.py), and counting those must not visit
the others. Titles are read with `clb_dutch_all`, the same without stop words, so a query made
only of stop words ("Het", "Wij") can still find its title; stop words keep their positions in
both configurations, so phrases match alike.
A third tsvector, `narrowing`, holds what the search's filters ask of a record as lexemes no
text search parser makes (each has a space in it, see NARROWING): its material type, audience
and language, and every organisation that holds a copy not withdrawn. Not the year: a range
is an OR of dense posting lists, which measured slower than testing the year column (at 2 M
records 'campaign' 1990-2020 took 107 ms against 53). It shares
one GIN index with `document`, so a filtered query ('guide' for youth, 'arts' at one
organisation) is answered in one index scan that intersects word and filter, instead of testing
the filter on every record the word finds. The columns stay the truth (search.py keeps their
conditions; whether a copy is available now is still read from the copies): the lexemes only
narrow. The holdings part is kept current by the copies' triggers, written only when the set of
organisations of a record changes (not on a checkout).
The vocabulary for typo correction (catalogue_searchword) has a trigram index (pg_trgm).

SQLite: FTS5 table catalogue_search_fts over words stemmed in Python (text.index_text, stop
words included), which the triggers call as SQL functions registered on every connection.

Both: `title_key`, the title's folded words (catalogue_title_key / text.title_key), finds the
record whose title is exactly what was typed; an index on (year, copies) lets a broad query read
its first page in ranking order without visiting every match."""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.signals import connection_created
from django.dispatch import receiver

from . import text

SEARCHED_COLUMNS = ("title", "subtitle", "authors", "subjects", "series", "isbn")
FACT_COLUMNS = ("year", "material_type", "audience", "language")
_CHANGED = SEARCHED_COLUMNS + FACT_COLUMNS

# PostgreSQL's narrowing lexemes: "<kind> <value>". The space keeps them apart from every word,
# stem or ISBN the parser makes (it never puts a space in a lexeme).
NARROWING = {
    "material_type": "material",
    "audience": "audience",
    "language": "language",
    "organisation": "org",
}


def _tsquery_lexeme(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def narrowing_query(facts: dict[str, str], organisation: int | None) -> str | None:
    """A tsquery (text) that every entry meeting these filters matches in its `narrowing`, or
    None when none of them can be asked there. `facts`: material_type, audience, language;
    `organisation`: an id holding a copy."""
    parts = [_tsquery_lexeme(f"{NARROWING[key]} {value}") for key, value in facts.items() if value]
    if organisation is not None:
        parts.append(_tsquery_lexeme(f"{NARROWING['organisation']} {int(organisation)}"))
    return " & ".join(parts) or None


@receiver(connection_created)
def _register_sqlite_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        raw = connection.connection
        raw.create_function("clb_index_text", -1, text.index_text, deterministic=True)
        raw.create_function("clb_vocabulary", -1, text.vocabulary_json, deterministic=True)
        raw.create_function("clb_title_key", 1, text.title_key, deterministic=True)


# --- PostgreSQL -----------------------------------------------------------------------------

PG_HEADING = """
CREATE OR REPLACE FUNCTION catalogue_search_heading(title text, subtitle text, authors jsonb)
RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('clb_dutch_all',
                                 coalesce(title, '') || ' ' || coalesce(subtitle, '')), 'A')
        || setweight(to_tsvector('clb_dutch', coalesce(authors, '[]'::jsonb)), 'B')
$$
"""
PG_TITLE_KEY = """
CREATE OR REPLACE FUNCTION catalogue_title_key(title text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT left(trim(regexp_replace(lower(unaccent(coalesce(title, ''))),
                                    '[^[:alnum:]]+', ' ', 'g')), 200)
$$
"""
# The rest of the document after the heading: subjects and series, ISBNs.
PG_DOCUMENT = """
CREATE OR REPLACE FUNCTION catalogue_search_rest(
    rid bigint, subjects jsonb, series jsonb, isbn text
) RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('clb_dutch', coalesce(subjects, '[]'::jsonb))
                     || to_tsvector('clb_dutch', coalesce(series, '[]'::jsonb)), 'C')
        || setweight(to_tsvector('simple', coalesce(isbn, '') || ' ' || coalesce(
               (SELECT string_agg(i.isbn13, ' ') FROM catalogue_recordisbn i
                WHERE i.record_id = rid), '')), 'D')
$$
"""
PG_WORDS = """
CREATE OR REPLACE FUNCTION catalogue_search_words(body text) RETURNS SETOF text
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT w FROM regexp_split_to_table(lower(unaccent(body)), '[^[:alnum:]]+') w
    WHERE length(w) BETWEEN 3 AND 60 AND w !~ '^[0-9]+$'
$$
"""
# The narrowing lexemes (NARROWING) of a record's facts, and of the organisations holding it.
PG_FACTS = """
CREATE OR REPLACE FUNCTION catalogue_search_facts(
    material text, audience text, language text
) RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$
    SELECT array_to_tsvector(array_remove(ARRAY[
        CASE WHEN material <> '' THEN 'material ' || material END,
        CASE WHEN audience <> '' THEN 'audience ' || audience END,
        CASE WHEN language <> '' THEN 'language ' || language END
    ], NULL))
$$
"""
PG_HOLDINGS = """
CREATE OR REPLACE FUNCTION catalogue_search_holdings(rid bigint) RETURNS tsvector
LANGUAGE sql STABLE AS $$
    SELECT array_to_tsvector(ARRAY(
        SELECT DISTINCT 'org ' || organisation_id FROM catalogue_item
        WHERE record_id = rid AND status <> 'withdrawn'))
$$
"""
# The holdings part of these records' entries again, written only where it changed.
PG_HOLDINGS_CHANGED = """
CREATE OR REPLACE FUNCTION catalogue_search_holdings_changed(rids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE catalogue_searchentry e SET narrowing = n.narrowing
    FROM (SELECT record_id,
                 ts_delete(narrowing, ARRAY(SELECT lexeme FROM unnest(narrowing)
                                            WHERE lexeme LIKE 'org %'))
                 || catalogue_search_holdings(record_id) AS narrowing
          FROM catalogue_searchentry WHERE record_id = ANY(rids)) n
    WHERE e.record_id = n.record_id AND e.narrowing <> n.narrowing
$$
"""
PG_FACTS_OF = "catalogue_search_facts(r.material_type, r.audience, r.language)"
# The text the vocabulary is drawn from, for a row aliased r.
PG_WORD_BODY = (
    "concat_ws(' ', r.title, r.subtitle, r.authors::text, r.subjects::text, r.series::text)"
)
PG_HEADING_OF = "catalogue_search_heading(r.title, r.subtitle, r.authors)"
PG_REST_OF = "catalogue_search_rest(r.id, r.subjects, r.series, r.isbn)"
# Columns of an entry and their values for a record r with its heading h.heading.
PG_ENTRY_COLUMNS = (
    "record_id, year, material_type, audience, language, title_key, heading, document, "
    "narrowing, copies"
)
# {holdings}: the organisations' lexemes, from the copies
PG_ENTRY_VALUES = (
    "r.id, r.year, r.material_type, r.audience, r.language, catalogue_title_key(r.title), "
    f"h.heading, h.heading || {PG_REST_OF}, {PG_FACTS_OF} || {{holdings}}"
)
# The heading's subquery is kept apart (OFFSET 0): pulled up into the query, the heading
# would be computed twice, once for its column and once inside the document.
PG_UPSERT_ENTRIES = f"""
    INSERT INTO catalogue_searchentry ({PG_ENTRY_COLUMNS})
    SELECT {PG_ENTRY_VALUES.format(holdings="catalogue_search_holdings(r.id)")},
           (SELECT count(*) FROM catalogue_item i WHERE i.record_id = r.id
            AND i.status <> 'withdrawn')
    FROM {{source}} r, LATERAL (SELECT {PG_HEADING_OF} AS heading OFFSET 0) h
    ON CONFLICT (record_id) DO UPDATE SET
        year = EXCLUDED.year, material_type = EXCLUDED.material_type,
        audience = EXCLUDED.audience, language = EXCLUDED.language,
        title_key = EXCLUDED.title_key, heading = EXCLUDED.heading,
        copies = EXCLUDED.copies, document = EXCLUDED.document,
        narrowing = EXCLUDED.narrowing
"""
PG_UPSERT = f"""{PG_UPSERT_ENTRIES};
    INSERT INTO catalogue_searchword (word, length)
    SELECT w, length(w) FROM (
        SELECT DISTINCT w FROM {{source}} r, catalogue_search_words({PG_WORD_BODY}) w
    ) words ORDER BY w
    ON CONFLICT (word) DO NOTHING;
"""
# The vocabulary of a bounded set of records (a refresh of some ids) in one pass: their text
# joined and split once, instead of catalogue_search_words per record, which cost more than
# their entries. The same words: unaccent and lower work character by character and the space
# that joins two records' text is a separator. Known words are skipped by the insert's own
# conflict check, an index probe each: a NOT EXISTS filter before it was planned as a scan of
# the whole word list per word when the table's statistics were those of an empty catalogue
# (an import's first minutes), 20 times slower.
PG_WORDS_CHUNK = 2_000
PG_NEW_WORDS = f"""
    INSERT INTO catalogue_searchword (word, length)
    SELECT w, length(w) FROM (
        SELECT DISTINCT w FROM regexp_split_to_table(
            (SELECT lower(unaccent(string_agg({PG_WORD_BODY}, ' '))) FROM {{source}} r),
            '[^[:alnum:]]+') w
    ) words
    WHERE length(w) BETWEEN 3 AND 60 AND w !~ '^[0-9]+$'
    ORDER BY w
    ON CONFLICT (word) DO NOTHING
"""
# A bulk writer that indexes its own rows set-wise (deferred()) turns the triggers on added rows
# off for the rest of its transaction; a transaction-local setting, so nothing else is affected.
PG_DEFERRED_SETTING = "clb.search_deferred"
PG_IF_DEFERRED = (
    f"IF current_setting('{PG_DEFERRED_SETTING}', true) = 'on' THEN RETURN NULL; END IF;"
)
POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'clb_dutch') THEN
            CREATE TEXT SEARCH CONFIGURATION clb_dutch (COPY = pg_catalog.dutch);
            ALTER TEXT SEARCH CONFIGURATION clb_dutch
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, dutch_stem;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_ts_dict WHERE dictname = 'clb_dutch_stem_all') THEN
            CREATE TEXT SEARCH DICTIONARY clb_dutch_stem_all (TEMPLATE = snowball, language = dutch);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'clb_dutch_all') THEN
            CREATE TEXT SEARCH CONFIGURATION clb_dutch_all (COPY = clb_dutch);
            ALTER TEXT SEARCH CONFIGURATION clb_dutch_all
                ALTER MAPPING FOR asciiword, asciihword, hword_asciipart
                WITH clb_dutch_stem_all;
            ALTER TEXT SEARCH CONFIGURATION clb_dutch_all
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, clb_dutch_stem_all;
        END IF;
    END $$""",
    "ALTER TABLE catalogue_searchentry "
    "ADD COLUMN IF NOT EXISTS document tsvector NOT NULL DEFAULT ''::tsvector",
    "ALTER TABLE catalogue_searchentry "
    "ADD COLUMN IF NOT EXISTS heading tsvector NOT NULL DEFAULT ''::tsvector",
    "ALTER TABLE catalogue_searchentry "
    "ADD COLUMN IF NOT EXISTS narrowing tsvector NOT NULL DEFAULT ''::tsvector",
    # words and filters in one index: one scan intersects them (GIN ANDs every column's keys)
    "CREATE INDEX IF NOT EXISTS catalogue_searchentry_match "
    "ON catalogue_searchentry USING gin (document, narrowing)",
    # before narrowing the document had an index of its own
    "DROP INDEX IF EXISTS catalogue_searchentry_document",
    "CREATE INDEX IF NOT EXISTS catalogue_searchentry_heading "
    "ON catalogue_searchentry USING gin (heading)",
    # the ranking's order after the match tier: a broad query reads its page from it
    "CREATE INDEX IF NOT EXISTS catalogue_searchentry_rank "
    "ON catalogue_searchentry (year DESC NULLS LAST, copies DESC, record_id)",
    "CREATE INDEX IF NOT EXISTS catalogue_searchword_trgm "
    "ON catalogue_searchword USING gin (word gin_trgm_ops)",
    PG_HEADING,
    PG_TITLE_KEY,
    PG_DOCUMENT,
    PG_WORDS,
    PG_FACTS,
    PG_HOLDINGS,
    PG_HOLDINGS_CHANGED,
    # Records: inserts and deletes per statement (a bulk_create of 500 is one pass), updates per
    # row behind a WHEN, so a save() that changes nothing searched costs nothing.
    f"""CREATE OR REPLACE FUNCTION catalogue_search_records_added() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN
        {PG_IF_DEFERRED}
        {PG_UPSERT.format(source="added")}
        RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION catalogue_search_record_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN
        {PG_UPSERT.format(source="(SELECT NEW.*)")}
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION catalogue_search_records_removed() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN
        DELETE FROM catalogue_searchentry WHERE record_id IN (SELECT id FROM removed);
        RETURN NULL;
    END $$""",
    # ISBNs of the identifiers table: added ones are appended, removals recompute.
    f"""CREATE OR REPLACE FUNCTION catalogue_search_isbns_added() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN
        {PG_IF_DEFERRED}
        UPDATE catalogue_searchentry e
        SET document = e.document || setweight(to_tsvector('simple', a.isbns), 'D')
        FROM (SELECT record_id, string_agg(isbn13, ' ') AS isbns FROM added GROUP BY record_id) a
        WHERE e.record_id = a.record_id;
        RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION catalogue_search_isbns_removed() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN
        UPDATE catalogue_searchentry e SET document = e.heading || {PG_REST_OF}
        FROM catalogue_bibrecord r
        WHERE r.id = e.record_id AND r.id IN (SELECT record_id FROM removed);
        RETURN NULL;
    END $$""",
    # Copies: the count of items that are not withdrawn, a tie-break of the ranking.
    f"""CREATE OR REPLACE FUNCTION catalogue_search_items_added() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN
        {PG_IF_DEFERRED}
        UPDATE catalogue_searchentry e SET copies = e.copies + a.n
        FROM (SELECT record_id, count(*) AS n FROM added WHERE status <> 'withdrawn'
              GROUP BY record_id) a
        WHERE e.record_id = a.record_id;
        PERFORM catalogue_search_holdings_changed(
            ARRAY(SELECT DISTINCT record_id FROM added WHERE status <> 'withdrawn'));
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION catalogue_search_items_removed() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN
        UPDATE catalogue_searchentry e SET copies = greatest(e.copies - a.n, 0)
        FROM (SELECT record_id, count(*) AS n FROM removed WHERE status <> 'withdrawn'
              GROUP BY record_id) a
        WHERE e.record_id = a.record_id;
        PERFORM catalogue_search_holdings_changed(
            ARRAY(SELECT DISTINCT record_id FROM removed WHERE status <> 'withdrawn'));
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION catalogue_search_item_moved() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN
        UPDATE catalogue_searchentry SET copies = greatest(copies - 1, 0)
        WHERE record_id = OLD.record_id AND OLD.status <> 'withdrawn';
        UPDATE catalogue_searchentry SET copies = copies + 1
        WHERE record_id = NEW.record_id AND NEW.status <> 'withdrawn';
        PERFORM catalogue_search_holdings_changed(ARRAY[OLD.record_id, NEW.record_id]);
        RETURN NULL;
    END $$""",
    # before the heading had its own column the document was made in one function
    "DROP FUNCTION IF EXISTS catalogue_search_document(bigint, text, text, jsonb, jsonb, jsonb, text)",
]
PG_TRIGGERS = {
    "catalogue_search_records_added": "AFTER INSERT ON catalogue_bibrecord "
    "REFERENCING NEW TABLE AS added FOR EACH STATEMENT "
    "EXECUTE FUNCTION catalogue_search_records_added()",
    "catalogue_search_record_changed": "AFTER UPDATE ON catalogue_bibrecord FOR EACH ROW WHEN (("
    + ", ".join(f"OLD.{c}" for c in _CHANGED)
    + ") IS DISTINCT FROM ("
    + ", ".join(f"NEW.{c}" for c in _CHANGED)
    + ")) EXECUTE FUNCTION catalogue_search_record_changed()",
    "catalogue_search_records_removed": "AFTER DELETE ON catalogue_bibrecord "
    "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT "
    "EXECUTE FUNCTION catalogue_search_records_removed()",
    "catalogue_search_isbns_added": "AFTER INSERT ON catalogue_recordisbn "
    "REFERENCING NEW TABLE AS added FOR EACH STATEMENT "
    "EXECUTE FUNCTION catalogue_search_isbns_added()",
    "catalogue_search_isbns_removed": "AFTER DELETE ON catalogue_recordisbn "
    "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT "
    "EXECUTE FUNCTION catalogue_search_isbns_removed()",
    "catalogue_search_items_added": "AFTER INSERT ON catalogue_item "
    "REFERENCING NEW TABLE AS added FOR EACH STATEMENT "
    "EXECUTE FUNCTION catalogue_search_items_added()",
    "catalogue_search_items_removed": "AFTER DELETE ON catalogue_item "
    "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT "
    "EXECUTE FUNCTION catalogue_search_items_removed()",
    # A checkout changes the status between two counted states: the WHEN skips it.
    "catalogue_search_item_moved": "AFTER UPDATE OF status, record_id, organisation_id "
    "ON catalogue_item FOR EACH ROW "
    "WHEN ((OLD.status = 'withdrawn') IS DISTINCT FROM (NEW.status = 'withdrawn') "
    "OR OLD.record_id IS DISTINCT FROM NEW.record_id "
    "OR OLD.organisation_id IS DISTINCT FROM NEW.organisation_id) "
    "EXECUTE FUNCTION catalogue_search_item_moved()",
}
PG_FUNCTIONS = [
    "catalogue_search_records_added()",
    "catalogue_search_record_changed()",
    "catalogue_search_records_removed()",
    "catalogue_search_isbns_added()",
    "catalogue_search_isbns_removed()",
    "catalogue_search_items_added()",
    "catalogue_search_items_removed()",
    "catalogue_search_item_moved()",
    "catalogue_search_document(bigint, text, text, jsonb, jsonb, jsonb, text)",
    "catalogue_search_rest(bigint, jsonb, jsonb, text)",
    "catalogue_search_heading(text, text, jsonb)",
    "catalogue_title_key(text)",
    "catalogue_search_words(text)",
    "catalogue_search_holdings_changed(bigint[])",
    "catalogue_search_holdings(bigint)",
    "catalogue_search_facts(text, text, text)",
]


def _trigger_table(definition: str) -> str:
    return definition.split(" ON ")[1].split()[0]


def _pg_install(cursor) -> None:
    for sql in POSTGRES:
        cursor.execute(sql)
    for name, definition in PG_TRIGGERS.items():
        # The definition's digest is kept as the trigger's comment: a trigger made from an
        # earlier definition (another WHEN, other columns) is made again.
        table = _trigger_table(definition)
        digest = hashlib.sha256(definition.encode()).hexdigest()[:16]
        cursor.execute(
            "SELECT obj_description(oid, 'pg_trigger') FROM pg_trigger "
            "WHERE tgname = %s AND tgrelid = %s::regclass",
            [name, table],
        )
        found = cursor.fetchone()
        if found and found[0] == digest:
            continue
        if found:
            cursor.execute(f"DROP TRIGGER {name} ON {table}")
        cursor.execute(f"CREATE TRIGGER {name} {definition}")
        cursor.execute(f"COMMENT ON TRIGGER {name} ON {table} IS '{digest}'")


def _pg_uninstall(cursor) -> None:
    for name, definition in PG_TRIGGERS.items():
        cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {_trigger_table(definition)}")
    for signature in PG_FUNCTIONS:
        cursor.execute(f"DROP FUNCTION IF EXISTS {signature}")
    cursor.execute("DROP INDEX IF EXISTS catalogue_searchword_trgm")
    cursor.execute("DROP INDEX IF EXISTS catalogue_searchentry_rank")
    for name in PG_GIN_INDEXES:
        cursor.execute(f"DROP INDEX IF EXISTS {name}")
    cursor.execute("DROP INDEX IF EXISTS catalogue_searchentry_document")
    cursor.execute("ALTER TABLE catalogue_searchentry DROP COLUMN IF EXISTS narrowing")
    cursor.execute("ALTER TABLE catalogue_searchentry DROP COLUMN IF EXISTS document")
    cursor.execute("ALTER TABLE catalogue_searchentry DROP COLUMN IF EXISTS heading")
    cursor.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS clb_dutch_all")
    cursor.execute("DROP TEXT SEARCH DICTIONARY IF EXISTS clb_dutch_stem_all")
    cursor.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS clb_dutch")


PG_GIN_INDEXES = {
    "catalogue_searchentry_match": "document, narrowing",
    "catalogue_searchentry_heading": "heading",
}


def _pg_refresh(cursor, ids) -> None:
    if ids is None:
        # Everything: drop the GIN indexes while loading, which is much faster than keeping them.
        cursor.execute("TRUNCATE catalogue_searchentry, catalogue_searchword")
        for name in PG_GIN_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        holdings = "array_to_tsvector(coalesce(c.organisations, '{}'))"
        cursor.execute(
            f"""INSERT INTO catalogue_searchentry ({PG_ENTRY_COLUMNS})
            SELECT {PG_ENTRY_VALUES.format(holdings=holdings)}, coalesce(c.n, 0)
            FROM catalogue_bibrecord r
            CROSS JOIN LATERAL (SELECT {PG_HEADING_OF} AS heading OFFSET 0) h
            LEFT JOIN (SELECT record_id, count(*) AS n,
                              array_agg(DISTINCT 'org ' || organisation_id) AS organisations
                       FROM catalogue_item WHERE status <> 'withdrawn' GROUP BY record_id) c
                ON c.record_id = r.id"""
        )
        cursor.execute(
            f"""INSERT INTO catalogue_searchword (word, length)
            SELECT w, length(w) FROM (SELECT DISTINCT w FROM catalogue_bibrecord r,
                catalogue_search_words({PG_WORD_BODY}) w) words"""
        )
        for name, columns in PG_GIN_INDEXES.items():
            cursor.execute(f"CREATE INDEX {name} ON catalogue_searchentry USING gin ({columns})")
        return
    source = "(SELECT * FROM catalogue_bibrecord WHERE id = ANY(%(ids)s))"
    cursor.execute(
        "DELETE FROM catalogue_searchentry e WHERE e.record_id = ANY(%(ids)s) AND NOT EXISTS "
        "(SELECT 1 FROM catalogue_bibrecord r WHERE r.id = e.record_id)",
        {"ids": list(ids)},
    )
    ids = list(ids)
    cursor.execute(PG_UPSERT_ENTRIES.format(source=source), {"ids": ids})
    for start in range(0, len(ids), PG_WORDS_CHUNK):
        cursor.execute(
            PG_NEW_WORDS.format(source=source), {"ids": ids[start : start + PG_WORDS_CHUNK]}
        )


# --- SQLite ---------------------------------------------------------------------------------

_SQLITE_FTS_VALUES = (
    "clb_index_text({r}.title, {r}.subtitle), clb_index_text({r}.authors), "
    "clb_index_text({r}.subjects, {r}.series), "
    "{r}.isbn || ' ' || coalesce((SELECT group_concat(i.isbn13, ' ') "
    "FROM catalogue_recordisbn i WHERE i.record_id = {r}.id), '')"
)
_SQLITE_ENTRY_VALUES = (
    "{r}.id, {r}.year, {r}.material_type, {r}.audience, {r}.language, clb_title_key({r}.title), "
    "(SELECT count(*) FROM catalogue_item i WHERE i.record_id = {r}.id "
    "AND i.status <> 'withdrawn')"
)
_SQLITE_WORDS = (
    "INSERT OR IGNORE INTO catalogue_searchword (word, length) "
    "SELECT value, length(value) FROM json_each(clb_vocabulary("
    "{r}.title, {r}.subtitle, {r}.authors, {r}.subjects, {r}.series))"
)


def _sqlite_index_row(r: str) -> str:
    return (
        f"DELETE FROM catalogue_search_fts WHERE rowid = {r}.id; "
        f"INSERT INTO catalogue_search_fts (rowid, title, authors, subjects, isbn) "
        f"VALUES ({r}.id, {_SQLITE_FTS_VALUES.format(r=r)}); "
        f"INSERT OR REPLACE INTO catalogue_searchentry "
        f"(record_id, year, material_type, audience, language, title_key, copies) "
        f"VALUES ({_SQLITE_ENTRY_VALUES.format(r=r)}); " + _SQLITE_WORDS.format(r=r) + ";"
    )


_ISBNS_OF = (
    "UPDATE catalogue_search_fts SET isbn = (SELECT b.isbn || ' ' || coalesce("
    "(SELECT group_concat(i.isbn13, ' ') FROM catalogue_recordisbn i WHERE i.record_id = b.id), "
    "'') FROM catalogue_bibrecord b WHERE b.id = {r}.record_id) WHERE rowid = {r}.record_id;"
)
_COPIES = (
    "UPDATE catalogue_searchentry SET copies = max(copies {sign} 1, 0) "
    "WHERE record_id = {r}.record_id AND {r}.status <> 'withdrawn';"
)
SQLITE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalogue_search_fts USING fts5("
    "title, authors, subjects, isbn, tokenize='unicode61 remove_diacritics 2')",
    # SQLite puts NULL last when descending, as the ranking wants
    "CREATE INDEX IF NOT EXISTS catalogue_searchentry_rank "
    "ON catalogue_searchentry (year DESC, copies DESC, record_id)",
]
SQLITE_TRIGGERS = {
    "catalogue_search_record_added": "AFTER INSERT ON catalogue_bibrecord BEGIN "
    + _sqlite_index_row("NEW")
    + " END",
    "catalogue_search_record_changed": "AFTER UPDATE ON catalogue_bibrecord WHEN "
    + " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _CHANGED)
    + " BEGIN "
    + _sqlite_index_row("NEW")
    + " END",
    "catalogue_search_record_removed": "AFTER DELETE ON catalogue_bibrecord BEGIN "
    "DELETE FROM catalogue_search_fts WHERE rowid = OLD.id; "
    "DELETE FROM catalogue_searchentry WHERE record_id = OLD.id; END",
    "catalogue_search_isbn_added": "AFTER INSERT ON catalogue_recordisbn BEGIN "
    + _ISBNS_OF.format(r="NEW")
    + " END",
    "catalogue_search_isbn_removed": "AFTER DELETE ON catalogue_recordisbn BEGIN "
    + _ISBNS_OF.format(r="OLD")
    + " END",
    "catalogue_search_item_added": "AFTER INSERT ON catalogue_item BEGIN "
    + _COPIES.format(sign="+", r="NEW")
    + " END",
    "catalogue_search_item_removed": "AFTER DELETE ON catalogue_item BEGIN "
    + _COPIES.format(sign="-", r="OLD")
    + " END",
    "catalogue_search_item_moved": "AFTER UPDATE OF status, record_id ON catalogue_item "
    "WHEN (OLD.status = 'withdrawn') IS NOT (NEW.status = 'withdrawn') "
    "OR OLD.record_id IS NOT NEW.record_id BEGIN "
    + _COPIES.format(sign="-", r="OLD")
    + " "
    + _COPIES.format(sign="+", r="NEW")
    + " END",
}


def _sqlite_install(cursor) -> None:
    for sql in SQLITE:
        cursor.execute(sql)
    for name, definition in SQLITE_TRIGGERS.items():
        cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {definition}")


def _sqlite_uninstall(cursor) -> None:
    for name in SQLITE_TRIGGERS:
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    cursor.execute("DROP TABLE IF EXISTS catalogue_search_fts")
    cursor.execute("DROP INDEX IF EXISTS catalogue_searchentry_rank")


def _sqlite_refresh(cursor, ids) -> None:
    if ids is None:
        cursor.execute("DELETE FROM catalogue_search_fts")
        cursor.execute("DELETE FROM catalogue_searchentry")
        cursor.execute("DELETE FROM catalogue_searchword")
        where, params = "", []
    else:
        ids = list(ids)
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(f"DELETE FROM catalogue_search_fts WHERE rowid IN ({marks})", ids)
        cursor.execute(f"DELETE FROM catalogue_searchentry WHERE record_id IN ({marks})", ids)
        where, params = f"WHERE r.id IN ({marks})", ids
    cursor.execute(
        "INSERT INTO catalogue_search_fts (rowid, title, authors, subjects, isbn) "
        f"SELECT r.id, {_SQLITE_FTS_VALUES.format(r='r')} FROM catalogue_bibrecord r {where}",
        params,
    )
    cursor.execute(
        "INSERT INTO catalogue_searchentry "
        "(record_id, year, material_type, audience, language, title_key, copies) "
        f"SELECT {_SQLITE_ENTRY_VALUES.format(r='r')} FROM catalogue_bibrecord r {where}",
        params,
    )
    cursor.execute(
        "INSERT OR IGNORE INTO catalogue_searchword (word, length) "
        "SELECT value, length(value) FROM catalogue_bibrecord r, json_each(clb_vocabulary("
        f"r.title, r.subtitle, r.authors, r.subjects, r.series)) {where}",
        params,
    )


# --- one entry point per job ----------------------------------------------------------------


def _has_todays_columns(connection) -> bool:
    """Whether the entry table has the columns today's triggers and refresh write. Migrations
    0007 and 0009 (released) call install() and refresh() on the table as it was then; 0010
    adds `title_key` and then installs and refreshes, so before it there is nothing to do.
    Only the whole-index jobs ask: a refresh of some records runs on a migrated database."""
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, "catalogue_searchentry")
    return any(column.name == "title_key" for column in columns)


def install(connection) -> None:
    if not _has_todays_columns(connection):
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _pg_install(cursor)
        else:
            _sqlite_install(cursor)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _pg_uninstall(cursor)
        else:
            _sqlite_uninstall(cursor)


@contextmanager
def deferred(connection) -> Iterator[set[int]]:
    """Rows added inside are indexed once, set-wise, when the block ends, instead of by the
    triggers on every statement (on PostgreSQL a new record's entry was written three times:
    with the record, again with its ISBNs, again with its copies, each time into both GIN
    indexes). The caller adds to the yielded set the ids of the records it added, or added
    ISBNs or copies to. Within a transaction only (the setting is transaction-local): if the
    block fails, its transaction rolls back with the rows and the setting, so the index is never
    behind what was committed. SQLite's triggers run per row as before."""
    written: set[int] = set()
    if connection.vendor != "postgresql":
        yield written
        return
    if not connection.in_atomic_block:
        raise RuntimeError("search_schema.deferred() needs a transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [PG_DEFERRED_SETTING])
    yield written
    with connection.cursor() as cursor:
        # off again before anything else this transaction writes (a caller's on_written)
        cursor.execute("SELECT set_config(%s, 'off', true)", [PG_DEFERRED_SETTING])
        if written:
            _pg_refresh(cursor, sorted(written))


def refresh(connection, ids=None) -> None:
    """Recompute the entries of these record ids (all records when None)."""
    if ids is not None and not ids:
        return
    if ids is None and not _has_todays_columns(connection):
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _pg_refresh(cursor, ids)
        else:
            _sqlite_refresh(cursor, ids)
