"""SRU operations as functions of the request's parameters, answered in SRU 1.2 or 2.0 form.

Version: `version=1.1|1.2` answers in the 1.2 namespace, `version=2.0` (or, as SRU 2.0 allows,
no version and no `operation`) in the 2.0 namespaces. searchRetrieve runs through
clb.catalogue.search.find; scan lists title and main-author headings (search.browse)."""

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings

from clb.catalogue import feed, search
from clb.catalogue.search_expression import ExpressionError
from clb.inputs import whole_number

from .. import records
from ..xmltext import el, wrap
from . import diagnostics as d
from . import query
from .diagnostics import Diagnostic

NS = {
    "1.2": {
        "sru": "http://www.loc.gov/zing/srw/",
        "diag": "http://www.loc.gov/zing/srw/diagnostic/",
        "scan": "http://www.loc.gov/zing/srw/",
    },
    "2.0": {
        "sru": "http://docs.oasis-open.org/ns/search-ws/sruResponse",
        "diag": "http://docs.oasis-open.org/ns/search-ws/diagnostic",
        "scan": "http://docs.oasis-open.org/ns/search-ws/scan",
    },
}
EXPLAIN_NS = "http://explain.z3950.org/dtd/2.0/"
SCHEMAS = {  # name → (identifier, title); identifiers and aliases are accepted too
    "marcxml": (
        "info:srw/schema/1/marcxml-v1.1",
        "MARCXML (MARC 21) met 852 bezit en beschikbaarheid",
    ),
    "dc": ("http://www.openarchives.org/OAI/2.0/oai_dc/", "Dublin Core (oai_dc)"),
}
SCHEMA_ALIASES = {
    "marcxml": "marcxml",
    "marc21": "marcxml",
    "info:srw/schema/1/marcxml-v1.1": "marcxml",
    "http://www.loc.gov/marc21/slim": "marcxml",
    "dc": "dc",
    "oai_dc": "dc",
    "info:srw/schema/1/dc-v1.1": "dc",
    "http://www.openarchives.org/oai/2.0/oai_dc/": "dc",
}
PARAMETERS = {
    "searchRetrieve": {
        "operation", "version", "query", "queryType", "startRecord", "maximumRecords",
        "recordPacking", "recordXMLEscaping", "recordSchema", "sortKeys", "stylesheet",
        "resultSetTTL", "httpAccept",
    },
    "explain": {"operation", "version", "recordPacking", "recordXMLEscaping", "stylesheet", "httpAccept"},
    "scan": {"operation", "version", "scanClause", "responsePosition", "maximumTerms", "stylesheet", "httpAccept"},
}  # fmt: skip
DEFAULT_RECORDS = 10
MAX_TERMS = 100
MAX_QUERY = 2000
SCAN_INDEXES = {"dc.title": "title", "dc.creator": "author", "dc.author": "author"}


def max_records() -> int:
    return int(getattr(settings, "CLB_SRU_MAX_RECORDS", search.MAX_PER_PAGE))


@dataclass
class Request:
    version: str
    operation: str
    params: dict

    @property
    def ns(self) -> dict:
        return NS["2.0" if self.version == "2.0" else "1.2"]


def _request(pairs: Mapping[str, list[str]]) -> Request:
    params = {k: v[0] for k, v in pairs.items()}
    version = params.get("version", "")
    operation = params.get("operation", "")
    if not version:
        version = "1.2" if operation else "2.0"
    if not operation:
        operation = (
            "searchRetrieve"
            if "query" in params
            else "scan"
            if "scanClause" in params
            else "explain"
        )
    return Request(version, operation, params)


def _check(req: Request) -> None:
    if req.version not in ("1.1", "1.2", "2.0"):
        raise Diagnostic(d.UNSUPPORTED_VERSION, req.version)
    if req.operation not in PARAMETERS:
        raise Diagnostic(d.UNSUPPORTED_OPERATION, req.operation)
    for name in req.params:
        if name not in PARAMETERS[req.operation] and not name.startswith("x-"):
            raise Diagnostic(d.UNSUPPORTED_PARAMETER, name)
    packing = req.params.get("recordXMLEscaping") or req.params.get("recordPacking") or "xml"
    if packing not in ("xml", "string"):
        raise Diagnostic(d.UNSUPPORTED_PACKING, packing)


def _int(req: Request, name: str, default: int, low: int) -> int:
    value = req.params.get(name, "")
    if value == "":
        return default
    number = whole_number(value, digits=9)
    if number is None or number < low:
        raise Diagnostic(d.UNSUPPORTED_VALUE, f"{name}={value}")
    return number


def diagnostics_xml(req: Request, found: list[Diagnostic]) -> str:
    if not found:
        return ""
    items = "".join(
        wrap(
            "diag:diagnostic",
            el("diag:uri", x.uri)
            + (el("diag:details", x.details) if x.details else "")
            + el("diag:message", x.message),
            xmlns__diag=req.ns["diag"],
        )
        for x in found
    )
    return wrap("diagnostics", items)


def _packing(req: Request) -> str:
    return req.params.get("recordXMLEscaping") or req.params.get("recordPacking") or "xml"


def _record_element(req: Request, schema: str, data: str, position: int) -> str:
    packing = _packing(req)
    body = records.escaped(data) if packing == "string" else data
    escaping = "recordXMLEscaping" if req.version == "2.0" else "recordPacking"
    return wrap(
        "record",
        el("recordSchema", SCHEMAS[schema][0] if req.version == "2.0" else schema)
        + el(escaping, packing)
        + wrap("recordData", body)
        + el("recordPosition", position),
    )


def _echo(req: Request, names: tuple[str, ...]) -> str:
    inner = el("version", req.version) + "".join(
        el(n, req.params[n]) for n in names if n in req.params
    )
    return inner


# --- operations -----------------------------------------------------------------------------------


def search_retrieve(req: Request, base_url: str) -> str:
    found: list[Diagnostic] = []
    total, items, next_position = 0, "", None
    echo = _echo(
        req,
        (
            "query",
            "startRecord",
            "maximumRecords",
            "recordPacking",
            "recordXMLEscaping",
            "recordSchema",
            "sortKeys",
        ),
    )
    try:
        text = req.params.get("query", "")
        if not text:
            raise Diagnostic(d.MANDATORY_MISSING, "query")
        if len(text) > MAX_QUERY:
            raise Diagnostic(d.QUERY_SYNTAX, f"query langer dan {MAX_QUERY} tekens")
        if req.params.get("queryType", "cql") not in ("cql", "searchTerms"):
            raise Diagnostic(d.UNSUPPORTED_VALUE, f"queryType={req.params['queryType']}")
        schema = SCHEMA_ALIASES.get(req.params.get("recordSchema", "marcxml").lower())
        if schema is None:
            raise Diagnostic(d.UNKNOWN_SCHEMA, req.params["recordSchema"])
        start = _int(req, "startRecord", 1, 1)
        maximum = min(_int(req, "maximumRecords", DEFAULT_RECORDS, 0), max_records())
        parsed = query.parse(text)
        keys = parsed.sort or query.sort_keys_parameter(req.params.get("sortKeys", ""))
        sort = query.sort_of(keys)
        expression = query.expression(parsed.root)
        try:
            result = search.find(
                expression, sort=sort, offset=start - 1, limit=max(maximum, 1), counts=False
            )
        except ExpressionError as exc:
            raise Diagnostic(d.UNSUPPORTED_INDEX, str(exc)) from exc
        total = result.total
        if total and start > total:
            raise Diagnostic(d.FIRST_RECORD_OUT_OF_RANGE, str(start))
        hits = result.hits[:maximum]
        items = _records(req, schema, hits, start)
        if start + len(hits) <= total and hits:
            next_position = start + len(hits)
    except Diagnostic as diagnostic:
        found.append(diagnostic)
    body = el("version", req.version) + el("numberOfRecords", total)
    if items:
        body += wrap("records", items)
    if next_position:
        body += el("nextRecordPosition", next_position)
    body += wrap("echoedSearchRetrieveRequest", echo) + diagnostics_xml(req, found)
    return wrap("searchRetrieveResponse", body, xmlns=req.ns["sru"]), found


def _records(req: Request, schema: str, hits, start: int) -> str:
    ids = [h.record.pk for h in hits]
    if schema == "marcxml":
        holdings = feed.holdings(ids)
        data = [records.with_holdings(h.record, holdings[h.record.pk]) for h in hits]
    else:
        data = [records.dublin_core(h.record) for h in hits]
    return "".join(_record_element(req, schema, x, start + i) for i, x in enumerate(data))


def scan(req: Request, base_url: str):
    found: list[Diagnostic] = []
    terms = ""
    echo = _echo(req, ("scanClause", "responsePosition", "maximumTerms"))
    try:
        clause_text = req.params.get("scanClause", "")
        if not clause_text:
            raise Diagnostic(d.MANDATORY_MISSING, "scanClause")
        position = _int(req, "responsePosition", 1, 0)
        count = _int(req, "maximumTerms", 20, 1)
        if count > MAX_TERMS:
            raise Diagnostic(d.TOO_MANY_TERMS, str(count))
        if position > count + 1:
            raise Diagnostic(d.RESPONSE_POSITION, str(position))
        clause = query.parse(clause_text).root
        if not hasattr(clause, "term"):
            raise Diagnostic(d.QUERY_SYNTAX, "scan verwacht één zoekterm, zonder and/or/not")
        if clause.index not in SCAN_INDEXES:
            raise Diagnostic(
                d.UNSUPPORTED_INDEX, f"{clause.index} (bladeren kan in dc.title en dc.creator)"
            )
        if clause.relation not in ("=", "==", "exact"):
            raise Diagnostic(d.UNSUPPORTED_RELATION, clause.relation)
        headings = search.browse(
            SCAN_INDEXES[clause.index], clause.term, before=max(position - 1, 0), count=count
        )
        p = "scan:" if req.version == "2.0" else ""
        terms = "".join(
            wrap(
                f"{p}term",
                el(f"{p}value", heading)
                + el(f"{p}numberOfRecords", n)
                + el(f"{p}displayTerm", shown),
            )
            for heading, n, shown in headings
        )
    except Diagnostic as diagnostic:
        found.append(diagnostic)
    if req.version == "2.0":
        body = wrap("scan:terms", terms) if terms else ""
        body += wrap(
            "scan:echoedScanRequest", echo.replace("<", "<scan:").replace("<scan:/", "</scan:")
        )
        body += diagnostics_xml(req, found)
        return wrap("scan:scanResponse", body, xmlns__scan=req.ns["scan"]), found
    body = el("version", req.version) + (wrap("terms", terms) if terms else "")
    body += wrap("echoedScanRequest", echo) + diagnostics_xml(req, found)
    return wrap("scanResponse", body, xmlns=req.ns["sru"]), found


def explain(req: Request, base_url: str):
    host, _, rest = base_url.partition("://")[2].partition("/")
    name, _, port = host.partition(":")
    indexes = [
        ("Overal (titel, auteur, onderwerp, ISBN)", "cql", "serverChoice"),
        ("Titel", "dc", "title"),
        ("Auteur", "dc", "creator"),
        ("Onderwerp", "dc", "subject"),
        ("Jaar", "dc", "date"),
        ("Materiaalsoort", "dc", "type"),
        ("Taal", "dc", "language"),
        ("ISBN", "bath", "isbn"),
        ("LCCN / controlenummer", "bath", "lccn"),
        ("Recordnummer", "rec", "id"),
        ("Bezit bij organisatie (ISIL)", "local", "isil"),
    ]
    sets = [
        ("cql", "info:srw/cql-context-set/1/cql-v1.2"),
        ("dc", "info:srw/cql-context-set/1/dc-v1.1"),
        ("bath", "http://zing.z3950.org/cql/bath/2.0/"),
        ("rec", "info:srw/cql-context-set/2/rec-1.1"),
        ("local", "info:srw/cql-context-set/1/local"),
    ]
    index_info = "".join(el("set", None, name=n, identifier=i) for n, i in sets) + "".join(
        wrap(
            "index",
            el("title", title, lang="nl") + wrap("map", el("name", index, set=context)),
            search="true",
            scan="true" if index in ("title", "creator") else "false",
            sort="true" if index in ("title", "date") else "false",
        )
        for title, context, index in indexes
    )
    schema_info = "".join(
        wrap(
            "schema",
            el("title", title, lang="nl"),
            identifier=identifier,
            name=name_,
            sort="false",
            retrieve="true",
        )
        for name_, (identifier, title) in SCHEMAS.items()
    )
    explain_record = wrap(
        "explain",
        wrap(
            "serverInfo",
            el("host", name)
            + el("port", port or ("443" if base_url.startswith("https") else "80"))
            + el("database", rest or "sru"),
            protocol="SRU",
            version=req.version,
        )
        + wrap(
            "databaseInfo",
            el(
                "title",
                "CLB — nationale catalogus van de openbare bibliotheken",
                lang="nl",
                primary="true",
            )
            + el(
                "description",
                "Titels van het Collectief Landelijk Bibliotheekstelsel met bezit per bibliotheek (ISIL) en actuele beschikbaarheid.",
                lang="nl",
            ),
        )
        + wrap("indexInfo", index_info)
        + wrap("schemaInfo", schema_info)
        + wrap(
            "configInfo",
            el("default", DEFAULT_RECORDS, type="numberOfRecords")
            + el("setting", max_records(), type="maximumRecords")
            + el("supports", "*", type="maskingCharacter")
            + el("supports", "and", type="booleanOperator")
            + el("supports", "or", type="booleanOperator")
            + el("supports", "not", type="booleanOperator")
            + el("supports", "title", type="sort")
            + el("supports", "date", type="sort"),
        ),
        xmlns=EXPLAIN_NS,
    )
    escaping = "recordXMLEscaping" if req.version == "2.0" else "recordPacking"
    record = wrap(
        "record",
        el("recordSchema", EXPLAIN_NS) + el(escaping, "xml") + wrap("recordData", explain_record),
    )
    body = (
        el("version", req.version)
        + record
        + wrap("echoedExplainRequest", el("version", req.version))
    )
    return wrap("explainResponse", body, xmlns=req.ns["sru"]), []


OPERATIONS = {"searchRetrieve": search_retrieve, "scan": scan, "explain": explain}


def respond(pairs: Mapping[str, list[str]], base_url: str) -> tuple[str, str, list[Diagnostic]]:
    """(document, operation, diagnostics) for the request's parameters (name → values)."""
    req = _request(pairs)
    try:
        for name, values in pairs.items():
            if len(values) > 1:
                raise Diagnostic(d.UNSUPPORTED_VALUE, f"{name} komt meer dan eens voor")
        _check(req)
        body, found = OPERATIONS[req.operation](req, base_url)
    except Diagnostic as diagnostic:
        if req.version not in ("1.1", "1.2", "2.0"):
            req.version = "1.2"
        element = {"scan": "scanResponse", "explain": "explainResponse"}.get(
            req.operation, "searchRetrieveResponse"
        )
        inner = el("version", req.version)
        if element == "searchRetrieveResponse":
            inner += el("numberOfRecords", 0)
        body = wrap(element, inner + diagnostics_xml(req, [diagnostic]), xmlns=req.ns["sru"])
        found = [diagnostic]
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n", req.operation, found
