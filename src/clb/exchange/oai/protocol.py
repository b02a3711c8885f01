"""The six verbs as functions of the request's arguments: each returns the whole response
document. Errors are OAI-PMH <error> elements with the spec's codes, never an exception.

Harvests walk records by id (catalogue.feed), with the upper time bound fixed at the harvest's
first request and carried in the token: records added or changed while a harvest runs are not
repeated in it, none is skipped, and they are in the next incremental harvest (from = this
harvest's responseDate). Deleted and merged records stay as tombstones for ever (deletedRecord
"persistent"); a merged one names its replacement in an <about> element."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Min

from clb import clock
from clb.catalogue import feed
from clb.catalogue.models import BibRecord, MaterialType, RecordTombstone
from clb.network.models import Organisation

from .. import records
from ..xmltext import el, wrap
from . import tokens

NS = "http://www.openarchives.org/OAI/2.0/"
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<OAI-PMH xmlns="{NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ '
    'http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">'
)
FORMATS = {
    "oai_dc": (
        "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
        "http://www.openarchives.org/OAI/2.0/oai_dc/",
    ),
    "marc21": ("http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd", records.MARC_NS),
}
VERBS = {
    "Identify": set(),
    "ListMetadataFormats": {"identifier"},
    "ListSets": {"resumptionToken"},
    "GetRecord": {"identifier", "metadataPrefix"},
    "ListIdentifiers": {"metadataPrefix", "from", "until", "set", "resumptionToken"},
    "ListRecords": {"metadataPrefix", "from", "until", "set", "resumptionToken"},
}
REQUIRED = {"GetRecord": {"identifier", "metadataPrefix"}}
SETSPEC_SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()")
MAX_ARGUMENT = 2000


class OAIError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def page_size() -> int:
    return int(getattr(settings, "CLB_OAI_PAGE_SIZE", 200))


def repository_id() -> str:
    return getattr(settings, "CLB_OAI_REPOSITORY_ID", "catalogus.clb.example.nl")


def identifier(record_id: int) -> str:
    return f"oai:{repository_id()}:{record_id}"


def record_id_of(value: str) -> int | None:
    prefix = f"oai:{repository_id()}:"
    rest = value[len(prefix) :] if value.startswith(prefix) else ""
    return int(rest) if rest.isdigit() and len(rest) < 19 else None


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- arguments ----------------------------------------------------------------------------------


def _date(value: str, name: str) -> tuple[datetime, bool]:
    """(moment, True when given to the second); badArgument for anything else."""
    for fmt, fine in (("%Y-%m-%dT%H:%M:%SZ", True), ("%Y-%m-%d", False)):
        try:
            moment = datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
        expected = 20 if fine else 10
        if len(value) == expected:
            return moment, fine
    raise OAIError(
        "badArgument", f"{name}: '{value}' is geen datum (JJJJ-MM-DD of JJJJ-MM-DDThh:mm:ssZ)"
    )


def _window(args: dict, now: datetime) -> tuple[datetime | None, datetime]:
    since = until = None
    fine = set()
    if "from" in args:
        since, f = _date(args["from"], "from")
        fine.add(f)
    if "until" in args:
        until, f = _date(args["until"], "until")
        fine.add(f)
        until += timedelta(seconds=1) if f else timedelta(days=1)  # inclusive → exclusive
    if len(fine) == 2:
        raise OAIError("badArgument", "from en until hebben een verschillende granulariteit")
    if since and until and since >= until:
        raise OAIError("badArgument", "from ligt na until")
    # The harvest's upper bound is fixed now: what changes from here on is for the next one.
    upper = now if until is None else min(until, now)
    return since, upper


def _set_filter(spec: str | None) -> tuple[int | None, str | None, bool]:
    """(organisation id, material type, holdings only) of a setSpec."""
    if not spec:
        return None, None, False
    if spec == "type":
        return None, None, False
    if spec == "org":
        return None, None, True
    kind, _, value = spec.partition(":")
    if kind == "type" and value in MaterialType.values:
        return None, value, False
    if kind == "org" and value:
        found = Organisation.objects.filter(isil__iexact=value).values_list("pk", flat=True)
        if found:
            return found[0], None, False
    raise OAIError("badArgument", f"set: '{spec}' bestaat niet (zie ListSets)")


def _check_prefix(prefix: str | None) -> str:
    if not prefix:
        raise OAIError("badArgument", "metadataPrefix ontbreekt")
    if prefix not in FORMATS:
        raise OAIError(
            "cannotDisseminateFormat",
            f"metadataPrefix '{prefix}' wordt niet ondersteund (oai_dc, marc21)",
        )
    return prefix


# --- writing ------------------------------------------------------------------------------------


def _set_specs(change: feed.Change, holders: set[int], isils: dict[int, str]) -> list[str]:
    specs = [f"org:{isils[o]}" for o in sorted(holders) if o in isils]
    if change.material_type:
        specs.append(f"type:{change.material_type}")
    return specs


def _header(change: feed.Change, specs: list[str]) -> str:
    inner = el("identifier", identifier(change.record_id)) + el(
        "datestamp", stamp(change.changed_at)
    )
    inner += "".join(el("setSpec", s) for s in specs)
    return wrap("header", inner, status="deleted" if change.deleted else None)


def _replaced(change: feed.Change) -> str:
    if not change.replaced_by:
        return ""
    return wrap(
        "about",
        el(
            "dcterms:isReplacedBy",
            identifier(change.replaced_by),
            xmlns__dcterms="http://purl.org/dc/terms/",
        ),
    )


def _org_isils() -> dict[int, str]:
    return {
        pk: isil
        for pk, isil in Organisation.objects.exclude(isil=None).values_list("pk", "isil")
        if set(isil) <= SETSPEC_SAFE
    }


def _items(changes: list[feed.Change], prefix: str | None, with_metadata: bool) -> str:
    """Headers (and records) of one page, written from a handful of queries."""
    isils = _org_isils()
    live = [c.record_id for c in changes if not c.deleted]
    holders = feed.organisations_holding(live)
    rows, holdings = {}, {}
    if with_metadata and live and prefix == "marc21":
        # The stored description is all a MARC record needs (the others are made from fields).
        rows = BibRecord.objects.only("id", "raw_marc").in_bulk(live)
        rows.update(BibRecord.objects.in_bulk([pk for pk, r in rows.items() if not r.raw_marc]))
        holdings = feed.holdings(live)
    elif with_metadata and live:
        rows = BibRecord.objects.in_bulk(live)
    out = []
    for change in changes:
        held = set(change.organisations) if change.deleted else holders.get(change.record_id, set())
        header = _header(change, _set_specs(change, held, isils))
        if not with_metadata:
            out.append(header)
        elif change.deleted or change.record_id not in rows:
            out.append(wrap("record", header + _replaced(change)))
        else:
            record = rows[change.record_id]
            body = (
                records.with_holdings(record, holdings.get(record.pk, []))
                if prefix == "marc21"
                else records.dublin_core(record)
            )
            out.append(wrap("record", header + wrap("metadata", body)))
    return "".join(out)


# --- verbs --------------------------------------------------------------------------------------


def identify(args, now, base_url) -> str:
    earliest = [
        BibRecord.objects.aggregate(m=Min("changed_at"))["m"],
        RecordTombstone.objects.aggregate(m=Min("deleted_at"))["m"],
    ]
    earliest = min([e for e in earliest if e] or [now])
    inner = (
        el(
            "repositoryName",
            getattr(
                settings,
                "CLB_OAI_REPOSITORY_NAME",
                "CLB — Nationale catalogus van de openbare bibliotheken",
            ),
        )
        + el("baseURL", base_url)
        + el("protocolVersion", "2.0")
        + el("adminEmail", getattr(settings, "CLB_OAI_ADMIN_EMAIL", "catalogus@clb.example.nl"))
        + el("earliestDatestamp", stamp(earliest))
        + el("deletedRecord", "persistent")
        + el("granularity", "YYYY-MM-DDThh:mm:ssZ")
        + wrap(
            "description",
            wrap(
                "oai-identifier",
                el("scheme", "oai")
                + el("repositoryIdentifier", repository_id())
                + el("delimiter", ":")
                + el("sampleIdentifier", identifier(1)),
                xmlns="http://www.openarchives.org/OAI/2.0/oai-identifier",
                xmlns__xsi="http://www.w3.org/2001/XMLSchema-instance",
                xsi__schemaLocation="http://www.openarchives.org/OAI/2.0/oai-identifier "
                "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd",
            ),
        )
    )
    return wrap("Identify", inner)


def list_metadata_formats(args, now, base_url) -> str:
    if "identifier" in args:
        pk = record_id_of(args["identifier"])
        if pk is None or feed.change_of(pk) is None:
            raise OAIError(
                "idDoesNotExist", f"'{args['identifier']}' bestaat niet in deze repository"
            )
    inner = "".join(
        wrap(
            "metadataFormat",
            el("metadataPrefix", prefix)
            + el("schema", schema)
            + el("metadataNamespace", namespace),
        )
        for prefix, (schema, namespace) in FORMATS.items()
    )
    return wrap("ListMetadataFormats", inner)


def list_sets(args, now, base_url) -> str:
    if "resumptionToken" in args:
        raise OAIError(
            "badResumptionToken", "ListSets past op één pagina; er is geen hervattingstoken"
        )
    sets = [
        ("org", "Titels met exemplaren, per organisatie (ISIL)"),
        ("type", "Titels per materiaalsoort"),
    ]
    sets += [
        (f"org:{isil}", name)
        for isil, name in Organisation.objects.exclude(isil=None)
        .order_by("isil")
        .values_list("isil", "name")
        if set(isil) <= SETSPEC_SAFE
    ]
    sets += [(f"type:{value}", str(label)) for value, label in MaterialType.choices]
    return wrap(
        "ListSets", "".join(wrap("set", el("setSpec", s) + el("setName", n)) for s, n in sets)
    )


def get_record(args, now, base_url) -> str:
    prefix = _check_prefix(args.get("metadataPrefix"))
    pk = record_id_of(args["identifier"])
    change = feed.change_of(pk) if pk is not None else None
    if change is None:
        raise OAIError("idDoesNotExist", f"'{args['identifier']}' bestaat niet in deze repository")
    return wrap("GetRecord", _items([change], prefix, True))


def _list(verb: str, args, now, base_url) -> str:
    if "resumptionToken" in args:
        if set(args) - {"resumptionToken"}:
            raise OAIError("badArgument", "resumptionToken is een exclusief argument")
        try:
            state = tokens.read(args["resumptionToken"])
        except tokens.BadToken as exc:
            raise OAIError("badResumptionToken", str(exc)) from exc
        if state["verb"] != verb:
            raise OAIError("badResumptionToken", "dit hervattingstoken hoort bij een ander verzoek")
    else:
        prefix = _check_prefix(args.get("metadataPrefix"))
        since, upper = _window(args, now)
        _set_filter(args.get("set"))  # refuse an unknown set before anything else
        state = {
            "verb": verb,
            "prefix": prefix,
            "set": args.get("set", ""),
            "since": since.isoformat() if since else "",
            "until": upper.isoformat(),
            "after": 0,
            "cursor": 0,
        }
    try:
        organisation_id, material_type, holdings_only = _set_filter(state.get("set"))
    except OAIError as exc:  # the organisation's ISIL changed since the harvest began
        raise OAIError("badResumptionToken", exc.message) from exc
    page, cursor = feed.changes(
        since=datetime.fromisoformat(state["since"]) if state.get("since") else None,
        until=datetime.fromisoformat(state["until"]),
        organisation_id=organisation_id,
        material_type=material_type,
        after_id=state["after"],
        limit=page_size(),
        holdings_only=holdings_only,
    )
    if not page and "resumptionToken" not in args:
        raise OAIError("noRecordsMatch", "geen records voor deze combinatie van argumenten")
    body = _items(page, state["prefix"], verb == "ListRecords")
    if cursor is not None:
        following = dict(state, after=cursor, cursor=state["cursor"] + len(page))
        body += el("resumptionToken", tokens.make(following), cursor=state["cursor"])
    elif "resumptionToken" in args:  # the last page of a list in parts: an empty token
        body += el("resumptionToken", "", cursor=state["cursor"])
    return wrap(verb, body)


def list_identifiers(args, now, base_url) -> str:
    return _list("ListIdentifiers", args, now, base_url)


def list_records(args, now, base_url) -> str:
    return _list("ListRecords", args, now, base_url)


HANDLERS = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": list_identifiers,
    "ListRecords": list_records,
}


def _arguments(pairs: Mapping[str, list[str]]) -> tuple[str, dict]:
    for name, values in pairs.items():
        if len(values) > 1:
            raise OAIError(
                "badVerb" if name == "verb" else "badArgument",
                f"argument {name} komt meer dan eens voor",
            )
        if len(values[0]) > MAX_ARGUMENT:
            raise OAIError("badArgument", f"argument {name} is te lang")
    verb = pairs.get("verb", [""])[0]
    if verb not in VERBS:
        raise OAIError(
            "badVerb", f"onbekend of ontbrekend verb: '{verb}'" if verb else "verb ontbreekt"
        )
    args = {k: v[0] for k, v in pairs.items() if k != "verb"}
    illegal = sorted(set(args) - VERBS[verb])
    if illegal:
        raise OAIError("badArgument", f"argument {illegal[0]} hoort niet bij {verb}")
    missing = sorted(REQUIRED.get(verb, set()) - set(args))
    if missing:
        raise OAIError("badArgument", f"argument {missing[0]} ontbreekt")
    return verb, args


def respond(pairs: Mapping[str, list[str]], base_url: str, *, at=None) -> tuple[str, str, str]:
    """(document, verb or "", error code or "") for the request's arguments (name → values)."""
    now = clock.now(at)
    verb, error = "", ""
    try:
        verb, args = _arguments(pairs)
        body = HANDLERS[verb](args, now, base_url)
        request = el(
            "request",
            base_url,
            verb=verb,
            **{k.replace("from", "from_"): v for k, v in args.items()},
        )
    except OAIError as exc:
        error = exc.code
        body = el("error", exc.message, code=exc.code)
        attributes = {}
        if verb and exc.code not in ("badVerb", "badArgument"):
            attributes = {
                "verb": verb,
                **{k.replace("from", "from_"): v[0] for k, v in pairs.items() if k != "verb"},
            }
        request = el("request", base_url, **attributes)
    document = HEAD + el("responseDate", stamp(now)) + request + body + "</OAI-PMH>\n"
    return document, verb, error
