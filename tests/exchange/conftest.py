"""A small national catalogue with ISILs on both organisations and their branches."""

from dataclasses import dataclass

import pytest

from clb.catalogue.models import BibRecord, Item
from tests.factories import make_item, make_record


@dataclass
class Shelf:
    net: object
    records: list[BibRecord]
    items: list[Item]


BOOKS = [
    ("De avonden", ["Reve, Gerard"], 1947, ["Naoorlogse literatuur"], "9789023466345"),
    ("Het bittere kruid", ["Minco, Marga"], 1957, ["Tweede Wereldoorlog"], ""),
    ("Max Havelaar", ["Multatuli"], 1860, ["Koloniale geschiedenis", "Nederlands-Indië"], ""),
    ("Het achterhuis", ["Frank, Anne"], 1947, ["Tweede Wereldoorlog", "Dagboeken"], ""),
    ("Kruistocht in spijkerbroek", ["Beckman, Thea"], 1973, ["Kruistochten"], ""),
    ("Oorlog en terpentijn", ["Hertmans, Stefan"], 2013, ["Eerste Wereldoorlog"], ""),
    ("De aanslag", ["Mulisch, Harry"], 1982, ["Tweede Wereldoorlog"], ""),
    ("Koning van Katoren", ["Biegel, Paul"], 1971, ["Koningen", "Sprookjes"], ""),
    ("Kinderen van Katoren", ["Biegel, Paul"], 1999, ["Koningen"], ""),
    ("Het diner", ["Koch, Herman"], 2009, [], ""),
    ("Tonio", ["Meijsing, A.F.Th. van der", "Heijden, A.F.Th. van der"], 2011, ["Rouw"], ""),
    ("De ontdekking van de hemel", ["Mulisch, Harry"], 1992, ["Filosofie"], ""),
]


@pytest.fixture
def shelf(net) -> Shelf:
    for obj, isil in (
        (net.org_a, "NL-0344UB"),
        (net.org_b, "NL-0307EL"),
        (net.a1, "NL-0344UB01"),
        (net.a2, "NL-0344UB02"),
        (net.b1, "NL-0307EL01"),
    ):
        obj.isil = isil
        obj.save()
    records, items = [], []
    for n, (title, authors, year, subjects, isbn) in enumerate(BOOKS):
        record = make_record(
            title, authors, year=year, subjects=subjects, isbn=isbn, language="dut"
        )
        records.append(record)
        items.append(
            make_item(net.a1 if n % 2 == 0 else net.b1, record, barcode=f"40000000{n:05d}")
        )
    items.append(make_item(net.b1, records[0], barcode="4000000099999"))
    return Shelf(net, records, items)
