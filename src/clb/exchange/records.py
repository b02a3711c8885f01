"""A national record as the protocols hand it out: MARCXML with holdings, and Dublin Core
(oai_dc). Shared by SRU, OAI-PMH and the holdings feed, so a record looks the same whichever
way it is fetched.

Holdings in 852 (Location): for searching and harvesting one field per organisation — $a its
ISIL, $b the ISIL of each branch its copies belong to, $z the live availability ("2 van 3
beschikbaar") — so a title with a thousand copies nationally stays a readable record; for the
holdings feed one field per copy ($a, $b, $h call number, $p barcode, $x item type, $z status)."""

from clb.catalogue import marc
from clb.catalogue.export import from_fields
from clb.catalogue.feed import Copy, Holding
from clb.catalogue.models import BibRecord, ItemStatus

from .xmltext import el, esc

MARC_NS = marc.MARC_NS
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_DC_OPEN = (
    f'<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ '
    'http://www.openarchives.org/OAI/2.0/oai_dc.xsd">'
)
_STATUS = {s.value: str(s.label) for s in ItemStatus}


class Names:
    """ISILs (or codes while there is none) of organisations and branches, read once."""

    def __init__(self, organisations: dict[int, str], branches: dict[int, str]):
        self.organisations = organisations
        self.branches = branches


def holding_xml(copy: Copy, names: Names) -> str:
    subfields = (
        ("a", names.organisations.get(copy.organisation_id, "")),
        ("b", names.branches.get(copy.home_branch_id, "")),
        ("h", copy.call_number),
        ("p", copy.barcode),
        ("x", copy.item_type),
        ("z", _STATUS.get(copy.status, copy.status)),
    )
    inner = "".join(el("subfield", value, code=code) for code, value in subfields if value)
    return f'<datafield tag="852" ind1=" " ind2=" ">{inner}</datafield>'


def organisation_xml(holding: Holding) -> str:
    inner = el("subfield", holding.organisation, code="a")
    inner += "".join(el("subfield", b, code="b") for b in holding.branches)
    inner += el("subfield", f"{holding.available} van {holding.copies} beschikbaar", code="z")
    return f'<datafield tag="852" ind1=" " ind2=" ">{inner}</datafield>'


def marcxml(record: BibRecord, holdings_xml: str) -> str:
    """One <record> in the MARC 21 slim namespace with these 852 fields; the stored description
    when there is one (its holdings fields dropped on import), else one made from the record's
    fields."""
    body = record.raw_marc or marc.to_marcxml(from_fields(record))
    return body[: body.rindex("</record>")] + holdings_xml + "</record>"


def with_holdings(record: BibRecord, holdings: list[Holding]) -> str:
    return marcxml(record, "".join(organisation_xml(h) for h in holdings))


def with_copies(record: BibRecord, copies: list[Copy], names: Names) -> str:
    return marcxml(record, "".join(holding_xml(c, names) for c in copies))


def dublin_core(record: BibRecord) -> str:
    parts = [
        el("dc:title", f"{record.title} : {record.subtitle}" if record.subtitle else record.title)
    ]
    parts += [el("dc:creator", a) for a in record.authors or []]
    parts += [el("dc:subject", s) for s in record.subjects or []]
    if record.publisher:
        parts.append(el("dc:publisher", record.publisher))
    if record.year:
        parts.append(el("dc:date", record.year))
    parts.append(el("dc:type", record.material_type))
    if record.isbn:
        parts.append(el("dc:identifier", f"URN:ISBN:{record.isbn}"))
    parts.append(el("dc:identifier", f"clb:{record.pk}"))
    if record.language:
        parts.append(el("dc:language", record.language))
    return OAI_DC_OPEN + "".join(parts) + "</oai_dc:dc>"


def escaped(xml: str) -> str:
    """A record as a string inside XML (SRU recordPacking "string")."""
    return esc(xml)
