"""Structured queries for the catalogue search: conditions on one index each, joined by and,
or and and-not, as protocols such as SRU (CQL) ask them. The same index as the keyword search
(catalogue_searchentry with its tsvector on PostgreSQL, the FTS5 table on SQLite), the same
folding and stemming (catalogue.text); only the query is built from a tree instead of a line.

Text indexes map to the weights or columns the index keeps per field: title (A / title),
author (B / authors), subject (C / subjects and series), isbn (D / isbn)."""

from dataclasses import dataclass

from . import text

TEXT_INDEXES = {"any": None, "title": "A", "author": "B", "subject": "C", "isbn": "D"}
FTS_COLUMNS = {"title": "title", "author": "authors", "subject": "subjects", "isbn": "isbn"}
TEXT_RELATIONS = ("all", "any", "phrase", "exact")
NUMBER_RELATIONS = ("=", "<", ">", "<=", ">=", "<>", "within")
OTHER_INDEXES = ("year", "id", "holder", "material_type", "language", "control_number")
MIN_PREFIX = 2


class ExpressionError(ValueError):
    """A condition the search cannot answer; `kind` says why (for protocol diagnostics)."""

    def __init__(self, message: str, kind: str, value: str = ""):
        super().__init__(message)
        self.kind = kind  # "index" | "relation" | "term" | "masking" | "masked_short"
        self.value = value


@dataclass(frozen=True)
class Condition:
    index: str
    relation: str
    value: str


@dataclass(frozen=True)
class Join:
    operator: str  # "and" | "or" | "and_not"
    left: "Expression"
    right: "Expression"


Expression = Condition | Join


@dataclass(frozen=True)
class _Word:
    word: str  # folded
    prefix: bool = False


def _words(value: str) -> list[_Word]:
    """Folded words of a term; a trailing * makes a word a prefix. * or ? elsewhere: refused."""
    found = []
    for raw in value.split():
        prefix = raw.endswith("*") and not raw.endswith("\\*")
        body = raw[:-1] if prefix else raw
        if "*" in body.replace("\\*", "") or "?" in body.replace("\\?", ""):
            raise ExpressionError(
                f"'{raw}': maskeren kan alleen met * aan het eind van een woord", "masking", raw
            )
        parts = text.words(body.replace("\\", ""))
        if prefix and parts and len(parts[-1]) < MIN_PREFIX:
            raise ExpressionError(
                f"'{raw}': een afgekort woord heeft minstens {MIN_PREFIX} letters",
                "masked_short",
                raw,
            )
        found += [_Word(w) for w in parts[:-1]]
        if parts:
            found.append(_Word(parts[-1], prefix))
    return found


# --- PostgreSQL: to_tsquery text -------------------------------------------------------------


def _pg_lexeme(word: _Word, weight: str | None) -> str:
    # Folded words hold only letters and digits: safe inside tsquery quotes.
    label = ("*" if word.prefix else "") + (weight or "")
    return f"'{word.word}'" + (f":{label}" if label else "")


def _pg_text(condition: Condition) -> tuple[str, list]:
    weight = TEXT_INDEXES[condition.index]
    words = _words(condition.value)
    if not words:
        return "FALSE", []
    config = "simple" if condition.index == "isbn" else "clb_dutch"
    if condition.index == "isbn":
        isbn = text.as_isbn13(condition.value)
        words = [_Word(isbn)] if isbn else words
    joiner = {"all": " & ", "any": " | ", "phrase": " <-> ", "exact": " <-> "}[condition.relation]
    query = joiner.join(_pg_lexeme(w, weight) for w in words)
    return f"e.document @@ to_tsquery('{config}', %s)", [query]


# --- SQLite: FTS5 match expression -----------------------------------------------------------


def _fts_word(word: _Word, index: str) -> str:
    if word.prefix:
        return f'"{word.word}" *'
    return f'"{word.word if index == "isbn" else text.stem(word.word)}"'


def _sqlite_text(condition: Condition) -> tuple[str, list]:
    words = _words(condition.value)
    if condition.index == "isbn":
        isbn = text.as_isbn13(condition.value)
        words = [_Word(isbn)] if isbn else words
    if condition.relation in ("all", "any"):
        words = [w for w in words if w.prefix or w.word not in text.STOPWORDS]
    if not words:
        return "0 = 1", []
    if condition.relation in ("phrase", "exact") and not any(w.prefix for w in words):
        body = '"' + " ".join(text.stem(w.word) for w in words) + '"'
    else:
        joiner = " OR " if condition.relation == "any" else " AND "
        body = "(" + joiner.join(_fts_word(w, condition.index) for w in words) + ")"
    column = FTS_COLUMNS.get(condition.index)
    match = f"{column} : {body}" if column else body
    return (
        "e.record_id IN (SELECT rowid FROM catalogue_search_fts "
        "WHERE catalogue_search_fts MATCH %s)",
        [match],
    )


# --- other indexes -----------------------------------------------------------------------------

TITLE_KEY = {"postgresql": "lower(r.title)", "sqlite": "lower(r.title)"}
AUTHOR_KEY = {
    "postgresql": "lower(r.authors ->> 0)",
    "sqlite": "lower(json_extract(r.authors, '$[0]'))",
}


def _year(value: str) -> int:
    """A year, or the year of a date written 2001-05-03."""
    year = value.strip()[:4]
    if not (len(year) == 4 and year.isdigit()):
        raise ExpressionError(f"'{value}' is geen jaartal", "term", value)
    return int(year)


def _number_sql(column: str, relation: str, value: str) -> tuple[str, list]:
    if relation == "within":
        bounds = value.split()
        if len(bounds) != 2:
            raise ExpressionError('within verwacht twee jaartallen: "2000 2010"', "term", value)
        return f"{column} BETWEEN %s AND %s", [_year(bounds[0]), _year(bounds[1])]
    op = {"=": "=", "<>": "<>"}.get(relation, relation)
    return f"{column} {op} %s", [_year(value)]


def _other(condition: Condition, vendor: str) -> tuple[str, list]:
    index, relation, value = condition.index, condition.relation, condition.value.strip()
    if index == "year":
        return _number_sql("e.year", relation, value)
    if relation not in ("=", "exact"):
        raise ExpressionError(f"relatie {relation} past niet bij {index}", "relation", relation)
    if index == "id":
        if not value.isdigit():
            raise ExpressionError(f"'{value}' is geen recordnummer", "term", value)
        return "e.record_id = %s", [int(value)]
    if index == "holder":  # value: organisation id, resolved by the caller
        return (
            "EXISTS (SELECT 1 FROM catalogue_item i WHERE i.record_id = e.record_id "
            "AND i.organisation_id = %s AND i.ill_lender = '' AND i.status <> 'withdrawn')",
            [int(value)],
        )
    if index in ("material_type", "language"):
        return f"e.{index} = %s", [value.lower()]
    if index == "control_number":
        return (
            "EXISTS (SELECT 1 FROM catalogue_bibrecord r WHERE r.id = e.record_id "
            "AND r.control_number = %s)",
            [value],
        )
    raise ExpressionError(f"onbekende index {index}", "index", index)


def _exact_heading(condition: Condition, vendor: str) -> tuple[str, list]:
    """Title or main author equal to the term (case aside): what scan lists, searchable."""
    key = (TITLE_KEY if condition.index == "title" else AUTHOR_KEY)[vendor]
    return (
        f"EXISTS (SELECT 1 FROM catalogue_bibrecord r WHERE r.id = e.record_id AND {key} = %s)",
        [condition.value.strip().lower()],
    )


def compile_condition(condition: Condition, vendor: str) -> tuple[str, list]:
    if condition.index in TEXT_INDEXES:
        if condition.relation not in TEXT_RELATIONS:
            raise ExpressionError(
                f"relatie {condition.relation} past niet bij {condition.index}",
                "relation",
                condition.relation,
            )
        if condition.relation == "exact" and condition.index in ("title", "author"):
            if "*" in condition.value:
                raise ExpressionError("maskeren kan niet bij ==", "masking", condition.value)
            return _exact_heading(condition, vendor)
        return (_pg_text if vendor == "postgresql" else _sqlite_text)(condition)
    if condition.index not in OTHER_INDEXES:
        raise ExpressionError(f"onbekende index {condition.index}", "index", condition.index)
    return _other(condition, vendor)


def to_sql(expression: Expression, vendor: str) -> tuple[str, list]:
    """A SQL condition on catalogue_searchentry e, and its parameters."""
    if isinstance(expression, Condition):
        return compile_condition(expression, vendor)
    left, left_params = to_sql(expression.left, vendor)
    right, right_params = to_sql(expression.right, vendor)
    op = {"and": "AND", "or": "OR", "and_not": "AND NOT"}[expression.operator]
    return f"({left} {op} ({right}))", [*left_params, *right_params]


def rank_terms(expression: Expression) -> list[Condition]:
    """The text conditions that count for relevance: those not under a NOT."""
    if isinstance(expression, Condition):
        return [expression] if expression.index in TEXT_INDEXES else []
    found = rank_terms(expression.left)
    if expression.operator != "and_not":
        found += rank_terms(expression.right)
    return found


def pg_rank(expression: Expression) -> tuple[str, list]:
    parts, params = [], []
    for condition in rank_terms(expression):
        if condition.relation == "exact" and condition.index in ("title", "author"):
            continue
        sql, found = _pg_text(condition)
        if found:
            parts.append(sql.split(" @@ ")[1])
            params += found
    if not parts:
        return "0.0", []
    return f"ts_rank(e.document, {' || '.join(parts)}, 1)", params


# Expression indexes for exact headings and browsing (search.browse); created after every
# migrate because SQLite drops indexes Django does not know of when it rebuilds a table.
HEADING_INDEXES = {
    "catalogue_record_title_key": "lower(title)",
    "catalogue_record_author_key": {
        "postgresql": "lower(authors ->> 0)",
        "sqlite": "lower(json_extract(authors, '$[0]'))",
    },
    "catalogue_record_control_number": "control_number",
}


def install_indexes(connection) -> None:
    with connection.cursor() as cursor:
        for name, expression in HEADING_INDEXES.items():
            if isinstance(expression, dict):
                expression = expression[connection.vendor]
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON catalogue_bibrecord (({expression}))"
            )
