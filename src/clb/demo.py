"""Demo data: real organisations with their real library locations, real catalogue records,
generated members and a year of circulation run through the real services.

Everything generated is marked: organisations and staff carry is_demo / "demo" in their names and
member names come from a small list of common Dutch names. Deterministic for a given seed."""

import gzip
import random
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import islice
from pathlib import Path

import pymarc
from django.db import transaction
from django.utils import timezone

from clb.accounts.models import User
from clb.accounts.roles import ensure_groups
from clb.catalogue import services as catalogue
from clb.catalogue.models import Audience, BibRecord, Item, ItemType
from clb.circulation import services as circulation
from clb.circulation.errors import CirculationError
from clb.circulation.models import Hold, HoldStatus
from clb.errors import DomainError
from clb.members import services as members
from clb.members.defaults import install_subscription_types
from clb.members.models import Membership, Patron, age_on
from clb.network import hours
from clb.network.models import Branch, BranchKind, Municipality, Organisation, PostcodeArea

CATALOGUE_DATA = Path(__file__).resolve().parent / "catalogue" / "data"

# Library organisations (real names) and the municipalities whose real library locations
# (from the polling-station list) they run. Staffed hours are not in any source we have:
# the demo assumes them and says so in Branch.source.
ORGANISATIONS = [
    ("bibliotheek-den-haag", "Bibliotheek Den Haag", ["GM0518"]),
    ("bibliotheek-rotterdam", "Bibliotheek Rotterdam", ["GM0599"]),
    ("bibliotheek-enschede", "Bibliotheek Enschede", ["GM0153"]),
    ("bibliotheek-venlo", "Bibliotheek Venlo", ["GM0983"]),
    ("bibliotheek-westland", "Bibliotheek Westland", ["GM1783"]),
]
FIRST_NAMES = ["Emma", "Noah", "Julia", "Liam", "Mila", "Luuk", "Sophie", "Daan", "Tess", "Sem",
               "Anna", "Lucas", "Fenna", "Finn", "Saar", "Jesse", "Yara", "Milan", "Lotte", "Levi",
               "Fatima", "Mohammed", "Ayoub", "Ilse", "Joost", "Wim", "Ans", "Kees", "Marieke", "Bram"]  # fmt: skip
LAST_NAMES = ["de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
              "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
              "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "Yilmaz", "El Amrani", "Nguyen"]  # fmt: skip
# Age pyramid of library members: youth is well over half of the membership (VOB, 2014: 58 %).
AGE_WEIGHTS = [((0, 4), 8), ((4, 9), 16), ((9, 15), 20), ((15, 18), 8), ((18, 20), 2),
               ((20, 65), 30), ((65, 90), 16)]  # fmt: skip
# Assumed opening hours to match the assumed staffed hours (45 and 20 a week); the main branch
# is also open with the library card before and after them.
DEMO_HOURS = {
    45: ("ma-vr 10:00-18:00; za 10:00-15:00", "ma-vr 08:00-10:00, 18:00-22:00"),
    20: ("di-vr 13:00-17:00; za 10:00-14:00", ""),
}
DEMO_PASSWORD = "demo-clb"
DEMO_PIN = "1234"


@dataclass
class DemoSummary:
    organisations: int
    branches: int
    records: int
    items: int
    patrons: int
    loans: int
    logins: list[tuple[str, str, str]]


def is_empty() -> bool:
    return not Patron.objects.exists() and not Item.objects.exists()


def load_records(limit: int, organisation: Organisation, progress) -> list[BibRecord]:
    """Real records through the importer: the first `limit` Library of Congress books and the
    other real MARC files staged with the catalogue (src/clb/catalogue/data/SOURCES.md)."""
    with gzip.open(CATALOGUE_DATA / "loc-books.mrc.gz") as fh:
        books = b"".join(r.as_marc() for r in islice(pymarc.MARCReader(fh), limit))
    with tempfile.TemporaryDirectory() as folder:
        first = Path(folder) / "loc-books.mrc"
        first.write_bytes(books)
        others = [CATALOGUE_DATA / "loc-opera-43.xml", *sorted(CATALOGUE_DATA.glob("pymarc/*.dat"))]
        report = catalogue.import_marc([first, *others], organisation)
    progress(f"{report.imported} titels (echte records; {report.summary()})")
    return list(BibRecord.objects.order_by("id"))


def _postcode(rng: random.Random, areas: list[PostcodeArea]) -> str:
    area = rng.choices(areas, weights=[a.inhabitants or 1 for a in areas])[0]
    letters = rng.choice(["AB", "BC", "CD", "EK", "GH", "JK", "LM", "NP", "RT", "VW"])
    return f"{area.pc4} {letters}"


def _birth_date(rng: random.Random, today: date) -> date:
    ((low, high),) = rng.choices(
        [band for band, _ in AGE_WEIGHTS], weights=[w for _, w in AGE_WEIGHTS]
    )
    age_days = rng.randint(low * 365 + 1, high * 365 - 1)
    return today - timedelta(days=age_days)


def demo_isil(municipality_code: str, number: int) -> str:
    """A plausible ISIL (NL- and eleven characters at most) for a demo organisation (number 0)
    or its branches; not assigned by the KB, and the source field says so."""
    return f"NL-{municipality_code[2:]}B{number:02d}"


DEMO_ISIL_SOURCE = "demo: ISIL verzonnen (plausibel, niet door de KB toegekend)"


def _organisations(progress) -> list[Organisation]:
    orgs = []
    for code, name, municipality_codes in ORGANISATIONS:
        org, _ = Organisation.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "isil": demo_isil(municipality_codes[0], 0),
                "source": DEMO_ISIL_SOURCE,
            },
        )
        municipalities = list(Municipality.objects.filter(code__in=municipality_codes))
        org.municipalities.set(municipalities)
        install_subscription_types(org)
        real = Branch.objects.filter(
            municipality__in=municipalities, organisation__code__startswith="ongekoppeld-"
        )
        for i, branch in enumerate(real.order_by("code")):
            branch.organisation = org
            # Assumed: the first location is the main branch, others smaller branches.
            staffed, self_service = DEMO_HOURS[45 if i == 0 else 20]
            openings = hours.parse(staffed) + hours.parse(self_service, staffed=False)
            branch.staffed_hours_week = hours.staffed_hours(openings)
            branch.kind = BranchKind.VESTIGING
            branch.is_pickup_point = True
            branch.isil = demo_isil(municipality_codes[0], i + 1)
            branch.source = f"{branch.source}; organisatie, uren en ISIL: demo-aanname"
            branch.save()
            hours.replace(branch, openings)
        ongekoppeld = Organisation.objects.filter(
            code__in=[f"ongekoppeld-{c.lower()}" for c in municipality_codes]
        )
        ongekoppeld.filter(branches__isnull=True).delete()
        orgs.append(org)
    progress(
        f"{len(orgs)} organisaties met {Branch.objects.filter(organisation__in=orgs).count()} echte locaties"
    )
    return orgs


def _items(rng, orgs, records, per_org: int) -> int:
    types = {t.code: t for t in ItemType.objects.all()}
    rows = []
    n = 0
    for org in orgs:
        branches = list(org.branches.all())
        for record in rng.sample(records, min(per_org, len(records))):
            youth = rng.random() < 0.4
            type_code = (
                rng.choice(["jeugdboek", "prentenboek"])
                if youth
                else rng.choice(["boek"] * 8 + ["luisterboek", "dvd"])
            )
            for _copy in range(rng.choice([1, 1, 1, 2])):
                n += 1
                branch = rng.choice(branches)
                rows.append(
                    Item(
                        barcode=f"3{org.pk:03d}{n:09d}",
                        record=record,
                        organisation=org,
                        home_branch=branch,
                        current_branch=branch,
                        item_type=types[type_code],
                        audience=Audience.YOUTH if youth else Audience.ADULT,
                        replacement_price=Decimal(rng.choice(["12.50", "17.99", "22.50", "29.95"])),
                        call_number=(record.main_author[:3] or "ALG").upper(),
                    )
                )
    Item.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _patrons(rng, orgs, per_org: int, start: datetime) -> list[Patron]:
    patrons = []
    for org in orgs:
        areas = list(PostcodeArea.objects.filter(municipality__in=org.municipalities.all()))
        for _ in range(per_org):
            joined = start - timedelta(days=rng.randint(0, 300))
            first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            birth_date = _birth_date(rng, joined.date())
            guardian = {}
            if age_on(birth_date, joined.date()) < members.GUARDIAN_AGE:
                guardian = {
                    "guardian_name": f"{rng.choice(FIRST_NAMES)} {last_name}",
                    "guardian_phone": f"06 {rng.randint(10_000_000, 99_999_999)}",
                }
            patron = members.register_patron(
                organisation=org,
                first_name=first_name,
                last_name=last_name,
                birth_date=birth_date,
                # Generated people: a common name on a common birth day is someone else.
                duplicate_reason="demodata",
                **guardian,
                postcode=_postcode(rng, areas),
                pin=DEMO_PIN,
                keep_history=rng.random() < 0.15,
                at=joined,
                email="",
                place=areas[0].municipality.name if areas else "",
            )
            owed = patron.balance(org)
            if owed > 0:
                members.pay(patron, org, owed, at=joined)
            patrons.append(patron)
    return patrons


def _circulate(rng, patrons, start: datetime, days: int, progress) -> int:
    """A year of desk and kiosk traffic through the services: loans, returns (some late, some
    elsewhere), renewals, holds. Refusals (limits, holds) are part of real traffic and skipped."""
    home_org = {
        m.patron_id: m.organisation for m in Membership.objects.select_related("organisation")
    }
    branches_by_org = {}
    for b in Branch.objects.filter(organisation__in=set(home_org.values())):
        branches_by_org.setdefault(b.organisation_id, []).append(b)
    # A member borrows what stands at the branch visited: lending happens where the copy is.
    available_at = {}
    for barcode, branch_id in Item.objects.values_list("barcode", "current_branch_id"):
        available_at.setdefault(branch_id, []).append(barcode)
    out: list[tuple[date, str, object]] = []  # (return day, barcode, branch)
    loans = 0
    for day_no in range(days):
        day = start + timedelta(days=day_no)
        if day.weekday() == 6:
            continue
        at = timezone.make_aware(datetime.combine(day.date(), time(10, 0)))
        for ret in [o for o in out if o[0] <= day.date()]:
            out.remove(ret)
            _try(
                circulation.checkin, item_barcode=ret[1], branch=ret[2], at=at + timedelta(hours=1)
            )
        for hold in Hold.objects.filter(status=HoldStatus.READY).select_related(
            "patron", "captured_item", "pickup_branch"
        ):
            if rng.random() < 0.5:
                picked_up = _try(
                    circulation.checkout,
                    item_barcode=hold.captured_item.barcode,
                    card_number=hold.patron.card_number,
                    branch=hold.pickup_branch,
                    at=at,
                )
                loans += picked_up is not None
        circulation.expire_holds(at=at)
        for patron in rng.sample(patrons, k=max(1, len(patrons) // 40)):
            org = home_org[patron.pk]
            if members.valid_membership(patron, at.date()) is None:
                members.renew_membership(patron, org, at=at)
            owed = patron.balance(org)
            if owed > 0:  # most people settle fines and fees at their next visit
                members.pay(patron, org, owed, at=at)
            branch = rng.choice(branches_by_org[org.pk])
            pool = available_at.get(branch.pk, [])
            for barcode in rng.sample(pool, k=min(len(pool), rng.choice([1, 1, 2, 3]))):
                try:
                    result = circulation.checkout(
                        item_barcode=barcode, card_number=patron.card_number, branch=branch, at=at
                    )
                except DomainError as refused:
                    if refused.code == "on_loan" and rng.random() < 0.3:
                        _try(
                            circulation.place_hold,
                            card_number=patron.card_number,
                            pickup_branch=branch,
                            record=Item.objects.get(barcode=barcode).record,
                            at=at,
                        )
                    continue
                loans += 1
                late = rng.random() < 0.12
                keep = rng.randint(5, 21) + (rng.randint(1, 20) if late else 0)
                if rng.random() < 0.1 and not late:
                    try:
                        circulation.renew(item_barcode=barcode, at=at + timedelta(days=14))
                        keep += 14
                    except CirculationError:
                        pass
                ret_branch = branch if rng.random() < 0.85 else rng.choice(branches_by_org[org.pk])
                out.append(
                    (
                        min(result.due_at.date(), (at + timedelta(days=keep)).date())
                        if not late
                        else (at + timedelta(days=keep)).date(),
                        barcode,
                        ret_branch,
                    )
                )
        if day_no % 60 == 0:
            progress(f"dag {day_no}/{days}: {loans} uitleningen")
    return loans


def _try(action, **kwargs):
    try:
        return action(**kwargs)
    except DomainError:
        return None


def _logins(orgs) -> list[tuple[str, str, str]]:
    logins = []
    admin, _ = User.objects.get_or_create(
        username="admin",
        defaults={
            "is_staff": True,
            "is_superuser": True,
            "role": User.Role.NATIONAL_ADMIN,
            "region_code": "NL",
        },
    )
    admin.set_password(DEMO_PASSWORD)
    admin.save()
    logins.append(("admin", DEMO_PASSWORD, "landelijk beheer (alles)"))
    kb, _ = User.objects.get_or_create(
        username="kb", defaults={"role": User.Role.COCKPIT, "region_code": "NL"}
    )
    kb.set_password(DEMO_PASSWORD)
    kb.save()
    logins.append(("kb", DEMO_PASSWORD, "cockpit, heel Nederland"))
    for org in orgs:
        short = org.code.removeprefix("bibliotheek-")
        branch = org.branches.order_by("code").first()
        for username, role, is_staff in (
            (f"balie-{short}", User.Role.DESK, False),
            (f"beheer-{short}", User.Role.ORG_ADMIN, True),
        ):
            user, _ = User.objects.get_or_create(
                username=username,
                defaults=dict(role=role, organisation=org, branch=branch, is_staff=is_staff),
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            if role == User.Role.ORG_ADMIN:
                user.groups.add(ensure_groups())
            logins.append((username, DEMO_PASSWORD, f"{role.label}, {org.name}"))
    return logins


def load_demo(
    *,
    seed: int = 2026,
    members_per_org: int = 80,
    records: int = 3000,
    copies_per_org: int = 900,
    days: int = 365,
    today: date | None = None,
    progress=print,
) -> DemoSummary:
    rng = random.Random(seed)
    today = today or timezone.localdate()
    start = timezone.make_aware(datetime.combine(today - timedelta(days=days), time(9, 0)))
    with transaction.atomic():
        orgs = _organisations(progress)
        recs = load_records(records, orgs[0], progress)
        n_items = _items(rng, orgs, recs, copies_per_org)
        progress(f"{n_items} exemplaren")
        patrons = _patrons(rng, orgs, members_per_org, start)
        progress(f"{len(patrons)} leden")
    n_loans = _circulate(rng, patrons, start, days, progress)
    circulation.expire_holds(at=timezone.now())
    return DemoSummary(
        organisations=len(orgs),
        branches=Branch.objects.filter(organisation__in=orgs).count(),
        records=len(recs),
        items=n_items,
        patrons=len(patrons),
        loans=n_loans,
        logins=_logins(orgs),
    )
