"""OAI-PMH: harvested by oaipmh-scythe (an independent client) from a live server, every marc21
record read back with pymarc; incremental harvests after changes; harvests that stay exact
while records are added; persistent deletes; the spec's errors; hypothesis on the arguments."""

import io
from datetime import timedelta

import pymarc
import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from oaipmh_scythe import Scythe

from clb.catalogue import services as catalogue
from clb.catalogue.models import BibRecord, Item, ItemTombstone, RecordTombstone
from clb.circulation import services as circulation
from clb.exchange.oai.protocol import identifier
from tests.exchange.conftest import BOOKS
from tests.factories import T0, make_item, make_patron, make_record

OAI = "http://www.openarchives.org/OAI/2.0/"
N = {"o": OAI, "m": "http://www.loc.gov/MARC21/slim", "dc": "http://purl.org/dc/elements/1.1/",
     "dct": "http://purl.org/dc/terms/"}  # fmt: skip
LONG_AGO = T0 - timedelta(days=400)


@pytest.fixture
def small_pages(settings):
    settings.CLB_OAI_PAGE_SIZE = 5


@pytest.fixture
def catalogue_at_rest(shelf):
    """The shelf, stamped long ago, without tombstones left by other tests' table flushes."""
    RecordTombstone.objects.all().delete()
    ItemTombstone.objects.all().delete()
    BibRecord.objects.update(changed_at=LONG_AGO)
    return shelf


def record_ids(items) -> list[int]:
    headers = [getattr(r, "header", r) for r in items]  # records or bare headers
    return [int(h.identifier.rsplit(":", 1)[1]) for h in headers]


def oai(client, **params):
    response = client.get("/oai", params)
    assert response.status_code == 200
    return etree.fromstring(response.content)


def error_code(client, **params) -> str:
    return oai(client, **params).xpath("string(o:error/@code)", namespaces=N)


@pytest.mark.django_db(transaction=True)
def test_scythe_harvests_everything_in_marc21_and_oai_dc_through_tokens(
    live_server, catalogue_at_rest, small_pages
):
    shelf = catalogue_at_rest
    with Scythe(live_server.url + "/oai") as scythe:
        marc = list(scythe.list_records(metadata_prefix="marc21"))
        dc = list(scythe.list_records(metadata_prefix="oai_dc"))
        identify = scythe.identify()
    assert sorted(record_ids(marc)) == sorted(r.pk for r in shelf.records)
    assert len(set(record_ids(marc))) == len(marc)  # nothing twice
    assert identify.deletedRecord == "persistent" and identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    titles = set()
    for item in marc:
        (element,) = item.xml.xpath(".//m:record", namespaces=N)
        (parsed,) = pymarc.parse_xml_to_array(io.BytesIO(etree.tostring(element)))
        titles.add(parsed.title.rstrip(" /"))
        assert parsed.get_fields("852"), "holdings in every record of the shelf"
    assert titles == {book[0] for book in BOOKS}
    assert {item.metadata["title"][0] for item in dc} == {r.title for r in shelf.records}


@pytest.mark.django_db(transaction=True)
def test_an_incremental_harvest_gets_exactly_what_changed_and_what_was_deleted(
    live_server, catalogue_at_rest
):
    shelf = catalogue_at_rest
    r = shelf.records
    pk = [x.pk for x in r]  # delete() forgets an instance's pk
    with Scythe(live_server.url + "/oai") as scythe:
        first = scythe.harvest({"verb": "ListIdentifiers", "metadataPrefix": "marc21"})
        since = first.xml.xpath("string(o:responseDate)", namespaces=N)
        BibRecord.objects.filter(pk=r[0].pk).update(publisher="De Arbeiderspers")  # edited
        make_item(shelf.net.a2, r[1])  # a copy added
        Item.objects.filter(record=r[2]).delete()
        r[2].delete()  # deleted
        catalogue.merge_records(r[3].pk, r[4].pk)  # r3 merged into r4
        patron = make_patron(shelf.net.org_a, at=timezone.now())
        circulation.checkout(
            item_barcode=shelf.items[5].barcode, card_number=patron.card_number, branch=shelf.net.b1
        )
        changed = list(scythe.list_records(from_=since, metadata_prefix="oai_dc"))
    got = {int(x.header.identifier.rsplit(":", 1)[1]): x for x in changed}
    assert set(got) == set(pk[:5])  # and not r[5]: a loan is no change of holdings
    assert got[pk[2]].deleted and got[pk[3]].deleted and not got[pk[4]].deleted
    replaced = got[pk[3]].xml.xpath("string(.//dct:isReplacedBy)", namespaces=N)
    assert replaced == identifier(pk[4])


@pytest.mark.django_db(transaction=True)
def test_records_added_during_a_harvest_are_neither_skipped_nor_repeated(
    live_server, catalogue_at_rest, small_pages
):
    shelf = catalogue_at_rest
    seen, added = [], []
    with Scythe(live_server.url + "/oai") as scythe:
        records = scythe.list_records(metadata_prefix="oai_dc")
        for n, item in enumerate(records):
            seen.append(item)
            if n == 2:  # mid-harvest: new records, and an edit of one not yet harvested
                added = [make_record(f"Nieuw {i}") for i in range(4)]
                BibRecord.objects.filter(pk=shelf.records[-1].pk).update(publisher="Querido")
        ids = record_ids(seen)
        assert len(ids) == len(set(ids))
        assert set(ids) == {r.pk for r in shelf.records[:-1]}  # the edited one waits for the next
        later = scythe.list_identifiers(
            from_=(timezone.now() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            metadata_prefix="oai_dc",
        )
        assert set(record_ids(later)) == {a.pk for a in added} | {shelf.records[-1].pk}


@pytest.mark.django_db
def test_sets_per_organisation_and_material_type(client, catalogue_at_rest):
    shelf = catalogue_at_rest
    specs = oai(client, verb="ListSets").xpath("//o:setSpec/text()", namespaces=N)
    assert {"org:NL-0344UB", "org:NL-0307EL", "type:book"} <= set(specs)
    doc = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="org:NL-0307EL")
    ids = {int(x.rsplit(":", 1)[1]) for x in doc.xpath("//o:identifier/text()", namespaces=N)}
    assert ids == {r.pk for n, r in enumerate(shelf.records) if n % 2 == 1} | {shelf.records[0].pk}
    assert (
        error_code(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="org:NL-9999")
        == "badArgument"
    )


@pytest.mark.django_db
def test_get_record_of_a_deleted_record_stays_answerable(client, catalogue_at_rest):
    record = make_record("Weg")
    pk = record.pk
    record.delete()
    doc = oai(client, verb="GetRecord", metadataPrefix="marc21", identifier=identifier(pk))
    assert doc.xpath("string(//o:header/@status)", namespaces=N) == "deleted"
    assert not doc.xpath("//o:metadata", namespaces=N)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params, code",
    [
        ({}, "badVerb"),
        ({"verb": "Harvest"}, "badVerb"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "mods"}, "cannotDisseminateFormat"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-13-01"}, "badArgument"),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2026-01-01",
                "until": "2026-02-01T00:00:00Z",
            },
            "badArgument",
        ),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2026-02-01",
                "until": "2026-01-01",
            },
            "badArgument",
        ),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "1990-01-01"},
            "noRecordsMatch",
        ),
        ({"verb": "ListRecords", "resumptionToken": "bogus"}, "badResumptionToken"),
        (
            {"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"},
            "badArgument",
        ),
        (
            {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:elders:1"},
            "idDoesNotExist",
        ),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "Identify", "colour": "red"}, "badArgument"),
        # A NUL is no text (PostgreSQL stores none): an OAI error, not a web page.
        (
            {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:x:\x00"},
            "badArgument",
        ),
        ({"verb": "Identify\x00"}, "badArgument"),
        ({"verb": "ListSets", "resumptionToken": "x"}, "badResumptionToken"),
    ],
)
def test_errors_are_oai_errors(client, catalogue_at_rest, params, code):
    assert error_code(client, **params) == code


@pytest.mark.django_db
def test_a_repeated_argument_and_a_tampered_token_are_refused(
    client, catalogue_at_rest, small_pages
):
    response = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=marc21")
    assert b'code="badArgument"' in response.content
    doc = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = doc.xpath("string(//o:resumptionToken)", namespaces=N)
    assert token
    assert (
        error_code(client, verb="ListIdentifiers", resumptionToken=token[:-2] + "xx")
        == "badResumptionToken"
    )
    assert error_code(client, verb="ListRecords", resumptionToken=token) == "badResumptionToken"
    # a token needs no server state: a fresh client (another process, after a restart) goes on
    from django.test import Client

    following = etree.fromstring(
        Client().get("/oai", {"verb": "ListIdentifiers", "resumptionToken": token}).content
    )
    assert following.xpath("//o:header", namespaces=N)


ARGS = st.dictionaries(
    st.sampled_from(["verb", "metadataPrefix", "from", "until", "set", "identifier", "resumptionToken", "x"]),
    st.sampled_from(["ListRecords", "GetRecord", "Identify", "ListSets", "oai_dc", "marc21", "2026-01-01",
                     "2026-01-01T00:00:00Z", "org:NL-0344UB", "type:book", "org:", "oai:x:1", "", "\x00", "é" * 3000]),
    max_size=5,
)  # fmt: skip


@pytest.mark.django_db
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(args=ARGS)
def test_no_arguments_give_a_server_error(client, catalogue_at_rest, args):
    response = client.get("/oai", args)
    assert response.status_code in (200, 413)  # 413: an oversized request, still in OAI form
    root = etree.fromstring(response.content)
    assert root.tag == f"{{{OAI}}}OAI-PMH"
