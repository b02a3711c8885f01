"""A small country made by hand whose covenant figures are known in advance.

20,000,000 inhabitants, so a municipality of 5,000 has 4,000,000 × 5,000 / 20,000,000 = 1,000
people in the IDO target group. Three villages of one size class (5.000–10.000) in Utrecht, served
by Bibliotheek De Dorpen (which charges youth a fee), and one city in Noord-Holland.

The villages borrow the codes of real Utrecht municipalities, and the city Amsterdam's, so that
CBS's road distance to a library (shipped in clb/network/data) has a figure for each: 2023
Renswoude 1,3 km, Oudewater 1,9, Rhenen 1,2, Amsterdam 1,3, province of Utrecht 1,8 (2020: 1,1,
1,9, 1,2, 1,2 and 1,7). De Dorpen's area, weighted by inhabitants: (5,000 × 1,3 + 6,000 × 1,9 +
7,000 × 1,2) / 18,000 = 1,46 km.

| | Klein Dorp GM0339 | Middel Dorp GM0589 | Ander Dorp GM0340 |
|---|---|---|---|
| inhabitants (0–17) | 5,000 (1,000) | 6,000 (1,200) | 7,000 (1,400) |
| IDO contacts 2025-H1 / 2026-H1 | 40 / 70 → reach 8,0 % / 14,0 % | – / 50 → 8,3 % | – |
| youth members 2025-H1 / 2026-H1 | 12 / 15 → 1,2 % / 1,5 % | – | – |
| course participants 2025-H1 / 2026-H1 | 40 / 30 (6,00 per 1.000) | – | – |
| farther than 5 km from a vestiging | 3,000 of 5,000 → 60,0 % | 0,0 % | 100,0 % |
| straight line to the nearest vestiging | 2,000 at 0,13 km, 3,000 at 11,0 km → 6,7 km | | |
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from clb.catalogue.defaults import install_item_types
from clb.circulation.defaults import install_national_rules
from clb.members.defaults import install_subscription_types
from clb.members.models import PatronCategory, SubscriptionType
from clb.members.services import take_member_snapshot
from clb.network.models import Branch, Municipality, Organisation, PostcodeArea, Province
from clb.services import services as registration
from tests.factories import AMS, T0, make_patron

BEFORE = datetime(2025, 3, 3, 10, 0, tzinfo=AMS)  # a year before T0
KLEIN, MIDDEL, ANDER, GROOT = "GM0339", "GM0589", "GM0340", "GM0363"


@dataclass
class Land:
    klein: Municipality
    middel: Municipality
    ander: Municipality
    groot: Municipality
    dorpen: Organisation
    stad: Organisation
    klein_branch: Branch
    middel_branch: Branch


def _municipality(code, name, province, inhabitants, young):
    return Municipality.objects.create(
        code=code,
        name=name,
        province=province,
        inhabitants=inhabitants,
        inhabitants_0_17=young,
        reference_date=date(2024, 1, 1),
    )


def make_land() -> Land:
    install_item_types()
    install_national_rules()
    utrecht = Province.objects.create(code="PV26", name="Utrecht")
    holland = Province.objects.create(code="PV27", name="Noord-Holland")
    klein = _municipality(KLEIN, "Klein Dorp", utrecht, 5_000, 1_000)
    middel = _municipality(MIDDEL, "Middel Dorp", utrecht, 6_000, 1_200)
    ander = _municipality(ANDER, "Ander Dorp", utrecht, 7_000, 1_400)
    groot = _municipality(GROOT, "Grootstad", holland, 19_982_000, 3_000_000)
    for pc4, people, lat, municipality in [
        ("9991", 2_000, 52.000, klein),  # beside Klein Dorp's library
        ("9992", 3_000, 52.100, klein),  # 11 km north of it
        ("9993", 6_000, 52.300, middel),
        ("9994", 7_000, 52.500, ander),  # 22 km from Middel Dorp's, 16 km from Grootstad's
        ("1011", 19_982_000, 52.370, groot),
    ]:
        lon = 4.900 if municipality is groot else 5.000
        PostcodeArea.objects.create(
            pc4=pc4, inhabitants=people, lat=lat, lon=lon, municipality=municipality
        )
    dorpen = Organisation.objects.create(code="de-dorpen", name="Bibliotheek De Dorpen")
    dorpen.municipalities.add(klein, middel, ander)
    stad = Organisation.objects.create(code="grootstad", name="Bibliotheek Grootstad")
    stad.municipalities.add(groot)
    for org in (dorpen, stad):
        install_subscription_types(org)
    SubscriptionType.objects.filter(organisation=dorpen, category=PatronCategory.YOUTH).update(
        yearly_fee=Decimal("12.50"), youth_fee_confirmed=True
    )
    klein_branch = Branch.objects.create(organisation=dorpen, code="klein", name="Klein Dorp",
        staffed_hours_week=20, municipality=klein, lat=52.001, lon=5.001)  # fmt: skip
    middel_branch = Branch.objects.create(organisation=dorpen, code="middel", name="Middel Dorp",
        staffed_hours_week=40, municipality=middel, lat=52.301, lon=5.001)  # fmt: skip
    Branch.objects.create(organisation=stad, code="stad", name="Centrale", staffed_hours_week=60,
                          municipality=groot, lat=52.370, lon=4.900)  # fmt: skip
    land = Land(klein, middel, ander, groot, dorpen, stad, klein_branch, middel_branch)
    _activity(land)
    return land


def _activity(land: Land) -> None:
    for _ in range(12):
        make_patron(land.dorpen, birth_date=date(2014, 6, 1), postcode="9991 AB", at=BEFORE)
    take_member_snapshot(on=date(2025, 3, 10))
    for _ in range(3):
        make_patron(land.dorpen, birth_date=date(2015, 6, 1), postcode="9992 CD", at=T0)
    take_member_snapshot(on=T0.date())
    for _ in range(40):
        registration.register_quick_contact("1", branch=land.klein_branch, at=BEFORE)
    for _ in range(70):
        registration.register_quick_contact("1", branch=land.klein_branch, at=T0)
    for _ in range(50):
        registration.register_quick_contact("2", branch=land.middel_branch, at=T0)
    for starts_on, people, at in [(date(2025, 2, 3), 40, BEFORE), (date(2026, 2, 2), 30, T0)]:
        registration.save_activity(organisation=land.dorpen, programme="digisterker",
            starts_on=starts_on, branch=land.klein_branch, participants={"volwassenen": people},
            at=at)  # fmt: skip
