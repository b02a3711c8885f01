"""Reading NCIP messages and writing answers. Parsing refuses DTDs, entities and network access
(an NCIP message never needs them); answers carry the namespace-qualified version attribute
that the NCIP 2.02 schema requires (attributeFormDefault="qualified")."""

from dataclasses import dataclass

from lxml import etree

from ..xmltext import el, wrap

NS = "http://www.niso.org/2008/ncip"
VERSION = "http://www.niso.org/schemas/ncip/v2_02/ncip_v2_02.xsd"
_N = {"n": NS}
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


class Problem(Exception):
    """An NCIP Problem: type from the standard's scheme, a Dutch detail for people."""

    def __init__(self, problem_type: str, detail: str = "", element: str = "", value: str = ""):
        super().__init__(f"{problem_type}: {detail}")
        self.problem_type = problem_type
        self.detail = detail
        self.element = element
        self.value = value

    def xml(self) -> str:
        inner = el("ProblemType", self.problem_type)
        if self.detail:
            inner += el("ProblemDetail", self.detail)
        if self.element:
            inner += el("ProblemElement", self.element)
        if self.value:
            inner += el("ProblemValue", self.value[:200])
        return wrap("Problem", inner)


@dataclass
class Message:
    service: str  # "LookupUser", "RequestItem", …
    node: etree._Element

    def find(self, path: str):
        found = self.node.xpath("/".join(f"n:{p}" for p in path.split("/")), namespaces=_N)
        return found[0] if found else None

    def text(self, path: str) -> str:
        found = self.find(path)
        return (found.text or "").strip() if found is not None else ""

    def all(self, path: str) -> list:
        return self.node.xpath("/".join(f"n:{p}" for p in path.split("/")), namespaces=_N)

    def require(self, path: str) -> str:
        value = self.text(path)
        if not value:
            raise Problem("Needed Data Missing", f"{path} ontbreekt", path.split("/")[0])
        return value

    def authentication(self) -> dict[str, str]:
        """AuthenticationInput values by type, in lower case ("barcode id", "pin", …)."""
        found = {}
        for node in self.all("AuthenticationInput"):
            kind = node.findtext(f"{{{NS}}}AuthenticationInputType", "").strip().lower()
            found[kind] = node.findtext(f"{{{NS}}}AuthenticationInputData", "").strip()
        return found


def parse(body: bytes) -> Message:
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise Problem("Invalid Message Syntax Error", f"geen geldige XML: {exc}") from exc
    if root.tag != f"{{{NS}}}NCIPMessage":
        raise Problem(
            "Invalid Message Syntax Error",
            f"het hoofdelement moet NCIPMessage zijn in namespace {NS}",
            "NCIPMessage",
        )
    children = [c for c in root if isinstance(c.tag, str)]
    if len(children) != 1:
        raise Problem("Invalid Message Syntax Error", "NCIPMessage bevat precies één bericht")
    return Message(etree.QName(children[0]).localname, children[0])


def document(inner: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<NCIPMessage xmlns="{NS}" xmlns:ncip="{NS}" ncip:version="{VERSION}">{inner}'
        "</NCIPMessage>\n"
    )


def agency_id(isil: str) -> str:
    return el("AgencyId", isil)


def response_header(from_isil: str, to_isil: str) -> str:
    return wrap(
        "ResponseHeader",
        wrap("FromAgencyId", agency_id(from_isil)) + wrap("ToAgencyId", agency_id(to_isil)),
    )


def ident(kind: str, value: str, isil: str = "") -> str:
    """<UserId>/<ItemId>/<RequestId> with the agency that issued the identifier."""
    inner = (agency_id(isil) if isil else "") + el(f"{kind}IdentifierValue", value)
    return wrap(f"{kind}Id", inner)
