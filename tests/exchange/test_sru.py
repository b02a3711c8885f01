"""SRU over HTTP (Django's test client): searchRetrieve through the catalogue search, the 1.2 and
2.0 response structures, scan, explain, and the standard diagnostics for what is refused."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from clb.catalogue.models import Item, ItemStatus
from tests.factories import make_item

pytestmark = pytest.mark.django_db

SRU12 = "http://www.loc.gov/zing/srw/"
SRU20 = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
DIAG12 = "http://www.loc.gov/zing/srw/diagnostic/"
DIAG20 = "http://docs.oasis-open.org/ns/search-ws/diagnostic"
MARC = "http://www.loc.gov/MARC21/slim"
N = {"s": SRU12, "s2": SRU20, "d": DIAG12, "d2": DIAG20, "m": MARC,
     "dc": "http://purl.org/dc/elements/1.1/", "scan": "http://docs.oasis-open.org/ns/search-ws/scan",
     "zr": "http://explain.z3950.org/dtd/2.0/"}  # fmt: skip


def sru(client, **params):
    params.setdefault("version", "1.2")
    params.setdefault("operation", "searchRetrieve")
    response = client.get("/sru", {k: v for k, v in params.items() if v is not None})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/xml")
    return etree.fromstring(response.content)


def titles(doc, ns="s") -> list[str]:
    return doc.xpath(f"//{ns}:recordData//dc:title/text()", namespaces=N)


def found(client, query, **params) -> set[str]:
    doc = sru(client, query=query, recordSchema="dc", maximumRecords="50", **params)
    assert not doc.xpath("//d:diagnostic", namespaces=N), etree.tostring(doc)
    return set(titles(doc))


def diagnostic(client, **params) -> tuple[str, str]:
    doc = sru(client, **params)
    uri = doc.xpath("//d:diagnostic/d:uri/text()", namespaces=N)
    assert uri, etree.tostring(doc)
    details = doc.xpath("//d:diagnostic/d:details/text()", namespaces=N)
    return uri[0].rsplit("/", 1)[1], details[0] if details else ""


def test_indexes_booleans_and_relations(client, shelf):
    assert found(client, "dc.title = katoren") == {"Koning van Katoren", "Kinderen van Katoren"}
    assert found(client, 'dc.creator = "mulisch"') == {"De aanslag", "De ontdekking van de hemel"}
    assert found(client, "dc.subject = wereldoorlog and dc.date < 1960") == {
        "Het bittere kruid",
        "Het achterhuis",
    }
    assert found(client, "katoren not dc.date > 1980") == {"Koning van Katoren"}
    assert found(client, 'dc.title any "diner avonden"') == {"Het diner", "De avonden"}
    assert found(client, 'dc.title all "koning katoren"') == {"Koning van Katoren"}
    assert found(client, 'dc.title adj "bittere kruid"') == {"Het bittere kruid"}
    assert found(client, 'dc.title adj "kruid bittere"') == set()
    assert found(client, 'dc.date within "1970 1975"') == {
        "Kruistocht in spijkerbroek",
        "Koning van Katoren",
    }
    assert found(client, "(dc.title = diner or dc.title = tonio) and dc.date >= 2010") == {"Tonio"}
    assert found(client, "kruis*") == {"Kruistocht in spijkerbroek"}
    assert found(client, "bath.isbn = 90-234-6634-X") == set()  # not this book's ISBN
    assert found(client, "bath.isbn = 9789023466345") == {"De avonden"}
    assert found(client, f"rec.id = {shelf.records[2].pk}") == {"Max Havelaar"}
    assert found(client, 'dc.title == "het diner"') == {"Het diner"}
    assert found(client, "local.isil = NL-0307EL and dc.title = katoren") == {"Koning van Katoren"}
    assert found(client, "local.isil = NL-9999XX") == set()


def test_paging_cap_and_sort(client, shelf):
    doc = sru(
        client, query="dc.date > 1900", recordSchema="dc", maximumRecords="3", sortKeys="title,,1"
    )
    assert doc.xpath("string(s:numberOfRecords)", namespaces=N) == "11"
    assert titles(doc) == ["De aanslag", "De avonden", "De ontdekking van de hemel"]
    assert doc.xpath("string(s:nextRecordPosition)", namespaces=N) == "4"
    doc = sru(
        client,
        query="dc.date > 1900 sortby dc.date/sort.descending",
        recordSchema="dc",
        maximumRecords="2",
        startRecord="2",
    )
    assert titles(doc) == ["Tonio", "Het diner"]
    assert doc.xpath("s:records/s:record/s:recordPosition/text()", namespaces=N) == ["2", "3"]
    doc = sru(client, query="dc.date > 1000", maximumRecords="100000")
    assert len(doc.xpath("//s:record", namespaces=N)) == 12  # capped, all there are


def test_marcxml_has_852_holdings_per_organisation_with_isils_and_live_availability(client, shelf):
    make_item(shelf.net.a2, shelf.records[0], barcode="4000000077777")
    Item.objects.filter(barcode="4000000099999").update(status=ItemStatus.ON_LOAN)
    doc = sru(client, query="dc.title = avonden", recordSchema="marcxml")
    fields = doc.xpath("//m:record/m:datafield[@tag='852']", namespaces=N)
    holdings = sorted(
        (
            f.xpath("string(m:subfield[@code='a'])", namespaces=N),
            tuple(f.xpath("m:subfield[@code='b']/text()", namespaces=N)),
            f.xpath("string(m:subfield[@code='z'])", namespaces=N),
        )
        for f in fields
    )
    assert holdings == [
        ("NL-0307EL", ("NL-0307EL01",), "0 van 1 beschikbaar"),
        ("NL-0344UB", ("NL-0344UB01", "NL-0344UB02"), "2 van 2 beschikbaar"),
    ]
    assert doc.xpath("string(//m:datafield[@tag='245']/m:subfield[@code='a'])", namespaces=N) == (
        "De avonden"
    )


def test_sru_2_0_structure_and_string_packing(client, shelf):
    response = client.get(
        "/sru", {"query": "dc.title = tonio", "recordXMLEscaping": "string", "recordSchema": "dc"}
    )
    doc = etree.fromstring(response.content)
    assert doc.tag == f"{{{SRU20}}}searchRetrieveResponse"
    record = doc.xpath("//s2:record", namespaces=N)[0]
    assert [etree.QName(c).localname for c in record] == [
        "recordSchema",
        "recordXMLEscaping",
        "recordData",
        "recordPosition",
    ]
    inner = etree.fromstring(record.xpath("string(s2:recordData)", namespaces=N))
    assert inner.xpath("//dc:title/text()", namespaces=N) == ["Tonio"]
    bad = etree.fromstring(client.get("/sru", {"query": "dc.nope = x"}).content)
    assert bad.xpath("//d2:diagnostic/d2:uri/text()", namespaces=N) == ["info:srw/diagnostic/1/16"]


@pytest.mark.parametrize(
    "params, number, detail",
    [
        ({"query": "dc.nope = x"}, "16", "dc.nope"),
        ({"query": "zz.title = x"}, "15", "zz"),
        ({"query": "dc.title < x"}, "19", "<"),
        ({"query": "dc.title =/stem x"}, "20", "stem"),
        ({"query": "dc.title = x prox y"}, "37", "prox"),
        ({"query": "a and (b or"}, "10", "positie 12"),
        ({"query": "*tocht"}, "28", "*tocht"),
        ({"query": "k*"}, "29", "k*"),
        ({"query": "dc.date = vroeger"}, "36", "vroeger"),
        ({"query": '""'}, "27", ""),
        ({"query": "x", "recordSchema": "mods"}, "66", "mods"),
        ({"query": "x", "recordPacking": "json"}, "71", "json"),
        ({"query": "x", "maximumRecords": "-1"}, "6", "maximumRecords"),
        ({"query": "x", "startRecord": "0"}, "6", "startRecord"),
        ({"query": "x", "maximumRecords": "²"}, "6", "maximumRecords"),  # a digit, not a number
        ({"query": "x", "startRecord": "١"}, "6", "startRecord"),
        ({"query": "dc.title = a\x00b"}, "6", "query"),  # no text: a diagnostic, not a web page
        ({"query": "dc.date > 1000", "startRecord": "99"}, "61", "99"),
        ({"query": "x sortby dc.creator"}, "80", "dc.creator"),
        ({"query": None}, "7", "query"),
        ({"query": "x", "version": "3.0"}, "5", "3.0"),
        ({"operation": "update"}, "4", "update"),
        ({"query": "x", "colour": "red"}, "8", "colour"),
    ],
)
def test_refusals_are_standard_diagnostics(client, shelf, params, number, detail):
    assert diagnostic(client, **params) == (number, diagnostic(client, **params)[1])
    assert detail in diagnostic(client, **params)[1]


def test_scan_lists_headings_with_counts_in_both_versions(client, shelf):
    doc = sru(client, operation="scan", scanClause="dc.title = kin", maximumTerms="3", query=None)
    terms = doc.xpath("//s:term", namespaces=N)
    assert [
        (
            t.xpath("string(s:value)", namespaces=N),
            t.xpath("string(s:numberOfRecords)", namespaces=N),
        )
        for t in terms
    ] == [
        ("kinderen van katoren", "1"),
        ("koning van katoren", "1"),
        ("kruistocht in spijkerbroek", "1"),
    ]
    doc = etree.fromstring(
        client.get(
            "/sru",
            {"scanClause": 'dc.creator = "mulisch"', "responsePosition": "2", "maximumTerms": "2"},
        ).content
    )
    values = doc.xpath("//scan:term/scan:value/text()", namespaces=N)
    assert values == ["minco, marga", "mulisch, harry"]
    assert doc.xpath("//scan:term[2]/scan:numberOfRecords/text()", namespaces=N) == ["2"]
    assert diagnostic(client, operation="scan", scanClause="dc.subject = x")[0] == "16"


def test_explain_describes_indexes_and_schemas(client, shelf):
    doc = sru(client, operation="explain")
    names = set(doc.xpath("//zr:index/zr:map/zr:name/text()", namespaces=N))
    assert {"title", "creator", "subject", "date", "isbn", "id", "isil"} <= names
    assert set(doc.xpath("//zr:schema/@name", namespaces=N)) == {"marcxml", "dc"}
    assert doc.xpath("string(//zr:setting[@type='maximumRecords'])", namespaces=N) == "100"


QUERY_TEXT = st.lists(
    st.sampled_from(["dc.title", "dc.date", "rec.id", "local.isil", "=", "==", "<", "any", "adj", "within",
                     "and", "or", "not", "(", ")", '"', "kat*", "*", "1990", "x", "/stem", "sortby", "\\"]),
    max_size=12,
).map(" ".join)  # fmt: skip


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=QUERY_TEXT, version=st.sampled_from(["1.2", "2.0"]))
def test_no_query_gives_a_server_error(client, shelf, query, version):
    response = client.get(
        "/sru", {"query": query, "version": version, "operation": "searchRetrieve"}
    )
    assert response.status_code == 200
    etree.fromstring(response.content)
