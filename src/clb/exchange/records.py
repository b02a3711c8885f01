"""A national record as the protocols hand it out: MARCXML with one 852 holdings field per copy
(organisation and branch by ISIL, call number, barcode, item type and live status), and Dublin
Core (oai_dc). Shared by SRU, OAI-PMH and the holdings feed, so a record looks the same
whichever way it is fetched."""

from clb.catalogue import marc
from clb.catalogue.export import from_fields
from clb.catalogue.feed import Copy
from clb.catalogue.models import BibRecord, ItemStatus

from . import agency
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

    @classmethod
    def of(cls, copies: dict[int, list[Copy]]) -> "Names":
        """The names these copies need, in two small queries."""
        every = [c for found in copies.values() for c in found]
        return cls(
            *agency.isils({c.organisation_id for c in every}, {c.home_branch_id for c in every})
        )


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


def marcxml(record: BibRecord, copies: list[Copy], names: Names) -> str:
    """One <record> in the MARC 21 slim namespace; the stored description when there is one
    (its holdings fields dropped on import), else one made from the record's fields."""
    body = record.raw_marc or marc.to_marcxml(from_fields(record))
    holdings = "".join(holding_xml(c, names) for c in copies)
    return body[: body.rindex("</record>")] + holdings + "</record>"


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
