"""A parser for CQL, the Contextual Query Language (CQL 1.2 / SRU 2.0, with `sortby`).

Grammar (from the standard), left-associative booleans of equal precedence:
    cqlQuery      ::= prefixAssignment cqlQuery | scopedClause [sortSpec]
    prefixAssign  ::= '>' prefix '=' uri | '>' uri
    scopedClause  ::= scopedClause booleanGroup searchClause | searchClause
    booleanGroup  ::= ('and' | 'or' | 'not' | 'prox') modifierList?
    searchClause  ::= '(' cqlQuery ')' | index relation searchTerm | searchTerm
    relation      ::= comparitor modifierList?
    comparitor    ::= '=' | '>' | '<' | '>=' | '<=' | '<>' | '==' | identifier (any, all, adj, …)
    modifierList  ::= ('/' name (comparitorSymbol value)?)+
    sortSpec      ::= 'sortby' (index modifierList?)+
    term          ::= word (no space ( ) = < > " /) | "quoted, \\" escapes a quote"
Keywords are case-insensitive. Errors carry the character position where parsing stopped."""

from dataclasses import dataclass, field

SYMBOLS = ("==", ">=", "<=", "<>", "=", "<", ">")
BOOLEANS = ("and", "or", "not", "prox")
SERVER_CHOICE = "cql.serverchoice"
MAX_DEPTH = 60


class CQLSyntaxError(ValueError):
    def __init__(self, message: str, position: int):
        super().__init__(f"{message} (positie {position + 1})")
        self.position = position


@dataclass(frozen=True)
class Modifier:
    name: str
    comparison: str = ""
    value: str = ""


@dataclass(frozen=True)
class Clause:
    index: str  # lower case, "cql.serverchoice" when the query named none
    relation: str  # lower case
    term: str
    modifiers: tuple[Modifier, ...] = ()
    position: int = 0


@dataclass(frozen=True)
class Boolean:
    operator: str  # and | or | not | prox
    left: "Node"
    right: "Node"
    modifiers: tuple[Modifier, ...] = ()
    position: int = 0


Node = Clause | Boolean


@dataclass(frozen=True)
class SortKey:
    index: str
    modifiers: tuple[Modifier, ...] = ()


@dataclass(frozen=True)
class Query:
    root: Node
    sort: tuple[SortKey, ...] = ()
    prefixes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Token:
    kind: str  # "word" | "quoted" | "symbol" | "(" | ")" | "/" | "end"
    text: str
    position: int

    def is_keyword(self, *words: str) -> bool:
        return self.kind == "word" and self.text.lower() in words


def tokenize(text: str) -> list[Token]:
    tokens, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()/":
            tokens.append(Token(c, c, i))
            i += 1
        elif c in "=<>":
            symbol = next(s for s in SYMBOLS if text.startswith(s, i))
            tokens.append(Token("symbol", symbol, i))
            i += len(symbol)
        elif c == '"':
            start, i, chars = i, i + 1, []
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n:
                    # \" is a quote; other escapes (\* \? \\) stay, for masking rules to read
                    chars.append(text[i + 1] if text[i + 1] == '"' else text[i : i + 2])
                    i += 2
                    continue
                chars.append(text[i])
                i += 1
            if i >= n:
                raise CQLSyntaxError("aanhalingsteken niet gesloten", start)
            tokens.append(Token("quoted", "".join(chars), start))
            i += 1
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in '()=<>"/':
                i += 1
            tokens.append(Token("word", text[start:i], start))
    tokens.append(Token("end", "", n))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.i]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.token
        self.i += 1
        return token

    def fail(self, message: str):
        raise CQLSyntaxError(message, self.token.position)

    def term(self, what: str) -> str:
        if self.token.kind not in ("word", "quoted"):
            self.fail(f"{what} verwacht, gevonden: {self.token.text or 'einde van de query'}")
        return self.take().text

    def query(self, top: bool = False) -> Query:
        prefixes = {}
        while self.token.kind == "symbol" and self.token.text == ">":
            self.take()
            first = self.term("voorvoegsel of URI")
            if self.token.kind == "symbol" and self.token.text == "=":
                self.take()
                prefixes[first.lower()] = self.term("URI")
            else:
                prefixes[""] = first
        root = self.scoped()
        sort = ()
        if self.token.is_keyword("sortby"):
            if not top:
                self.fail("sortby mag alleen aan het eind van de query staan")
            self.take()
            sort = self.sort_spec()
        return Query(root, sort, prefixes)

    def scoped(self) -> Node:
        node = self.search_clause()
        while self.token.is_keyword(*BOOLEANS):
            op = self.take()
            modifiers = self.modifiers()
            node = Boolean(op.text.lower(), node, self.search_clause(), modifiers, op.position)
        return node

    def search_clause(self) -> Node:
        if self.token.kind == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                self.fail("te diep genest")
            self.take()
            inner = self.query().root
            if self.token.kind != ")":
                self.fail("')' verwacht")
            self.take()
            self.depth -= 1
            return inner
        position = self.token.position
        first = self.term("zoekterm")
        relation = None
        if self.token.kind == "symbol":
            relation = self.take().text
        elif self.token.kind == "word" and not self.token.is_keyword(*BOOLEANS, "sortby"):
            relation = self.take().text.lower()
        if relation is None:
            return Clause(SERVER_CHOICE, "=", first, (), position)
        modifiers = self.modifiers()
        return Clause(first.lower(), relation, self.term("zoekterm"), modifiers, position)

    def modifiers(self) -> tuple[Modifier, ...]:
        found = []
        while self.token.kind == "/":
            self.take()
            name = self.term("naam van een modifier").lower()
            if self.token.kind == "symbol":
                comparison = self.take().text
                found.append(Modifier(name, comparison, self.term("waarde van de modifier")))
            else:
                found.append(Modifier(name))
        return tuple(found)

    def sort_spec(self) -> tuple[SortKey, ...]:
        keys = []
        while self.token.kind in ("word", "quoted"):
            keys.append(SortKey(self.take().text.lower(), self.modifiers()))
        if not keys:
            self.fail("sorteersleutel verwacht na sortby")
        return tuple(keys)


def parse(text: str) -> Query:
    """The query tree, or CQLSyntaxError saying what was expected where."""
    if not (text or "").strip():
        raise CQLSyntaxError("lege query", 0)
    parser = _Parser(text)
    query = parser.query(top=True)
    if parser.token.kind != "end":
        parser.fail(f"onverwacht: {parser.token.text}")
    return query
