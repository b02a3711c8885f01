"""The holdings feed for the national catalogue's daily synchronisation: per organisation, the
copies whose holdings changed in a time window (new, changed, withdrawn) and those deleted, as
MARCXML (one record per title with the organisation's 852 fields and a 'feed' note per copy) or
CSV. One file per organisation, written to a temporary name and renamed when complete; a state
file remembers per organisation up to when it was delivered, so a run that stopped half-way
resumes where it stopped and a run without --since continues from the last one."""

import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from clb import clock, exports
from clb.catalogue import feed
from clb.catalogue.models import BibRecord
from clb.errors import DomainError
from clb.network.models import Organisation

from . import agency, records
from .xmltext import el

STATE_FILE = ".export-holdings.json"
FORMATS = ("marcxml", "csv")
CSV_COLUMNS = ["change", "organisation_isil", "branch_isil", "barcode", "record_id", "isbn",
               "title", "call_number", "item_type", "status", "changed_at"]  # fmt: skip
CHUNK = 500


class FeedError(DomainError):
    code = "holdings_feed"


@dataclass
class FeedReport:
    files: list[Path] = field(default_factory=list)
    copies: dict[str, int] = field(default_factory=dict)  # ISIL → copies written


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _change(copy, since) -> str:
    if isinstance(copy, feed.DeletedCopy):
        return "deleted"
    if not copy.in_collection:
        return "withdrawn"
    return "new" if since is None or copy.created_at >= since else "changed"


def _state(folder: Path) -> dict:
    path = folder / STATE_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def _save_state(folder: Path, state: dict) -> None:
    temporary = folder / (STATE_FILE + ".tmp")
    temporary.write_text(json.dumps(state, indent=1, sort_keys=True))
    os.replace(temporary, folder / STATE_FILE)


def _csv(changes, since, organisation_isil, names, titles, style: exports.CsvStyle) -> str:
    def row(copy):
        record = titles.get(copy.record_id)
        gone = isinstance(copy, feed.DeletedCopy)
        return [
            _change(copy, since),
            organisation_isil,
            "" if gone else names.branches.get(copy.home_branch_id, ""),
            copy.barcode,
            copy.record_id,
            record.isbn if record else "",
            record.title if record else "",
            "" if gone else copy.call_number,
            "" if gone else copy.item_type,
            "deleted" if gone else copy.status,
            (copy.deleted_at if gone else copy.changed_at).isoformat(),
        ]

    # A title or call number that starts like a formula stays text (clb.exports).
    return exports.csv_text([CSV_COLUMNS, *map(row, changes)], style)


def _marcxml(changes, since, names, titles) -> str:
    by_record = defaultdict(list)
    for copy in changes:
        by_record[copy.record_id].append(copy)
    parts = [records_head()]
    for record_id, copies in sorted(by_record.items()):
        record = titles.get(record_id)
        live = [c for c in copies if not isinstance(c, feed.DeletedCopy)]
        if record is None:  # the title itself is gone; its tombstone is in OAI-PMH
            continue
        xml = records.with_copies(record, [c for c in live if c.in_collection], names)
        notes = "".join(
            f'<datafield tag="887" ind1=" " ind2=" ">{el("subfield", f"{_change(c, since)} {c.barcode}", code="a")}'
            f"{el('subfield', 'clb-holdings-feed', code='2')}</datafield>"
            for c in copies
        )
        parts.append(xml[: xml.rindex("</record>")] + notes + "</record>\n")
    parts.append("</collection>\n")
    return "".join(parts)


def records_head() -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="{records.MARC_NS}">\n'


def export(
    folder: Path,
    *,
    fmt: str = "marcxml",
    since: datetime | None = None,
    until: datetime | None = None,
    organisations: list[str] | None = None,
    csv_style: exports.CsvStyle = exports.DUTCH,
    at=None,
) -> FeedReport:
    """Write one file per organisation (by ISIL; default every organisation that has one).
    `since` None: from where the last run for that organisation ended (everything the first
    time)."""
    if fmt not in FORMATS:
        raise FeedError(f"formaat: '{fmt}' is geen van {', '.join(FORMATS)}", field="format")
    until = until or clock.now(at)
    if since is not None and since >= until:
        raise FeedError("--since ligt niet voor --until", field="since")
    chosen = Organisation.objects.exclude(isil=None).order_by("isil")
    if organisations:
        chosen = chosen.filter(isil__in=organisations)
        missing = sorted(set(organisations) - set(chosen.values_list("isil", flat=True)))
        if missing:
            raise FeedError(f"onbekende ISIL: {', '.join(missing)}", field="organisation")
    folder.mkdir(parents=True, exist_ok=True)
    state = _state(folder)
    names = records.Names(*agency.isils())
    report = FeedReport()
    for organisation in chosen:
        start = since
        if start is None and organisation.isil in state:
            start = datetime.fromisoformat(state[organisation.isil])
        changes = list(feed.changed_copies(organisation.pk, since=start, until=until, chunk=CHUNK))
        titles = BibRecord.objects.in_bulk({c.record_id for c in changes})
        body = (
            _csv(changes, start, organisation.isil, names, titles, csv_style)
            if fmt == "csv"
            else _marcxml(changes, start, names, titles)
        )
        name = f"{organisation.isil}_{_stamp(start) if start else 'begin'}_{_stamp(until)}"
        path = folder / f"{name}.{'csv' if fmt == 'csv' else 'xml'}"
        temporary = path.with_suffix(path.suffix + ".part")
        temporary.write_text(body, encoding="utf-8")
        os.replace(temporary, path)
        state[organisation.isil] = until.isoformat()
        _save_state(folder, state)  # after each organisation: a stopped run resumes here
        report.files.append(path)
        report.copies[organisation.isil] = len(changes)
    return report
