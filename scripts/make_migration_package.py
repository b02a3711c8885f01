"""Write a realistic migration package of a mid-size library, as a Koha library would export it,
with known faults planted at known rows (docs/migration.md describes the format).

    python scripts/make_migration_package.py --output DIR [--copies 100000]
        [--branches CODE,CODE] [--municipality Utrecht] [--today 2026-03-02] [--seed 17]

Titles are real records: the DBNL's Dutch titles first (a Dutch library), then the Library of
Congress, LoC SRU and University of Virginia MARC staged in src/clb/catalogue/data and
../shared/data/catalogue (SOURCES.md there); the UVA records stay in MARC-8 as published, in a
file of their own. Copies, members, loans, holds, fees and blocks
are generated around them in proportion to a mid-size Dutch library (per 100,000 copies: 30,000
members, 12,000 open loans, 2,000 holds, 3,000 fee lines): members live at real postcodes of the
municipality (CBS PC4 areas), carry common Dutch names and Koha's PIN hashes (bcrypt; some the
old MD5; some none). `--branches` are the CLB branch codes the package's own codes (HB01, HB02,
…) map to in mapping.toml.

Next to the package, DIR/planted-faults.csv lists every fault: file, row, field, kind and what
the report should say. Some faults need CLB's side to be true (a barcode or card another
organisation has already): their kind starts with `clb_` and the test creates that side."""

import argparse
import base64
import contextlib
import csv
import gzip
import hashlib
import io
import logging
import random
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import bcrypt
import pymarc
from stdnum import luhn

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src" / "clb" / "catalogue" / "data"
SHARED = ROOT.parent / "shared" / "data" / "catalogue"
PC4 = ROOT / "src" / "clb" / "network" / "data" / "pc4-2021.csv"

FIRST = ["Emma", "Noah", "Julia", "Liam", "Mila", "Luuk", "Sophie", "Daan", "Tess", "Sem", "Anna",
         "Lucas", "Fenna", "Finn", "Saar", "Jesse", "Yara", "Milan", "Lotte", "Levi", "Fatima",
         "Mohammed", "Ayoub", "Ilse", "Joost", "Wim", "Ans", "Kees", "Marieke", "Bram", "Henk",
         "Ingrid", "Priya", "Chen", "Olga", "Tomasz"]  # fmt: skip
LAST = ["de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
        "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
        "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "Yilmaz", "El Amrani", "Nguyen",
        "Kowalski", "Sahin", "van der Meer", "Koster", "Prins"]  # fmt: skip
STREETS = ["Dorpsstraat", "Kerkstraat", "Schoolstraat", "Molenweg", "Julianalaan", "Beatrixstraat",
           "Stationsweg", "Oudegracht", "Lindelaan", "Eikenlaan", "Wilhelminastraat"]  # fmt: skip
AGES = [((0, 4), 8), ((4, 9), 16), ((9, 15), 20), ((15, 18), 8), ((18, 20), 2), ((20, 65), 30),
        ((65, 90), 16)]  # fmt: skip
ITEM_TYPES = {"BK": "boek", "JBK": "jeugdboek", "PB": "prentenboek", "LB": "luisterboek",
              "DVD": "dvd", "CD": "cd"}  # fmt: skip
CATEGORIES = {"PT": "volwassen", "J": "jeugd", "SR": "senior"}
# Source ids per file, far apart, so that no size of package makes two rows share one; the
# planted rows take the ids just below.
ITEM_IDS, LOAN_IDS, HOLD_IDS, FEE_IDS, BLOCK_IDS = 10**8, 2 * 10**8, 3 * 10**8, 4 * 10**8, 5 * 10**8
PINS = ["1234", "4711", "2580", "1111", "9876", "5555", "3690", "2468"]


@dataclass
class Fault:
    file: str
    row: int
    field: str
    kind: str
    expect: str  # the outcome the report gives it


@dataclass
class Package:
    out: Path
    rng: random.Random
    today: date
    branches: list[str]
    faults: list[Fault] = field(default_factory=list)

    def plant(self, file, row, fld, kind, expect="geweigerd"):
        self.faults.append(Fault(file, row, fld, kind, expect))


# --- titles ---------------------------------------------------------------------------------------


def _source(name: str) -> Path | None:
    for folder in (DATA, SHARED):
        if (folder / name).exists():
            return folder / name
    return None


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def _chunks(data: bytes) -> list[bytes]:
    return [c.lstrip(b"\r\n") + b"\x1d" for c in data.split(b"\x1d") if c.strip()]


def append_field(raw: bytes, tag: str, body: bytes) -> bytes:
    """A field added to an ISO 2709 record byte by byte, so a MARC-8 record stays as published."""
    base = int(raw[12:17])
    directory, data = raw[24 : base - 1], raw[base:-1]
    body += b"\x1e"
    directory += tag.encode() + b"%04d%05d" % (len(body), len(data))
    data += body
    new_base = 24 + len(directory) + 1
    leader = b"%05d" % (new_base + len(data) + 1) + raw[5:12] + b"%05d" % new_base + raw[17:24]
    return leader + directory + b"\x1e" + data + b"\x1d"


@contextlib.contextmanager
def _pymarc_quiet():
    """pymarc's warnings about the sources are not the package's business; the level comes
    back afterwards, or an import in the same process (the tests) would not hear its repairs."""
    logger = logging.getLogger("pymarc")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def titles(p: Package, wanted: int):
    """(UTF-8 records as pymarc records, MARC-8 records as raw bytes), wanted in all."""
    with _pymarc_quiet():
        return _titles(wanted)


def _titles(wanted: int):
    utf8 = []
    for name in ("dbnl-titles.mrc.gz", "loc-sru-sample-386.mrc.gz", "loc-books.mrc.gz"):
        path = _source(name)
        if path:
            utf8 += [r for r in pymarc.MARCReader(io.BytesIO(_read(path)), to_unicode=True) if r]
    utf8 += pymarc.parse_xml_to_array(str(DATA / "loc-opera-43.xml"))
    uva = _source("uva-solrmarc-2000.mrc.gz")
    marc8 = _chunks(_read(uva)) if uva else _chunks((DATA / "pymarc" / "marc8.dat").read_bytes())
    share = max(1, min(len(marc8), wanted // 6))
    return utf8[: max(1, wanted - share)], marc8[:share]


def write_titles(p: Package, copies: int):
    """Returns [(biblionumber, isbn or "", juvenile)] in file order."""
    wanted = max(12, copies // 6)
    utf8, marc8 = titles(p, wanted)
    found = []
    writer = io.BytesIO()
    non_ascii = [i for i, r in enumerate(utf8) if not r.as_marc().isascii()]
    mislabel = non_ascii[len(non_ascii) // 2] if non_ascii else None
    bad_isbn = len(utf8) // 3
    for number, record in enumerate(utf8, start=1):
        biblionumber = str(100000 + number)
        record.remove_fields("999", "952")
        record.add_ordered_field(pymarc.Field(tag="999", indicators=[" ", " "],
                                              subfields=[pymarc.Subfield("c", biblionumber)]))  # fmt: skip
        if number - 1 == bad_isbn:
            record.remove_fields("020")
            record.add_ordered_field(pymarc.Field(tag="020", indicators=[" ", " "],
                                                  subfields=[pymarc.Subfield("a", "9789023466320")]))  # fmt: skip
            p.plant("titels.mrc", number, "020", "invalid_isbn", "waarschuwing")
        raw = record.as_marc()
        if number - 1 == mislabel:  # UTF-8 bytes under a leader that says MARC-8
            raw = raw[:9] + b" " + raw[10:]
            p.plant("titels.mrc", number, "leader", "utf8_said_marc8", "waarschuwing")
        writer.write(raw)
        isbn = next((f["a"] for f in record.get_fields("020") if f.get("a")), "")
        juvenile = "Juvenile" in str(record) or (record["008"] and record["008"].data[22:23] == "j")
        found.append((biblionumber, isbn.split(" ")[0] if isbn else "", juvenile))
    (p.out / "titels.mrc").write_bytes(writer.getvalue())
    writer = io.BytesIO()
    non_ascii8 = [i for i, raw in enumerate(marc8) if not raw.isascii()]
    said_utf8 = non_ascii8[0] if non_ascii8 else None
    for number, raw in enumerate(marc8, start=1):
        biblionumber = str(200000 + number)
        raw = append_field(raw, "999", b"  \x1fc" + biblionumber.encode())
        if number - 1 == said_utf8:  # MARC-8 bytes under a leader that says UTF-8
            raw = raw[:9] + b"a" + raw[10:]
            p.plant("titels-marc8.mrc", number, "", "marc8_said_utf8")
        writer.write(raw)
        found.append((biblionumber, "", False))
    (p.out / "titels-marc8.mrc").write_bytes(writer.getvalue())
    return found


# --- copies -------------------------------------------------------------------------------------


def write_items(p: Package, titles_found, copies: int):
    """Returns {barcode: (biblionumber, branch code, status)} of the copies that come in."""
    rng = p.rng
    weights = [1 / (i + 1) ** 0.6 for i in range(len(titles_found))]
    rows, items = [], {}
    for n in range(copies):
        pick = n if n < len(titles_found) else rng.choices(range(len(titles_found)), weights)[0]
        bib, _isbn, juvenile = titles_found[pick]
        barcode = f"3{7000000000 + n:012d}"
        home = rng.choice(p.branches)
        itype = (
            rng.choice(["JBK", "PB"]) if juvenile else rng.choice(["BK"] * 8 + ["LB", "DVD", "CD"])
        )
        rows.append({"itemnumber": str(ITEM_IDS + n), "biblionumber": bib, "isbn": "",
                     "barcode": barcode, "homebranch": home, "holdingbranch": home,
                     "itemcallnumber": f"{'J ' if juvenile else ''}{rng.choice('ABCDEFGHJKLMNPRSTVW')}"
                                       f"{rng.choice('AEIOU')}{rng.choice('KLMNRST')}",
                     "itype": itype, "location": "JEUGD" if juvenile else "VOLW",
                     "replacementprice": rng.choice(["12.50", "17.99", "22.50", "29.95"]),
                     "itemlost": "0", "withdrawn": "0", "damaged": "0", "notforloan": "0"})  # fmt: skip
        items[barcode] = (bib, home, "available")
    # planted: a lost-as-missing copy and a withdrawn one (loans of them are planted below), a
    # barcode twice, an unknown location, an invalid ISBN, a barcode CLB has for another library
    rows[5]["itemlost"] = "4"
    items[rows[5]["barcode"]] = (*items[rows[5]["barcode"]][:2], "missing")
    rows[6]["withdrawn"] = "1"
    items[rows[6]["barcode"]] = (*items[rows[6]["barcode"]][:2], "withdrawn")
    rows[9]["isbn"] = "90-234-6632-3"
    p.plant("items.csv", 11, "isbn", "invalid_isbn", "waarschuwing")
    duplicate = dict(rows[10], itemnumber=str(ITEM_IDS - 1))
    unknown = dict(rows[11], itemnumber=str(ITEM_IDS - 2), barcode="37999999999991", homebranch="ZZZ",
                   holdingbranch="ZZZ")  # fmt: skip
    foreign = dict(rows[12], itemnumber=str(ITEM_IDS - 3), barcode="CLB-ANDERE-ORG")
    twice = dict(rows[13], barcode="37999999999992")  # another copy under the same itemnumber
    for offset, (extra, fld, kind) in enumerate(
        [(foreign, "barcode", "clb_barcode_of_other_organisation"),
         (unknown, "homebranch", "unknown_location"), (duplicate, "barcode", "duplicate_barcode"),
         (twice, "itemnumber", "duplicate_source_id")]
    ):  # fmt: skip
        rows.insert(20 + offset, extra)
        p.plant("items.csv", 22 + offset, fld, kind)
    _write_csv(p.out / "items.csv", rows)
    return items


# --- members ------------------------------------------------------------------------------------


def _card(n: int) -> str:
    body = f"2{10000000 + n:012d}"
    return body + luhn.calc_check_digit(body)


def _birth(rng: random.Random, today: date) -> date:
    ((low, high),) = rng.choices([b for b, _ in AGES], weights=[w for _, w in AGES])
    return today - timedelta(days=rng.randint(low * 365 + 1, high * 365 - 1))


def _pins(rng: random.Random):
    """Koha's stored PINs: bcrypt (cost 8, as Koha writes it) for most, the old MD5 for some,
    none ('!') for a few. A pool, reused: hashing every member anew would take minutes."""
    pool = [bcrypt.hashpw(pin.encode(), bcrypt.gensalt(8, prefix=b"2a")).decode() for pin in PINS]
    md5 = [
        base64.b64encode(hashlib.md5(pin.encode()).digest()).decode().rstrip("=") for pin in PINS
    ]
    return lambda: rng.choices([rng.choice(pool), rng.choice(md5), "!"], weights=[90, 8, 2])[0]


def write_patrons(p: Package, count: int, municipality: str):
    rng = p.rng
    with open(PC4, encoding="utf-8") as fh:
        areas = [(r["pc4"], int(float(r["inhabitants"] or 0)), r["place"])
                 for r in csv.DictReader(fh) if r["municipality"] == municipality]  # fmt: skip
    if not areas:
        sys.exit(f"--municipality: geen postcodegebieden voor '{municipality}' in {PC4.name}")
    with open(PC4, encoding="utf-8") as fh:
        taken = {r["pc4"] for r in csv.DictReader(fh)}
    missing_pc4 = next(str(n) for n in range(1000, 10000) if str(n) not in taken)
    pin = _pins(rng)
    rows, people = [], {}
    for n in range(count):
        born = _birth(rng, p.today)
        age = (p.today - born).days // 365
        pc4, _inhabitants, place = rng.choices(areas, weights=[a[1] or 1 for a in areas])[0]
        last = rng.choice(LAST)
        card = _card(n)
        row = {"borrowernumber": str(1 + n), "cardnumber": card, "surname": last,
               "firstname": rng.choice(FIRST), "dateofbirth": born.isoformat(),
               "address": f"{rng.choice(STREETS)} {rng.randint(1, 180)}",
               "zipcode": f"{pc4} {rng.choice('ABCDEGHJKLMNPRSTVWXZ')}{rng.choice('ABCDEGHJKLMNPRSTVWXZ')}",
               "city": place, "email": f"lid{n}@example.org" if rng.random() < 0.7 else "",
               "phone": "", "branchcode": rng.choice(p.branches),
               "categorycode": "J" if age < 18 else ("SR" if age >= 65 else "PT"),
               "dateenrolled": (p.today - timedelta(days=rng.randint(30, 4000))).isoformat(),
               "dateexpiry": (p.today + timedelta(days=rng.randint(1, 360))).isoformat(),
               "password": pin(), "privacy": "0" if rng.random() < 0.15 else "1",
               "contactname": last if age < 16 else "",
               "contactfirstname": rng.choice(FIRST) if age < 16 else "",
               "altcontactphone": f"06{rng.randint(10000000, 99999999)}" if age < 16 else "",
               "externalSystemId": "", "debarred": "", "debarredcomment": ""}  # fmt: skip
        rows.append(row)
        people[card] = (born, age)
    # planted faults, each at a row of its own
    minor = next(i for i in range(10, count) if people[rows[i]["cardnumber"]][1] < 18)
    rows[minor]["categorycode"] = "PT"
    p.plant("patrons.csv", minor + 2, "categorycode", "minor_with_fee", "waarschuwing")
    adult = [i for i in range(20, count) if people[rows[i]["cardnumber"]][1] >= 18]
    rows[adult[0]]["zipcode"] = f"{missing_pc4} AB"
    p.plant("patrons.csv", adult[0] + 2, "zipcode", "postcode_does_not_exist", "waarschuwing")
    rows[adult[1]]["zipcode"] = "AB 1234"
    p.plant("patrons.csv", adult[1] + 2, "zipcode", "invalid_postcode")
    rows[adult[2]]["categorycode"] = "XX"
    p.plant("patrons.csv", adult[2] + 2, "categorycode", "unknown_category", "waarschuwing")
    twin = dict(rows[adult[3]], borrowernumber=str(count + 1), cardnumber=_card(count + 1))
    rows.append(twin)
    people[twin["cardnumber"]] = people[rows[adult[3]]["cardnumber"]]
    p.plant("patrons.csv", count + 2, "", "same_person_twice", "controleren")
    double = dict(
        rows[adult[4]], borrowernumber=str(count + 2), surname="Anders", firstname="Iemand"
    )
    rows.append(double)
    p.plant("patrons.csv", count + 3, "cardnumber", "duplicate_card")
    foreign = dict(rows[adult[5]], borrowernumber=str(count + 3), cardnumber=_card(count + 50))
    rows.append(foreign)
    p.plant("patrons.csv", count + 4, "cardnumber", "clb_card_of_other_person")
    _write_csv(p.out / "patrons.csv", rows)
    return [r["cardnumber"] for r in rows[:count]], people, {adult[1] + 2, adult[5] + 2}


# --- loans, holds, fees, blocks -------------------------------------------------------------------


def write_loans(p: Package, items: dict, cards: list[str], count: int, refused_cards):
    rng = p.rng
    free = [b for b, (_bib, _home, status) in items.items() if status == "available"][30:]
    rng.shuffle(free)
    lent, borrowers = set(), set()
    rows = []
    for n, barcode in enumerate(free[:count]):
        out = datetime.combine(p.today, time(17, 0)) - timedelta(
            days=rng.randint(1, 42), hours=rng.randint(0, 8)
        )
        renewals = rng.choice([0, 0, 0, 1, 1, 2])
        due = (out + timedelta(days=21 * (1 + renewals))).date()
        rows.append({"issue_id": str(LOAN_IDS + n), "cardnumber": rng.choice(cards),
                     "barcode": barcode, "issuedate": out.strftime("%Y-%m-%d %H:%M:%S"),
                     "date_due": due.isoformat(), "renewals_count": str(renewals),
                     "branchcode": items[barcode][1]})  # fmt: skip
        lent.add(barcode)
        borrowers.add(rows[-1]["cardnumber"])
    missing = next(b for b, v in items.items() if v[2] == "missing")
    withdrawn = next(b for b, v in items.items() if v[2] == "withdrawn")
    card = cards[3]
    extra = [
        ("date_due", "due_before_checkout", {"barcode": free[count], "issuedate": "2026-02-20",
                                             "date_due": "2026-02-10"}),
        ("barcode", "loan_of_missing_copy", {"barcode": missing}),
        ("barcode", "loan_of_withdrawn_copy", {"barcode": withdrawn}),
        ("barcode", "loan_of_unknown_copy", {"barcode": "37000099999999"}),
    ]  # fmt: skip
    for i, (fld, kind, values) in enumerate(extra):
        base = {"issue_id": str(LOAN_IDS - 1 - i), "cardnumber": card, "issuedate": "2026-02-01",
                "date_due": "2026-02-22", "renewals_count": "0",
                "branchcode": p.branches[0]}  # fmt: skip
        rows.append({**base, **values})
        p.plant("loans.csv", len(rows) + 1, fld, kind)
    _write_csv(p.out / "loans.csv", rows)
    return lent, borrowers | {card}


def write_holds(p: Package, items, lent, cards, quiet: str, count: int):
    rng = p.rng
    by_bib = defaultdict(list)
    for barcode, (bib, home, status) in items.items():
        by_bib[bib].append((barcode, home, status))
    # titles whose every copy is out first, then titles with a copy out
    out = [bib for bib, copies in by_bib.items() if any(b in lent for b, _h, _s in copies)]
    busy = sorted(out, key=lambda bib: not all(b in lent for b, _h, _s in by_bib[bib]))
    rows, n = [], 0
    for bib in busy:
        for priority in range(1, rng.choice([2, 3, 4]) + 1):
            if n >= count:
                break
            placed = p.today - timedelta(days=rng.randint(1, 60))
            rows.append({"reserve_id": str(HOLD_IDS + n), "cardnumber": rng.choice(cards),
                         "biblionumber": bib, "itemnumber": "", "barcode": "",
                         "reservedate": placed.isoformat(), "branchcode": rng.choice(p.branches),
                         "priority": str(priority), "found": "", "waitingdate": "",
                         "expirationdate": ""})  # fmt: skip
            n += 1
    shelf = [(b, h) for b, (_bib, h, s) in items.items() if s == "available" and b not in lent]
    for barcode, home in shelf[-max(1, count // 10) :]:
        ready = p.today - timedelta(days=rng.randint(0, 5))
        rows.append({"reserve_id": str(HOLD_IDS + n), "cardnumber": rng.choice(cards),
                     "biblionumber": items[barcode][0], "itemnumber": "", "barcode": barcode,
                     "reservedate": (ready - timedelta(days=9)).isoformat(), "branchcode": home,
                     "priority": "0", "found": "W", "waitingdate": ready.isoformat(),
                     "expirationdate": (ready + timedelta(days=7)).isoformat()})  # fmt: skip
        n += 1
    withdrawn = next(b for b, v in items.items() if v[2] == "withdrawn")
    planted = {"cardnumber": quiet, "itemnumber": "", "reservedate": p.today.isoformat(),
               "priority": "1", "expirationdate": ""}  # fmt: skip
    rows.append({**planted, "reserve_id": str(HOLD_IDS - 1), "biblionumber": items[withdrawn][0],
                 "barcode": withdrawn, "found": "W", "waitingdate": p.today.isoformat(),
                 "branchcode": items[withdrawn][1]})  # fmt: skip
    p.plant("holds.csv", len(rows) + 1, "barcode", "hold_whose_copy_is_gone")
    rows.append({**planted, "reserve_id": str(HOLD_IDS - 2), "biblionumber": "999999", "barcode": "",
                 "found": "", "waitingdate": "", "branchcode": p.branches[0]})  # fmt: skip
    p.plant("holds.csv", len(rows) + 1, "biblionumber", "hold_on_title_not_in_package")
    _write_csv(p.out / "holds.csv", rows)


def write_fees(p: Package, cards, people, count: int):
    rng = p.rng
    rows = []
    for n in range(count):
        card = rng.choice(cards)
        kind = rng.choices(["OVERDUE", "LOST", "ACCOUNT", "CREDIT"], weights=[80, 5, 10, 5])[0]
        if kind == "ACCOUNT" and people[card][1] < 18:
            kind = "OVERDUE"
        amount = {"OVERDUE": f"{rng.randint(1, 20) * 0.25:.2f}", "LOST": "22.50",
                  "ACCOUNT": "57.50", "CREDIT": f"-{rng.randint(1, 4) * 2.5:.2f}"}[kind]  # fmt: skip
        rows.append({"accountlines_id": str(FEE_IDS + n), "cardnumber": card,
                     "amountoutstanding": amount, "debit_type_code": kind,
                     "date": (p.today - timedelta(days=rng.randint(1, 200))).isoformat(),
                     "description": {"OVERDUE": "Te laat", "LOST": "Vermist exemplaar",
                                     "ACCOUNT": "Contributie", "CREDIT": "Tegoed"}[kind]})  # fmt: skip
    minor = next(c for c in cards if people[c][1] < 18)
    rows.append({**rows[0], "accountlines_id": str(FEE_IDS - 1), "cardnumber": minor,
                 "debit_type_code": "ACCOUNT", "amountoutstanding": "27.50"})  # fmt: skip
    p.plant(
        "fees.csv", len(rows) + 1, "debit_type_code", "subscription_fee_of_minor", "overgeslagen"
    )
    rows.append({**rows[0], "accountlines_id": str(FEE_IDS - 2), "debit_type_code": "NEW_CARD"})
    p.plant("fees.csv", len(rows) + 1, "debit_type_code", "unknown_fee_kind")
    _write_csv(p.out / "fees.csv", rows)


def write_blocks(p: Package, cards, count: int):
    rng = p.rng
    rows = [{"borrower_debarment_id": str(BLOCK_IDS + n), "cardnumber": card, "type": "MANUAL",
             "comment": rng.choice(["Boek beschadigd", "Adres onbekend", "Te laat"]),
             "expiration": ""} for n, card in enumerate(rng.sample(cards, count))]  # fmt: skip
    rows.append(
        {**rows[0], "borrower_debarment_id": str(BLOCK_IDS - 1), "cardnumber": "20000000000000"}
    )
    p.plant("blocks.csv", len(rows) + 1, "cardnumber", "block_of_unknown_member")
    _write_csv(p.out / "blocks.csv", rows)


def _write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_mapping(p: Package) -> None:
    lines = ["[package]", 'record_id = "999$c"', "", "[branches]"]
    lines += [f'HB{i + 1:02d} = "{code}"' for i, code in enumerate(p.branches)]
    lines += ["", "[locations]", 'JEUGD = "J"', 'VOLW = ""', "", "[item_types]"]
    lines += [f'{k} = "{v}"' for k, v in ITEM_TYPES.items()]
    lines += ["", "[patron_categories]"] + [f'{k} = "{v}"' for k, v in CATEGORIES.items()]
    lines += ["", "[fee_kinds]", 'CREDIT = "payment"', ""]
    (p.out / "mapping.toml").write_text("\n".join(lines), encoding="utf-8")


def make(out: Path, copies: int, branches: list[str], municipality: str, today: date,
         seed: int = 17) -> Package:  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    p = Package(out, random.Random(seed), today, [f"HB{i + 1:02d}" for i in range(len(branches))])
    found = write_titles(p, copies)
    items = write_items(p, found, copies)
    cards, people, _refused = write_patrons(p, max(40, copies * 3 // 10), municipality)
    lent, borrowers = write_loans(p, items, cards, max(10, copies * 12 // 100), _refused)
    quiet = next(c for c in cards[30:] if c not in borrowers)
    write_holds(p, items, lent, [c for c in cards if c != quiet], quiet, max(5, copies // 50))
    write_fees(p, cards, people, max(5, copies * 3 // 100))
    write_blocks(p, cards, max(2, copies // 200))
    p.branches = branches
    write_mapping(p)
    with open(out / "planted-faults.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "row", "field", "kind", "expect"])
        for f in p.faults:
            writer.writerow([f.file, f.row, f.field, f.kind, f.expect])
    return p


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", required=True, type=Path)
    parser.add_argument("--copies", type=int, default=100_000)
    parser.add_argument("--branches", default="gm0344-sb1,gm0344-sb2",
                        help="CLB branch codes the package's branches map to")  # fmt: skip
    parser.add_argument("--municipality", default="Utrecht", help="where members live (PC4 list)")
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    p = make(args.output, args.copies, args.branches.split(","), args.municipality, args.today,
             args.seed)  # fmt: skip
    print(f"{args.output}: {args.copies} exemplaren, {len(p.faults)} fouten geplant "
          f"(planted-faults.csv)")  # fmt: skip


if __name__ == "__main__":
    main()
