"""Small, explicit builders for tests: a two-organisation network with real-looking data."""

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from clb.catalogue.defaults import install_item_types
from clb.catalogue.models import Audience, BibRecord, Item, ItemType
from clb.circulation.defaults import install_national_rules
from clb.members import services as members
from clb.members.defaults import install_subscription_types
from clb.members.models import age_on
from clb.network.models import Branch, Municipality, Organisation, PostcodeArea, Province

AMS = ZoneInfo("Europe/Amsterdam")
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=AMS)  # a Monday morning
_seq = itertools.count(1)


@dataclass
class Net:
    province: Province
    gm_a: Municipality
    gm_b: Municipality
    org_a: Organisation
    org_b: Organisation
    a1: Branch  # org A main branch
    a2: Branch  # org A second branch
    b1: Branch  # org B branch


def make_network() -> Net:
    install_item_types()
    install_national_rules()
    province = Province.objects.create(code="PV26", name="Utrecht")
    gm_a = Municipality.objects.create(
        code="GM0344",
        name="Utrecht",
        province=province,
        inhabitants=374238,
        inhabitants_0_17=70000,
        reference_date=date(2024, 1, 1),
    )
    gm_b = Municipality.objects.create(
        code="GM0307",
        name="Amersfoort",
        province=province,
        inhabitants=160000,
        inhabitants_0_17=33000,
        reference_date=date(2024, 1, 1),
    )
    PostcodeArea.objects.create(
        pc4="3511", inhabitants=9000, lat=52.09, lon=5.11, municipality=gm_a
    )
    PostcodeArea.objects.create(
        pc4="3811", inhabitants=8000, lat=52.15, lon=5.38, municipality=gm_b
    )
    org_a = Organisation.objects.create(code="bibliotheek-utrecht", name="Bibliotheek Utrecht")
    org_a.municipalities.add(gm_a)
    org_b = Organisation.objects.create(code="bibliotheek-eemland", name="Bibliotheek Eemland")
    org_b.municipalities.add(gm_b)
    for org in (org_a, org_b):
        install_subscription_types(org)
    a1 = Branch.objects.create(
        organisation=org_a,
        code="utr-centrale",
        name="Centrale Bibliotheek",
        staffed_hours_week=60,
        municipality=gm_a,
        lat=52.0907,
        lon=5.1214,
    )
    a2 = Branch.objects.create(
        organisation=org_a,
        code="utr-overvecht",
        name="Overvecht",
        staffed_hours_week=20,
        municipality=gm_a,
        lat=52.117,
        lon=5.111,
    )
    b1 = Branch.objects.create(
        organisation=org_b,
        code="amf-eemhuis",
        name="Eemhuis",
        staffed_hours_week=50,
        municipality=gm_b,
        lat=52.157,
        lon=5.387,
    )
    return Net(province, gm_a, gm_b, org_a, org_b, a1, a2, b1)


def make_patron(
    org: Organisation,
    *,
    birth_date=date(1980, 5, 17),
    pin="1234",
    at=T0,
    keep_history=False,
    postcode="3511 AB",
    paid=True,
    **kw,
):
    """A registered patron; an adult's subscription is paid unless paid=False; a child comes
    with a parent (members under 16 are registered with one)."""
    n = next(_seq)
    if age_on(birth_date, at.date()) < members.GUARDIAN_AGE:
        kw.setdefault("guardian_name", "Ouder Jansen")
        kw.setdefault("guardian_phone", "06 12345678")
    patron = members.register_patron(
        organisation=org,
        first_name=kw.pop("first_name", f"Lid{n}"),
        last_name=kw.pop("last_name", "Jansen"),
        birth_date=birth_date,
        postcode=postcode,
        pin=pin,
        keep_history=keep_history,
        at=at,
        **kw,
    )
    owed = patron.balance(org)
    if paid and owed > 0:
        members.pay(patron, org, owed, at=at)
    return patron


def make_record(title="De avonden", authors=("Reve, Gerard",), **kw) -> BibRecord:
    return BibRecord.objects.create(title=title, authors=list(authors), **kw)


def make_item(
    branch: Branch,
    record: BibRecord | None = None,
    *,
    item_type="boek",
    audience=Audience.ADULT,
    price="19.95",
    barcode=None,
) -> Item:
    record = record or make_record()
    return Item.objects.create(
        barcode=barcode or f"3{next(_seq):012d}",
        record=record,
        organisation=branch.organisation,
        home_branch=branch,
        current_branch=branch,
        item_type=ItemType.objects.get(code=item_type),
        audience=audience,
        replacement_price=Decimal(price),
    )
