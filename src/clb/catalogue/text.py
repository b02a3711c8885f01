"""Words as the search index sees them, the same for SQLite and PostgreSQL.

Folding drops case and diacritics (PostgreSQL does it with `unaccent` in our `clb_dutch` text
search configuration); stemming is the classic Snowball Dutch stemmer, which is the one behind
PostgreSQL's `dutch` configuration (snowballstemmer's newer "dutch" algorithm stems differently,
e.g. "koningen" to "koon", and would make the two backends disagree)."""

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import ValidationError

_stemmer = snowballstemmer.stemmer("dutch_porter")
_WORD = re.compile(r"[^\W_]+")
_ISBN_LIKE = re.compile(r"^(97[89][-\s]?)?[0-9][-0-9\s]{7,15}[0-9Xx]$")

# The Snowball project's Dutch stop-word list (BSD licence), which PostgreSQL ships as
# tsearch_data/dutch.stop: the query side drops these on SQLite as PostgreSQL does.
STOPWORDS = frozenset(
    """de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar
    om hem dan zou of wat mijn men dit zo door over ze zich bij ook tot je mij uit der daar haar
    naar heb hoe heeft hebben deze u want nog zal me zij nu ge geen omdat iets worden toch al
    waren veel meer doen toen moet ben zonder kan hun dus alles onder ja eens hier wie werd
    altijd doch wordt wezen kunnen ons zelf tegen na reeds wil kon niets uw iemand geweest
    andere""".split()  # noqa: SIM905 (the list as tsearch_data prints it)
)


def fold(text: str) -> str:
    if text and text.isascii():  # nothing to decompose (most text)
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    # Pure-Python Snowball costs ~0.1 ms a word; words repeat (Zipf), so remembering is cheap.
    return _stemmer.stemWord(word)


def _plain(value) -> str:
    """Text of a field; JSON lists (authors, subjects) as SQLite stores them, escapes and all."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(map(str, value))
    text = str(value)
    if text.startswith("["):
        try:
            return " ".join(map(str, json.loads(text)))
        except ValueError:
            pass
    return text


def index_text(*values) -> str:
    """Stemmed words of the values, what the SQLite index stores (also used by its triggers)."""
    return " ".join(map(stem, words(" ".join(_plain(v) for v in values))))


def title_key(title) -> str:
    """A title as its folded words, to find the record whose title is exactly what was typed
    (the index stores it; PostgreSQL's catalogue_title_key does the same with unaccent)."""
    return " ".join(words(title or ""))[:200]


def vocabulary(*values) -> list[str]:
    """Distinct folded words worth correcting typos towards: letters, 3 to 60 long."""
    found = {w for w in words(" ".join(_plain(v) for v in values)) if 3 <= len(w) <= 60}
    return sorted(w for w in found if not w.isdigit())


def vocabulary_json(*values) -> str:
    return json.dumps(vocabulary(*values))


def as_isbn13(token: str) -> str | None:
    """An ISBN-10 or -13 as typed (with or without hyphens), as ISBN-13; None if it is none."""
    if not _ISBN_LIKE.match(token.strip()):
        return None
    plain = token.replace("-", "").replace(" ", "").upper()
    if plain.isascii() and plain[:-1].isdigit():
        return _plain_isbn13(plain)
    try:
        return stdnum_isbn.to_isbn13(stdnum_isbn.validate(token))
    except ValidationError:
        return None


def _plain_isbn13(plain: str) -> str | None:
    """as_isbn13 for digits only (the last may be X), as python-stdnum checks them (9 digits
    are an old SBN): an import checks every ISBN of every record, and stdnum's cleaning of
    separators cost more than the rest of describing a record's ISBNs."""
    if len(plain) == 9:
        plain = "0" + plain
    if len(plain) == 10:
        check = sum((i + 1) * int(d) for i, d in enumerate(plain[:9])) % 11
        if plain[9] != ("X" if check == 10 else str(check)):
            return None
        body = "978" + plain[:9]
        return body + _ean_check(body)
    if len(plain) == 13 and plain.isdigit() and plain[:3] in ("978", "979"):
        return plain if _ean_check(plain[:12]) == plain[12] else None
    return None


def _ean_check(body: str) -> str:
    return str(-sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10)


# --- queries --------------------------------------------------------------------------------


@dataclass
class Query:
    """A parsed query: every term and phrase must occur, excluded ones must not.

    Terms and phrases hold folded words (not stemmed: each backend stems its own way, PostgreSQL
    with its dictionary, SQLite with the same algorithm in Python)."""

    terms: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    isbns: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.terms or self.phrases or self.isbns)

    @property
    def searchable(self) -> bool:
        """False when every word is a stop word: PostgreSQL cannot match such a query."""
        meaningful = [w for w in self.terms if w not in STOPWORDS]
        meaningful += [w for p in self.phrases for w in p if w not in STOPWORDS]
        return bool(meaningful or self.isbns)

    def replace(self, old: str, new: str) -> "Query":
        return Query(
            [new if t == old else t for t in self.terms],
            [list(p) for p in self.phrases],
            list(self.excluded),
            list(self.isbns),
        )

    def text(self) -> str:
        parts = [*self.terms, *self.isbns, *(f'"{" ".join(p)}"' for p in self.phrases)]
        return " ".join(parts + [f"-{w}" for w in self.excluded])


_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')


def parse(query: str) -> Query:
    """Words, "a phrase", -excluded and ISBNs (hyphens allowed) in any order."""
    parsed = Query()
    for phrase, token in _TOKEN.findall(query or ""):
        if phrase:
            found = words(phrase)
            if len(found) == 1:
                parsed.terms += found
            elif found:
                parsed.phrases.append(found)
            continue
        if token.startswith("-") and len(token) > 1:
            parsed.excluded += words(token[1:])
            continue
        isbn = as_isbn13(token)
        if isbn:
            parsed.isbns.append(isbn)
        else:
            parsed.terms += words(token)
    return parsed
