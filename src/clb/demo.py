"""Demo data: real organisations with their real library locations, real catalogue records
(Library of Congress, University of Virginia and the Dutch titles of the DBNL), generated members
and a year of circulation run through the real services; optionally (`load_national`) a
simulated anonymous year for the rest of the country.

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
from clb.catalogue.models import Audience, BibRecord, Item, ItemStatus, ItemType, MaterialType
from clb.circulation import services as circulation
from clb.circulation.errors import CirculationError
from clb.circulation.models import Hold, HoldStatus, Transit
from clb.cockpit import simulation
from clb.errors import DomainError
from clb.members import services as members
from clb.members.defaults import install_subscription_types
from clb.members.models import Membership, Patron, age_on
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


# Real MARC staged with the catalogue (src/clb/catalogue/data/SOURCES.md), imported whole: Dutch
# titles from the DBNL, Library of Congress and University of Virginia records with ISBNs and
# years, LoC opera records and pymarc's test records.
WHOLE_FILES = [
    "dbnl-titles.mrc.gz",
    "loc-sru-sample-386.mrc.gz",
    "uva-solrmarc-2000.mrc.gz",
    "loc-opera-43.xml",
]


def _first_records(data: bytes, n: int | None) -> bytes:
    """The first n records of an ISO 2709 file, byte for byte (each starts with its length)."""
    if n is None:
        return data
    end = 0
    for _ in range(n):
        if end >= len(data):
            break
        end += int(data[end : end + 5])
    return data[:end]


def load_records(
    limit: int, organisation: Organisation, progress, *, sample: int | None = None
) -> list[BibRecord]:
    """Real records through the importer: the first `limit` Library of Congress books and the
    other real MARC files staged with the catalogue — whole, or their first `sample` records
    (a quick demo for tests)."""
    with gzip.open(CATALOGUE_DATA / "loc-books.mrc.gz") as fh:
        books = b"".join(r.as_marc() for r in islice(pymarc.MARCReader(fh), limit))
    with tempfile.TemporaryDirectory() as folder:
        files = [Path(folder) / "loc-books.mrc"]
        files[0].write_bytes(books)
        for name in WHOLE_FILES:
            if name.endswith(".mrc.gz"):
                files.append(Path(folder) / name.removesuffix(".gz"))
                raw = gzip.decompress((CATALOGUE_DATA / name).read_bytes())
                files[-1].write_bytes(_first_records(raw, sample))
            else:
                files.append(CATALOGUE_DATA / name)
        files += sorted(CATALOGUE_DATA.glob("pymarc/*.dat"))
        report = catalogue.import_marc(files, organisation)
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
            branch.staffed_hours_week = Decimal(45 if i == 0 else 20)
            branch.kind = BranchKind.VESTIGING
            branch.is_pickup_point = True
            branch.isil = demo_isil(municipality_codes[0], i + 1)
            branch.source = f"{branch.source}; organisatie, uren en ISIL: demo-aanname"
            branch.save()
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
            # Children's books as catalogued; of the rest a share lent as youth material, so
            # the youth figures have something to count.
            youth = record.audience == Audience.YOUTH or rng.random() < 0.3
            if record.material_type == MaterialType.MAGAZINE:
                type_code = "tijdschrift"
            elif youth:
                type_code = rng.choice(["jeugdboek", "prentenboek"])
            else:
                type_code = rng.choice(["boek"] * 8 + ["luisterboek", "dvd"])
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


def _move_transits(at: datetime, branches) -> None:
    """The morning round: each branch fetches the copies on its pull list (set aside for a hold
    from its shelves) and checks them in, which puts them on its hold shelf or in the crate;
    the van sends what was put in transit on an earlier day, and what was sent on an earlier day
    arrives and is checked in at its destination (which may send it on)."""
    day = at.date()
    for branch in branches:
        for hold in circulation.pull_list(branch):
            _try(circulation.checkin, item_barcode=hold.captured_item.barcode, branch=branch, at=at)
    for transit in Transit.objects.filter(sent_at__isnull=True, received_at__isnull=True):
        if transit.created_at.date() < day:
            circulation.send_transit(transit.pk, at=at)
    arriving = Transit.objects.filter(received_at__isnull=True, sent_at__isnull=False)
    for transit in arriving.select_related("item", "to_branch"):
        if transit.sent_at.date() < day:
            _try(
                circulation.receive_transit,
                item_barcode=transit.item.barcode,
                branch=transit.to_branch,
                at=at,
            )


def _on_shelf(branch: Branch) -> list[str]:
    return list(
        Item.objects.filter(current_branch=branch, status=ItemStatus.AVAILABLE).values_list(
            "barcode", flat=True
        )
    )


def _not_on_shelf(org: Organisation, branch: Branch, *, lent: bool) -> list[int]:
    """Titles of the organisation a member visiting `branch` would reserve: one that is out
    (`lent`), or one that stands at another of its branches, which is set aside there and
    brought over (the pull list and the van)."""
    copies = Item.objects.filter(organisation=org)
    if lent:
        copies = copies.filter(status=ItemStatus.ON_LOAN)
    else:
        copies = copies.filter(status=ItemStatus.AVAILABLE).exclude(current_branch=branch)
    return list(copies.order_by("pk").values_list("record_id", flat=True))


def _circulate(rng, patrons, start: datetime, days: int, progress) -> int:
    """A year of desk and kiosk traffic through the services: members borrow what is on the
    shelf of the branch they visit and return it (some late, some elsewhere), renew, reserve
    titles that are out or stand at another branch; each morning the branches fetch what was set
    aside on their shelves and the van sends and delivers transits every working day; and the
    anonymous member count is taken every day, as `clb snapshot-members` would. Refusals (limits,
    holds) are part of real traffic and skipped."""
    home_org = {
        m.patron_id: m.organisation for m in Membership.objects.select_related("organisation")
    }
    branches_by_org = {}
    for b in Branch.objects.filter(organisation__in=set(home_org.values())):
        branches_by_org.setdefault(b.organisation_id, []).append(b)
    all_branches = [b for branches in branches_by_org.values() for b in branches]
    out: list[tuple[date, str, object]] = []  # (return day, barcode, branch)
    loans = 0
    for day_no in range(days):
        day = start + timedelta(days=day_no)
        at = timezone.make_aware(datetime.combine(day.date(), time(10, 0)))
        if day.weekday() == 6:  # closed on Sunday; the count is taken all the same
            members.take_member_snapshot(on=day.date(), at=at)
            continue
        _move_transits(at - timedelta(hours=1), all_branches)
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
        for patron in rng.sample(patrons, k=max(1, len(patrons) // 50)):
            org = home_org[patron.pk]
            if members.valid_membership(patron, at.date()) is None:
                members.renew_membership(patron, org, at=at)
            owed = patron.balance(org)
            if owed > 0:  # most people settle fines and fees at their next visit
                members.pay(patron, org, owed, at=at)
            branch = rng.choice(branches_by_org[org.pk])
            if rng.random() < 0.15:  # a title not on this shelf: reserve it for pickup here
                wanted = _not_on_shelf(org, branch, lent=rng.random() < 0.5)
                if wanted:
                    _try(
                        circulation.place_hold,
                        card_number=patron.card_number,
                        pickup_branch=branch,
                        record=BibRecord.objects.get(pk=rng.choice(wanted)),
                        at=at,
                    )
            shelf = _on_shelf(branch)
            for barcode in rng.sample(shelf, k=min(len(shelf), rng.choice([1, 1, 2, 3]))):
                try:
                    result = circulation.checkout(
                        item_barcode=barcode, card_number=patron.card_number, branch=branch, at=at
                    )
                except DomainError:
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
        members.take_member_snapshot(on=day.date(), at=at + timedelta(hours=10))
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


@transaction.atomic
def load_national(*, seed: int = 2026, today: date | None = None, progress=print) -> int:
    """A simulated anonymous year for every other organisation of the network, so the cockpit's
    map and comparisons show a country (cockpit/simulation.py: labelled and removable)."""
    at = None
    if today is not None:
        at = timezone.make_aware(datetime.combine(today, time(23, 0)))
    demo_municipalities = {code for _c, _n, codes in ORGANISATIONS for code in codes}
    made = simulation.simulate_year(seed=seed, skip=demo_municipalities, at=at, progress=progress)
    for day in simulation.days_to_count(at=at):
        members.take_member_snapshot(on=day, at=at)
    return made


def load_demo(
    *,
    seed: int = 2026,
    members_per_org: int = 80,
    records: int = 3000,
    copies_per_org: int = 900,
    days: int = 365,
    today: date | None = None,
    progress=print,
    catalogue_sample: int | None = None,
) -> DemoSummary:
    """`catalogue_sample`: import only the first so many records of each staged MARC file besides
    the LoC books (a quick demo for tests); None imports them whole."""
    rng = random.Random(seed)
    today = today or timezone.localdate()
    start = timezone.make_aware(datetime.combine(today - timedelta(days=days), time(9, 0)))
    with transaction.atomic():
        orgs = _organisations(progress)
        recs = load_records(records, orgs[0], progress, sample=catalogue_sample)
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
