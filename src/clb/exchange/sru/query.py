"""CQL (a parsed tree) to the catalogue search's expressions: the indexes and relations CLB
answers, and a diagnostic for every one it does not."""

from clb.catalogue import search_expression as expr
from clb.network.models import Organisation

from . import cql
from . import diagnostics as d
from .diagnostics import Diagnostic

# CQL index → catalogue index
INDEXES = {
    "cql.serverchoice": "any",
    "cql.anywhere": "any",
    "dc.anywhere": "any",
    "dc.title": "title",
    "dc.creator": "author",
    "dc.author": "author",
    "dc.subject": "subject",
    "dc.date": "year",
    "dc.type": "material_type",
    "dc.language": "language",
    "bath.isbn": "isbn",
    "rec.id": "id",
    "bath.lccn": "control_number",
    "local.isil": "holder",
}
CONTEXT_SETS = {"cql", "dc", "bath", "rec", "local"}
TEXT_RELATIONS = {
    "=": "all",
    "all": "all",
    "any": "any",
    "adj": "phrase",
    "==": "exact",
    "exact": "exact",
}
DATE_RELATIONS = {
    "=": "=",
    "==": "=",
    "<": "<",
    ">": ">",
    "<=": "<=",
    ">=": ">=",
    "<>": "<>",
    "within": "within",
}
SORT_KEYS = {
    "dc.title": "title",
    "title": "title",
    "dc.date": "year",
    "date": "year",
    "year": "year",
}
DESCENDING = {"sort.descending", "descending"}
ASCENDING = {"sort.ascending", "ascending", "sort.ignorecase", "ignorecase"}
_EXPRESSION_DIAGNOSTICS = {
    "index": d.UNSUPPORTED_INDEX,
    "relation": d.UNSUPPORTED_RELATION,
    "term": d.TERM_INVALID,
    "masking": d.MASKING_UNSUPPORTED,
    "masked_short": d.MASKED_TOO_SHORT,
}


def parse(text: str) -> cql.Query:
    try:
        return cql.parse(text)
    except cql.CQLSyntaxError as exc:
        raise Diagnostic(d.QUERY_SYNTAX, str(exc)) from exc


def _index(name: str) -> str:
    if name in INDEXES:
        return INDEXES[name]
    context = name.partition(".")[0] if "." in name else ""
    if context and context not in CONTEXT_SETS:
        raise Diagnostic(d.UNSUPPORTED_CONTEXT_SET, context)
    raise Diagnostic(d.UNSUPPORTED_INDEX, name)


def _condition(clause: cql.Clause) -> expr.Condition:
    index = _index(clause.index)
    if clause.modifiers:
        raise Diagnostic(d.UNSUPPORTED_RELATION_MODIFIER, "/" + clause.modifiers[0].name)
    term = clause.term.strip()
    if not term:
        raise Diagnostic(d.EMPTY_TERM, clause.index)
    if index == "year":
        relations = DATE_RELATIONS
    elif index in expr.TEXT_INDEXES:
        relations = TEXT_RELATIONS
    else:
        relations = {"=": "=", "==": "=", "exact": "="}
    if clause.relation not in relations:
        raise Diagnostic(d.UNSUPPORTED_RELATION, clause.relation)
    if index == "id":
        term = term.rsplit(":", 1)[-1]  # an OAI identifier names a record too
    if index == "holder":
        found = Organisation.objects.filter(isil__iexact=term).values_list("pk", flat=True)
        term = str(found[0]) if found else "0"
    return expr.Condition(index, relations[clause.relation], term)


def expression(node: cql.Node) -> expr.Expression:
    if isinstance(node, cql.Clause):
        condition = _condition(node)
        try:  # the catalogue's own checks (masking, dates) as diagnostics, before searching
            expr.to_sql(condition, "sqlite")
        except expr.ExpressionError as exc:
            raise Diagnostic(_EXPRESSION_DIAGNOSTICS[exc.kind], exc.value or str(exc)) from exc
        return condition
    if node.modifiers:
        raise Diagnostic(d.UNSUPPORTED_BOOLEAN_MODIFIER, "/" + node.modifiers[0].name)
    if node.operator not in ("and", "or", "not"):
        raise Diagnostic(d.UNSUPPORTED_BOOLEAN, node.operator)
    operator = "and_not" if node.operator == "not" else node.operator
    return expr.Join(operator, expression(node.left), expression(node.right))


def sort_of(keys: tuple[cql.SortKey, ...]) -> str:
    if not keys:
        return "relevance"
    if len(keys) > 1:
        raise Diagnostic(d.SORT_UNSUPPORTED, "één sorteersleutel tegelijk")
    key = keys[0]
    if key.index not in SORT_KEYS:
        raise Diagnostic(d.SORT_UNSUPPORTED, key.index)
    names = {m.name for m in key.modifiers}
    if names - DESCENDING - ASCENDING:
        raise Diagnostic(d.SORT_UNSUPPORTED, "/" + sorted(names - DESCENDING - ASCENDING)[0])
    return ("-" if names & DESCENDING else "") + SORT_KEYS[key.index]


def sort_keys_parameter(value: str) -> tuple[cql.SortKey, ...]:
    """sortKeys as SRU 1.1 and 2.0 write it: "path,schema,ascending" keys, space-separated."""
    keys = []
    for part in value.split():
        fields = part.split(",")
        ascending = fields[2] if len(fields) > 2 and fields[2] else "1"
        if ascending not in ("0", "1"):
            raise Diagnostic(d.SORT_UNSUPPORTED, part)
        modifiers = () if ascending == "1" else (cql.Modifier("sort.descending"),)
        keys.append(cql.SortKey(fields[0].lower(), modifiers))
    return tuple(keys)
