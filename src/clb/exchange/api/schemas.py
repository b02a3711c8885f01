"""The typed shapes of the API's answers and requests; the OpenAPI document is generated from
them. Money is a string with two decimals ("2.50", euro) so no client rounds it."""

from datetime import date, datetime, time
from typing import Any

from ninja import Field, Schema

from .paging import Page

# --- problems ------------------------------------------------------------------------------


class FieldError(Schema):
    field: str
    reason: str


class Problem(Schema):
    """RFC 9457 problem details, with the stable `code` and the `field` at fault."""

    type: str = Field(examples=["urn:clb:problem:renewal_limit"])
    title: str = Field(examples=["Verlengen niet mogelijk"])
    status: int
    detail: str
    code: str = Field(examples=["renewal_limit"])
    field: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


# --- network -------------------------------------------------------------------------------


class OrganisationRef(Schema):
    code: str
    isil: str | None
    name: str


class BranchRef(Schema):
    code: str
    isil: str | None
    name: str


class Address(Schema):
    street: str
    postcode: str
    place: str
    municipality: str | None = Field(description="CBS-code van de gemeente (GMxxxx)")


class Location(Schema):
    lat: float
    lon: float


class Opening(Schema):
    weekday: int = Field(ge=1, le=7, description="ISO: 1 = maandag … 7 = zondag")
    opens: time
    closes: time
    staffed: bool = Field(description="met personeel (anders: open met de bibliotheekpas)")


class BranchOut(BranchRef):
    organisation: OrganisationRef
    kind: str = Field(description="vestiging, servicepunt, mini_servicepunt, onbemand, onbekend")
    kind_label: str
    staffed_hours_week: float
    address: Address
    location: Location | None
    pickup_point: bool
    opened_on: date | None
    closed_on: date | None
    opening_hours: list[Opening]


class OrganisationOut(OrganisationRef):
    municipalities: list[str] = Field(description="werkgebied: CBS-codes")
    branches: int = Field(description="aantal vestigingen en servicepunten die nu open zijn")


class OrganisationPage(Page):
    items: list[OrganisationOut]


class BranchPage(Page):
    items: list[BranchOut]


# --- catalogue -----------------------------------------------------------------------------


class RecordSummary(Schema):
    id: int
    title: str
    subtitle: str
    authors: list[str]
    year: int | None
    isbn: str
    language: str
    material_type: str
    audience: str


class SearchHit(RecordSummary):
    copies: int = Field(description="exemplaren in het netwerk (niet afgeschreven)")
    available: int = Field(description="nu beschikbaar (bij available_at, als gegeven)")


class FacetValue(Schema):
    value: str
    count: int


class SearchPage(Page):
    total: int
    corrected: str | None = Field(description="de zoekvraag na correctie van een tikfout")
    facets: dict[str, list[FacetValue]]
    items: list[SearchHit]


class Holding(Schema):
    organisation: str = Field(description="ISIL (of code) van de organisatie")
    branches: list[str]
    copies: int
    available: int


class RecordOut(RecordSummary):
    publisher: str
    subjects: list[str]
    series: list[str]
    holdings: list[Holding]


class BranchAvailability(Schema):
    branch: BranchRef
    organisation: OrganisationRef
    copies: int
    available: int
    on_loan: int
    on_hold_shelf: int
    in_transit: int
    other: int = Field(description="in reparatie, zoek gemeld en dergelijke")
    next_due: datetime | None = Field(description="eerste inleverdatum van de uitgeleende")


class AvailabilityPage(Page):
    record_id: int
    holds_waiting: int
    items: list[BranchAvailability]


# --- tokens --------------------------------------------------------------------------------


class TokenOut(Schema):
    """OAuth 2.0 token response (RFC 6749, 5.1)."""

    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    scope: str


# --- members -------------------------------------------------------------------------------


class Block(Schema):
    code: str
    message: str


class MembershipOut(Schema):
    organisation: OrganisationRef
    subscription: str
    started_on: date
    expires_on: date


class Profile(Schema):
    card_number: str
    first_name: str
    last_name: str
    birth_date: date
    email: str
    phone: str
    street: str
    postcode: str
    place: str
    keep_history: bool
    balance: str = Field(description="openstaand bedrag in euro (negatief: tegoed)")
    blocks: list[Block]
    memberships: list[MembershipOut]


class Renewal(Schema):
    allowed: bool
    code: str
    message: str


class LoanOut(Schema):
    id: int
    record_id: int
    title: str
    author: str
    barcode: str
    branch: BranchRef
    checked_out_at: datetime
    due_at: datetime
    renewals: int
    overdue: bool
    renewal: Renewal


class LoanPage(Page):
    items: list[LoanOut]


class RenewRefusal(Schema):
    loan_id: int
    code: str
    detail: str


class RenewAll(Schema):
    renewed: list[LoanOut]
    refused: list[RenewRefusal]


class HoldIn(Schema):
    record_id: int = Field(ge=1, le=2**63 - 1)
    pickup_branch: str = Field(min_length=1, max_length=16, description="ISIL van het afhaalpunt")


class HoldOut(Schema):
    id: int
    record_id: int
    title: str
    status: str = Field(description="waiting, in_transit, ready")
    placed_at: datetime
    position: int = Field(description="plaats in de wachtrij (0 als er een exemplaar klaarligt)")
    pickup_branch: BranchRef
    expires_at: datetime | None = Field(description="ligt klaar tot")


class HoldPlaced(HoldOut):
    fee: str


class HoldPage(Page):
    items: list[HoldOut]


class Cancelled(Schema):
    refund: str = Field(description="teruggeboekte reserveringskosten")


class FeeLine(Schema):
    id: int
    date: datetime
    organisation: OrganisationRef
    kind: str
    amount: str = Field(description="positief: kosten, negatief: betaling of kwijtschelding")
    description: str


class FeePage(Page):
    balance: str
    items: list[FeeLine]


class HistoryEntry(Schema):
    record_id: int
    title: str
    author: str
    checked_out_at: datetime
    returned_at: datetime


class HistoryPage(Page):
    items: list[HistoryEntry]


class DataExport(Schema):
    """Everything CLB holds about the member (AVG right of access), as Mijn Bibliotheek's
    download."""

    model_config = {"extra": "allow"}

    patron: dict[str, Any]
    memberships: list[dict[str, Any]]
    loans: list[dict[str, Any]]
    holds: list[dict[str, Any]]
    ledger: list[dict[str, Any]]


# --- partners ------------------------------------------------------------------------------


class ValidateIn(Schema):
    card_number: str = Field(min_length=1, max_length=20)


class Validation(Schema):
    """The online library's check, and nothing more."""

    valid: bool = Field(description="bekende pas met een geldig lidmaatschap, niet geblokkeerd")
    blocked: bool
    age_band: str | None = Field(description="0-3, 4-8, 9-14, 15-17, 18-19, 20-64, 65+")
    home_organisation: OrganisationRef | None


# --- open data -----------------------------------------------------------------------------


class PeriodOut(Schema):
    code: str
    label: str
    final: bool


class PeriodPage(Page):
    items: list[PeriodOut]


class FigureOut(Schema):
    indicator: str
    name: str
    section: str
    unit: str
    breakdown: str | None = Field(description="dimensie van de uitsplitsing, of leeg (totaal)")
    key: str
    key_label: str
    value: float | None = Field(description="leeg als onderdrukt (< 10) of zonder gegevens")
    display: str = Field(description="zoals de cockpit het toont: getal, '< 10' of '–'")
    suppressed: bool
    final: bool
    caveats: list[str] = Field(
        description="waarmee het cijfer te lezen is (onvolledig register, gesimuleerde gegevens)"
    )


class FigurePage(Page):
    region: str
    region_name: str
    period: str
    final: bool
    items: list[FigureOut]
