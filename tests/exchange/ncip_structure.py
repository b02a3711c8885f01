"""NCIP 2.02 message structure, element by element, written from the standard's schema
(ncip_v2_02.xsd, NISO Z39.83-1-2012) for every message CLB reads or writes: each element's
children as a regular expression over their names, in the schema's order and cardinality.
The schema itself is not shipped with CLB (see tests/exchange/test_ncip.py on validating
against it when it is present)."""

import re

from lxml import etree

NS = "http://www.niso.org/2008/ncip"
VERSION = "http://www.niso.org/schemas/ncip/v2_02/ncip_v2_02.xsd"

_ID = "AgencyId? {k}IdentifierType? {k}IdentifierValue Ext?"
CHILDREN = {
    "InitiationHeader": "FromSystemId? FromSystemAuthentication? FromAgencyId FromAgencyAuthentication? OnBehalfOfAgency? ToSystemId? ToAgencyId ApplicationProfileType? Ext?",
    "ResponseHeader": "FromSystemId? FromSystemAuthentication? FromAgencyId FromAgencyAuthentication? ToSystemId? ToAgencyId Ext?",
    "FromAgencyId": "AgencyId Ext?",
    "ToAgencyId": "AgencyId Ext?",
    "Problem": "ProblemType ProblemDetail? ProblemElement? ProblemValue? Ext?",
    "UserId": _ID.format(k="User"),
    "ItemId": _ID.format(k="Item"),
    "RequestId": _ID.format(k="Request"),
    "AuthenticationInput": "AuthenticationInputData AuthenticationDataFormatType AuthenticationInputType Ext?",
    "BibliographicId": "(BibliographicItemId|BibliographicRecordId) Ext?",
    "BibliographicItemId": "BibliographicItemIdentifier BibliographicItemIdentifierCode? Ext?",
    "BibliographicRecordId": "BibliographicRecordIdentifier (AgencyId|BibliographicRecordIdentifierCode) Ext?",
    "BibliographicDescription": "Author? AuthorOfComponent? BibliographicItemId? BibliographicRecordId* ComponentId? Edition? Pagination? PlaceOfPublication? PublicationDate? PublicationDateOfComponent? Publisher? SeriesTitleNumber? Title? TitleOfComponent? BibliographicLevel? SponsoringBody? ElectronicDataFormatType? Language? MediumType? Ext?",
    "ItemOptionalFields": "BibliographicDescription? ItemUseRestrictionType* CirculationStatus? HoldQueueLength? ItemDescription? Location* PhysicalCondition? ElectronicResource? SecurityMarker? SensitizationFlag? DateDue? Ext?",
    "ItemDescription": "CallNumber? CopyNumber? ItemDescriptionLevel? HoldingsInformation? NumberOfPieces? Ext?",
    "UserOptionalFields": "NameInformation? UserAddressInformation* DateOfBirth? UserLanguage* UserPrivilege* BlockOrTrap* UserId* PreviousUserId* Ext?",
    "BlockOrTrap": "AgencyId BlockOrTrapType ValidFromDate? ValidToDate? Ext?",
    "LoanedItemsCount": "(CirculationStatus|ItemUseRestrictionType) LoanedItemCountValue Ext?",
    "OrganizationNameInformation": "OrganizationNameType OrganizationName Ext?",
    # initiation messages
    "LookupAgency": "InitiationHeader? AgencyId AgencyElementType+ Ext?",
    "LookupUser": "InitiationHeader? (UserId|AuthenticationInput+) UserElementType* LoanedItemsDesired? RequestedItemsDesired? UserFiscalAccountDesired? Ext?",
    "LookupItem": "InitiationHeader? (ItemId|RequestId) ItemElementType* CurrentBorrowerDesired? CurrentRequestersDesired? Ext?",
    "RequestItem": "InitiationHeader? MandatedAction? (UserId|AuthenticationInput+) (ItemId+|BibliographicId+ ItemId*) RequestId? RequestType RequestScopeType ItemOptionalFields? ShippingInformation? EarliestDateNeeded? NeedBeforeDate? PickupLocation? PickupExpiryDate? AcknowledgedFeeAmount? PaidFeeAmount? AcknowledgedItemUseRestrictionType* ItemElementType* UserElementType* Ext?",
    "CancelRequestItem": "InitiationHeader? MandatedAction? (UserId|AuthenticationInput+) (ItemId|RequestId ItemId?) RequestType RequestScopeType? AcknowledgedFeeAmount? PaidFeeAmount? ItemElementType* UserElementType* Ext?",
    "CheckOutItem": "InitiationHeader? MandatedAction? (UserId|AuthenticationInput+) ItemId RequestId? AcknowledgedFeeAmount? PaidFeeAmount? AcknowledgedItemUseRestrictionType* ShippingInformation? ResourceDesired? DesiredDateDue? ItemElementType* UserElementType* Ext?",
    "CheckInItem": "InitiationHeader? MandatedAction? ItemId ItemElementType* UserElementType* Ext?",
    "RenewItem": "InitiationHeader? MandatedAction? (UserId|AuthenticationInput+) ItemId ItemElementType* UserElementType* DesiredDateDue? DesiredDateForReturn? AcknowledgedFeeAmount? PaidFeeAmount? AcknowledgedItemUseRestrictionType* Ext?",
    "AcceptItem": "InitiationHeader? MandatedAction? RequestId RequestedActionType UserId? ItemId? (DateForReturn|IndeterminateLoanPeriodFlag|NonReturnableFlag)? RenewalNotPermitted? FiscalTransactionInformation? ItemOptionalFields? UserOptionalFields? PickupLocation? PickupExpiryDate? Ext?",
    # responses
    "LookupAgencyResponse": "ResponseHeader? (Problem+|AgencyId OrganizationNameInformation* AgencyAddressInformation* AuthenticationPrompt* ApplicationProfileSupportedType* ConsortiumAgreement* AgencyUserPrivilegeType*) Ext?",
    "LookupUserResponse": "ResponseHeader? (Problem+|UserId UserFiscalAccount* LoanedItemsCount* LoanedItem* RequestedItemsCount* RequestedItem* UserOptionalFields?) Ext?",
    "LookupItemResponse": "ResponseHeader? (Problem+|(ItemId|RequestId ItemId?) HoldPickupDate? DateRecalled? ItemTransaction? ItemOptionalFields?) Ext?",
    "RequestItemResponse": "ResponseHeader? (Problem+ RequiredFeeAmount? RequiredItemUseRestrictionType*|(ItemId|RequestId ItemId?) UserId RequestType RequestScopeType ShippingInformation? DateAvailable? HoldPickupDate? FiscalTransactionInformation? ItemOptionalFields? UserOptionalFields?) Ext?",
    "CancelRequestItemResponse": "ResponseHeader? (Problem+|(ItemId|RequestId ItemId?) UserId FiscalTransactionInformation? ItemOptionalFields? UserOptionalFields?) Ext?",
    "CheckOutItemResponse": "ResponseHeader? (Problem+ RequiredFeeAmount? RequiredItemUseRestrictionType*|ItemId UserId (DateDue|IndeterminateLoanPeriodFlag|NonReturnableFlag) RenewalCount? ElectronicResource? FiscalTransactionInformation? ItemOptionalFields? UserOptionalFields?) Ext?",
    "CheckInItemResponse": "ResponseHeader? (Problem+|ItemId UserId? RoutingInformation? FiscalTransactionInformation? ItemOptionalFields? UserOptionalFields?) Ext?",
    "RenewItemResponse": "ResponseHeader? (Problem+ RequiredFeeAmount? RequiredItemUseRestrictionType*|Pending|ItemId UserId? DateDue? DateForReturn? RenewalCount? FiscalTransactionInformation? ItemOptionalFields? UserOptionalFields?) Ext?",
    "AcceptItemResponse": "ResponseHeader? (Problem+|RequestId ItemId?) Ext?",
}
MESSAGES = {k for k in CHILDREN if k[0].isupper() and (k.endswith("Response") or k in (
    "LookupAgency", "LookupUser", "LookupItem", "RequestItem", "CancelRequestItem", "CheckOutItem",
    "CheckInItem", "RenewItem", "AcceptItem"))}  # fmt: skip
# Elements whose content is text (no children), with a pattern when the schema types them.
TEXT = {
    "DateDue": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)?",
    "RenewalCount": r"\d+",
    "LoanedItemCountValue": r"\d+",
    "HoldQueueLength": r"\d+",
}


def _pattern(spec: str) -> re.Pattern:
    """The spec as a regex over "Name " tokens (the space keeps LoanedItem apart from
    LoanedItemsCount)."""
    marked = re.sub(r"([A-Z][A-Za-z]*)", "(?:\\1\0)", spec).replace(" ", "")
    return re.compile(marked.replace("\0", " "))


_COMPILED = {name: _pattern(spec) for name, spec in CHILDREN.items()}


def _names(node) -> str:
    return "".join(etree.QName(c).localname + " " for c in node if isinstance(c.tag, str))


def errors(xml: bytes | str) -> list[str]:
    """Every way the message departs from the structure above; empty when it conforms."""
    root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
    found = []
    if root.tag != f"{{{NS}}}NCIPMessage":
        return [f"root is {root.tag}"]
    if root.get(f"{{{NS}}}version") != VERSION:
        found.append("NCIPMessage lacks the qualified version attribute")
    children = [c for c in root if isinstance(c.tag, str)]
    if len(children) != 1 and not all(etree.QName(c).localname == "Problem" for c in children):
        found.append("NCIPMessage holds one message")
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        if etree.QName(node).namespace != NS:
            found.append(f"{node.tag} outside the NCIP namespace")
            continue
        name = etree.QName(node).localname
        if name in _COMPILED:
            if not _COMPILED[name].fullmatch(_names(node)):
                found.append(f"{name}: children {_names(node).split()} do not fit {CHILDREN[name]}")
        elif name in TEXT and not re.fullmatch(TEXT[name], (node.text or "").strip()):
            found.append(f"{name}: '{node.text}' does not fit {TEXT[name]}")
    return found
