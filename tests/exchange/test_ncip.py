"""NCIP 2.02 over HTTP: an interlibrary loan round trip between two CLB organisations driven by
an outside system, the single services, and every refusal as a Problem. Every message sent and
received is checked against the NCIP 2.02 structure (ncip_structure.py); when the NISO schema
file is present (CLB_NCIP_XSD, or staged in shared/data) also against the schema itself."""

import logging
import os
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from clb.catalogue.models import Item, ItemStatus
from clb.circulation import services as circulation
from clb.circulation.models import Hold, HoldStatus, Loan
from clb.exchange import partners
from clb.exchange.xmltext import el, wrap
from tests.exchange import ncip_structure
from tests.factories import make_patron

pytestmark = pytest.mark.django_db
NS = ncip_structure.NS
N = {"n": NS}
SCHEMA_CANDIDATES = [
    os.environ.get("CLB_NCIP_XSD", ""),
    str(Path(__file__).resolve().parents[3] / "shared" / "data" / "exchange" / "ncip_v2_02.xsd"),
]
_schema = None


def schema():
    global _schema
    if _schema is None:
        path = next((p for p in SCHEMA_CANDIDATES if p and Path(p).is_file()), None)
        _schema = etree.XMLSchema(etree.parse(path)) if path else False
    return _schema


def check(xml) -> None:
    assert ncip_structure.errors(xml) == []
    if schema():
        document = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
        assert schema().validate(document), schema().error_log


class Partner:
    def __init__(self, client, isil, secret):
        self.client, self.isil, self.secret = client, isil, secret

    def send(self, service: str, to: str, body: str, *, secret=None) -> etree._Element:
        header = wrap(
            "InitiationHeader",
            wrap("FromAgencyId", el("AgencyId", self.isil))
            + el("FromAgencyAuthentication", self.secret if secret is None else secret)
            + wrap("ToAgencyId", el("AgencyId", to)),
        )
        message = (
            f'<NCIPMessage xmlns="{NS}" xmlns:n="{NS}" n:version="{ncip_structure.VERSION}">'
            f"<{service}>{header}{body}</{service}></NCIPMessage>"
        )
        check(message)
        response = self.client.post("/ncip", message, content_type="application/xml")
        assert response.status_code == 200
        check(response.content)
        answer = etree.fromstring(response.content)[0]
        assert etree.QName(answer).localname == f"{service}Response"
        return answer


def user(card):
    return wrap("UserId", el("UserIdentifierValue", card))


def item(barcode, agency=None):
    return wrap(
        "ItemId", (el("AgencyId", agency) if agency else "") + el("ItemIdentifierValue", barcode)
    )


def problem(answer) -> str:
    return answer.xpath("string(n:Problem/n:ProblemType)", namespaces=N)


@pytest.fixture
def broker(client, shelf):
    """An outside interlibrary-loan system that may address every CLB organisation."""
    partner, secret = partners.register("NL-IBLNET", "IBL-netwerk (gesimuleerd)")
    return Partner(client, partner.isil, secret)


def test_interlibrary_loan_round_trip_between_two_clb_organisations(client, shelf, broker):
    net = shelf.net
    utrecht_at_eemland = make_patron(net.org_b, first_name="IBL", last_name="Bibliotheek Utrecht")
    reader = make_patron(net.org_a)
    wanted = shelf.items[1]  # Eemland's copy of "Het bittere kruid"
    # 1. lending side: Eemland is asked for its copy, for Utrecht's interlibrary account
    answer = broker.send(
        "RequestItem",
        "NL-0307EL",
        user(utrecht_at_eemland.card_number) + item(wanted.barcode) + el("RequestType", "Loan")
        + el("RequestScopeType", "Item") + el("PickupLocation", "NL-0307EL01"),
    )  # fmt: skip
    hold = Hold.objects.get(
        pk=int(answer.xpath("string(n:RequestId/n:RequestIdentifierValue)", namespaces=N))
    )
    assert (hold.patron, hold.item, hold.pickup_branch) == (utrecht_at_eemland, wanted, net.b1)
    # 2. Eemland sends it: checked out to Utrecht's account
    answer = broker.send(
        "CheckOutItem", "NL-0307EL", user(utrecht_at_eemland.card_number) + item(wanted.barcode)
    )
    assert answer.xpath("string(n:DateDue)", namespaces=N)
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.FULFILLED
    # 3. borrowing side: it arrives in Utrecht for the reader
    description = wrap(
        "ItemOptionalFields",
        wrap(
            "BibliographicDescription",
            el("Author", "Minco, Marga")
            + wrap(
                "BibliographicRecordId",
                el("BibliographicRecordIdentifier", wanted.record_id) + el("AgencyId", "NL-0307EL"),
            )
            + el("Title", "Het bittere kruid"),
        ),
    )
    answer = broker.send(
        "AcceptItem",
        "NL-0344UB",
        wrap("RequestId", el("AgencyId", "NL-IBLNET") + el("RequestIdentifierValue", "IBL-2026-0001"))
        + el("RequestedActionType", "Hold For Pickup") + user(reader.card_number)
        + item(wanted.barcode, "NL-0307EL") + description + el("PickupLocation", "NL-0344UB01"),
    )  # fmt: skip
    temporary = Item.objects.get(
        barcode=answer.xpath("string(n:ItemId/n:ItemIdentifierValue)", namespaces=N)
    )
    assert temporary.ill_lender == "NL-0307EL" and temporary.status == ItemStatus.ON_HOLD_SHELF
    assert temporary.record == wanted.record  # the national record the lender named
    # 4. the desk lends it to the reader, 5. the reader brings it back: the copy is gone
    circulation.checkout(
        item_barcode=temporary.barcode, card_number=reader.card_number, branch=net.a1
    )
    returned = circulation.checkin(item_barcode=temporary.barcode, branch=net.a1)
    assert returned.routing.kind == "return_to_lender"
    temporary.refresh_from_db()
    assert temporary.status == ItemStatus.WITHDRAWN
    # 6. back in Eemland
    answer = broker.send("CheckInItem", "NL-0307EL", item(wanted.barcode))
    assert (
        answer.xpath("string(n:ItemOptionalFields/n:CirculationStatus)", namespaces=N)
        == "Available On Shelf"
    )
    assert not Loan.objects.filter(item=wanted, returned_at__isnull=True).exists()


def test_lookup_user_authenticates_and_tells_no_more_than_ncip_needs(client, shelf, broker, caplog):
    patron = make_patron(shelf.net.org_a, pin="9876")
    credentials = lambda pin: "".join(  # noqa: E731
        wrap("AuthenticationInput", el("AuthenticationInputData", v) + el("AuthenticationDataFormatType", "text") + el("AuthenticationInputType", t))
        for t, v in (("Barcode Id", patron.card_number), ("PIN", pin))
    )  # fmt: skip
    with caplog.at_level(logging.INFO, logger="clb.exchange"):
        answer = broker.send(
            "LookupUser",
            "NL-0344UB",
            credentials("9876") + el("UserElementType", "Name Information"),
        )
        refused = broker.send("LookupUser", "NL-0344UB", credentials("1111"))
    assert (
        answer.xpath("string(n:UserId/n:UserIdentifierValue)", namespaces=N) == patron.card_number
    )
    assert answer.xpath("string(n:LoanedItemsCount/n:LoanedItemCountValue)", namespaces=N) == "0"
    text = etree.tostring(answer).decode()
    assert (
        patron.last_name not in text and "NameInformation" not in text and "DateOfBirth" not in text
    )
    assert problem(refused) == "User Authentication Failed"
    assert "9876" not in caplog.text and "1111" not in caplog.text and "LookupUser" in caplog.text


def test_lookup_item_and_agency(client, shelf, broker):
    answer = broker.send("LookupItem", "NL-0344UB", item(shelf.items[0].barcode))
    fields = answer.xpath("n:ItemOptionalFields", namespaces=N)[0]
    assert fields.xpath("string(n:BibliographicDescription/n:Title)", namespaces=N) == "De avonden"
    assert fields.xpath("string(n:CirculationStatus)", namespaces=N) == "Available On Shelf"
    assert (
        problem(broker.send("LookupItem", "NL-0344UB", item(shelf.items[1].barcode)))
        == "Unknown Item"
    )
    answer = broker.send(
        "LookupAgency",
        "NL-0344UB",
        el("AgencyId", "NL-0307EL") + el("AgencyElementType", "Organization Name Information"),
    )
    assert "Bibliotheek Eemland" in answer.xpath(
        "n:OrganizationNameInformation/n:OrganizationName/text()", namespaces=N
    )


def test_title_request_renew_and_cancel(client, shelf, broker):
    patron = make_patron(shelf.net.org_a)
    record = shelf.records[2]
    title_request = (
        user(patron.card_number)
        + wrap("BibliographicId", wrap("BibliographicRecordId", el("BibliographicRecordIdentifier", record.pk) + el("AgencyId", "NL-0344UB")))
        + el("RequestType", "Hold") + el("RequestScopeType", "Bibliographic Item")
    )  # fmt: skip
    answer = broker.send(
        "RequestItem",
        "NL-0344UB",
        title_request,
    )  # fmt: skip
    request_id = answer.xpath("string(n:RequestId/n:RequestIdentifierValue)", namespaces=N)
    again = broker.send(
        "RequestItem",
        "NL-0344UB",
        title_request,
    )  # fmt: skip
    assert problem(again) == "Duplicate Request"
    request = wrap("RequestId", el("RequestIdentifierValue", request_id)) + el(
        "RequestType", "Hold"
    )
    broker.send("CancelRequestItem", "NL-0344UB", user(patron.card_number) + request)
    assert Hold.objects.get(pk=int(request_id)).status == HoldStatus.CANCELLED
    assert (
        problem(broker.send("CancelRequestItem", "NL-0344UB", user(patron.card_number) + request))
        == "Request Already Processed"
    )
    copy = shelf.items[0]
    broker.send("CheckOutItem", "NL-0344UB", user(patron.card_number) + item(copy.barcode))
    too_soon = broker.send("RenewItem", "NL-0344UB", user(patron.card_number) + item(copy.barcode))
    assert problem(too_soon) == "Item Not Renewable"  # it would not move the due date
    loan = Loan.objects.get(item=copy, returned_at__isnull=True)
    assert loan.renewals == 0
    # Three weeks later (the loan is aged rather than the clock moved: the partner sends no time).
    weeks = timedelta(days=21)
    Loan.objects.filter(pk=loan.pk).update(
        checked_out_at=loan.checked_out_at - weeks, due_at=loan.due_at - weeks
    )
    renewed = broker.send("RenewItem", "NL-0344UB", user(patron.card_number) + item(copy.barcode))
    assert renewed.xpath("string(n:RenewalCount)", namespaces=N) == "1"
    stranger = make_patron(shelf.net.org_a)
    refused = broker.send("RenewItem", "NL-0344UB", user(stranger.card_number) + item(copy.barcode))
    assert problem(refused) == "Item Not Checked Out To This User"


def test_partners_authenticate_with_their_own_secret_and_stay_in_scope(client, shelf, broker):
    assert (
        problem(broker.send("LookupItem", "NL-0344UB", item("x"), secret="raden"))
        == "Agency Authentication Failed"
    )
    outsider, secret = partners.register(
        "DE-101", "Stadtbibliothek (gesimuleerd)", organisations=["NL-0307EL"]
    )
    other = Partner(client, "DE-101", secret)
    assert (
        problem(other.send("LookupItem", "NL-0344UB", item(shelf.items[0].barcode)))
        == "Agency Authentication Failed"
    )
    assert (
        problem(other.send("LookupItem", "NL-0307EL", item(shelf.items[0].barcode)))
        == "Unknown Item"
    )
    # DE-101's secret does not work under the broker's ISIL
    assert (
        problem(broker.send("LookupItem", "NL-0307EL", item("x"), secret=secret))
        == "Agency Authentication Failed"
    )
    assert problem(broker.send("LookupItem", "NL-9999", item("x"))) == "Unknown Agency"


@pytest.mark.parametrize(
    "body, expected",
    [
        (b"<not xml", "Invalid Message Syntax Error"),
        (b"<NCIPMessage/>", "Invalid Message Syntax Error"),
        (
            f'<NCIPMessage xmlns="{NS}"><LookupVersion/></NCIPMessage>'.encode(),
            "Unsupported Service",
        ),
        (
            f'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><NCIPMessage xmlns="{NS}"><LookupItem>&e;</LookupItem></NCIPMessage>'.encode(),
            "",
        ),
    ],
)
def test_unreadable_messages_get_a_problem(client, shelf, body, expected):
    response = client.post("/ncip", body, content_type="application/xml")
    assert response.status_code == 200 and b"root:" not in response.content
    check(response.content)
    if expected:
        assert (
            etree.fromstring(response.content).xpath("string(//n:ProblemType)", namespaces=N)
            == expected
        )


def test_oversized_and_wrong_method(client, shelf):
    response = client.post(
        "/ncip", b"<a>" + b"x" * 300_000 + b"</a>", content_type="application/xml"
    )
    assert response.status_code == 413 and b"ProblemType" in response.content
    assert client.get("/ncip").status_code == 405
