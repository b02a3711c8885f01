"""The staged real records (Library of Congress books written back as MARC, LoC MARCXML, the
real records pymarc ships; see src/clb/catalogue/data/SOURCES.md): import, repairs,
deduplication, search and the export round trip, on both backends. Expectations are counted
from the files with pymarc here, not written down."""

import csv
import gzip
import io

import pymarc
import pytest

from clb.catalogue import marc, search, services
from clb.catalogue.models import BibRecord, Item, MergeLog

from .marcdata import REAL_FILES, real_bytes

pytestmark = pytest.mark.django_db

# A slice of the 10,000 LoC books keeps the test quick; the whole file is read in test_reading.
LOC_SLICE = 1500


def read(name: str) -> list[pymarc.Record]:
    if REAL_FILES[name].name.endswith(".xml"):
        return pymarc.parse_xml_to_array(io.BytesIO(real_bytes(name)))
    return list(pymarc.MARCReader(io.BytesIO(real_bytes(name)), to_unicode=True))


@pytest.fixture
def real_files(tmp_path):
    """The LoC slice as its own file, every other real file whole, and a holdings CSV giving
    each record of the slice one copy (the real files carry no holdings)."""
    books = read("loc-books")[:LOC_SLICE]
    sliced = tmp_path / "loc-books-slice.mrc.gz"
    sliced.write_bytes(gzip.compress(b"".join(r.as_marc() for r in books)))
    holdings = tmp_path / "holdings.csv"
    with open(holdings, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["barcode", "control_number", "call_number"])
        for n, r in enumerate(books, start=1):
            out.writerow([f"LOC{n:06d}", r["001"].data, f"LOC {n}"])
    others = [p for name, p in REAL_FILES.items() if name != "loc-books"]
    records = books + [r for name in REAL_FILES if name != "loc-books" for r in read(name)]
    return [sliced, *others], holdings, records


def titles(result):
    return [h.record.title for h in result.hits]


def folded_text(record: BibRecord) -> str:
    return marc._fold(" ".join([record.title, record.subtitle, *record.authors,
                                *record.subjects, *record.series]))  # fmt: skip


def test_real_records_import_deduplicate_search_and_round_trip(net, tmp_path, real_files):
    paths, holdings, records = real_files
    report = services.import_marc(paths, net.org_a, branch=net.a1, holdings_csv=holdings)
    assert report.rejected == 0, report.errors[:5]
    assert report.imported + report.merged + report.unchanged == len(records)
    assert report.items == LOC_SLICE == Item.objects.count()
    assert BibRecord.objects.count() == report.imported

    # pymarc repaired fields with three indicators (752 in regression45): kept and reported.
    repaired = [w for w in report.warnings if "indicatoren" in w.reason]
    assert repaired and {w.field for w in repaired} == {"752"}
    assert all(w.file == "regression45.dat" for w in repaired)

    # Every merge is explained by a shared ISBN or the same title/author/year/material key.
    assert report.merged == MergeLog.objects.count()
    for merge in MergeLog.objects.select_related("target"):
        desc = marc.describe(marc.from_marcxml(merge.raw_marc))
        target_isbns = set(merge.target.isbns.values_list("isbn13", flat=True))
        if merge.matched_on == "isbn":
            assert target_isbns & set(desc.isbns)
        else:
            assert merge.target.match_key == desc.match_key and not desc.isbns

    # Leader/06 decides the material: sound recordings of music and scores are music.
    kinds = {marc.control_value(r, "001").strip(): str(r.leader)[6] for r in records}
    music = [r for r in BibRecord.objects.all() if kinds.get(r.control_number) in ("j", "c")]
    assert music and all(r.material_type == "music" for r in music)

    # MARC-8 (leader/09 blank) is decoded: the stored title is pymarc's Unicode reading.
    (marc8,) = read("pymarc-marc8")
    assert str(marc8.leader)[9] == " "
    stored = BibRecord.objects.get(control_number=marc8["001"].data.strip())
    assert stored.title and stored.title in marc8.title

    # Search: words, phrases, ISBN-10 and -13, typos, facets.
    def controls(result):
        return [h.record.control_number for h in result.hits]

    belgica = "00005004"  # Through the first Antarctic night, 1898-1899; … the "Belgica" …
    assert belgica in controls(search.search("belgica antarctic"))
    phrase = search.search('"first antarctic night"', per_page=100)
    assert controls(phrase) == [belgica]
    assert all("first antarctic night" in folded_text(h.record) for h in phrase.hits)
    typo = search.search("belgika")
    assert typo.corrected == "belgica" and belgica in controls(typo)
    scold = ["The town scold"]
    assert titles(search.search("0914378287")) == titles(search.search("9780914378280")) == scold
    everything = search.search("", per_page=1)
    assert everything.total == report.imported
    for facet in ("material_type", "audience"):
        assert sum(n for _v, n in everything.facets[facet]) == everything.total
    assert dict(everything.facets["material_type"])["music"] == len(music)

    # Export, then import into an empty catalogue: the same records and copies.
    def state():
        return (
            sorted(
                BibRecord.objects.values_list(
                    "fingerprint", "title", "year", "material_type", "audience", "language", "isbn"
                )
            ),  # fmt: skip
            sorted(
                Item.objects.values_list(
                    "barcode",
                    "record__fingerprint",
                    "home_branch_id",
                    "item_type_id",
                    "call_number",
                )
            ),  # fmt: skip
        )

    before = state()
    exported = tmp_path / "export.xml"
    with open(exported, "wb") as out:
        assert services.export(out, fmt="marcxml").records == report.imported
    Item.objects.all().delete()
    MergeLog.objects.all().delete()
    BibRecord.objects.all().delete()
    again = services.import_marc([exported], net.org_a, branch=net.a1)
    assert (
        again.summary() == f"imported {report.imported}, merged 0, items {report.items}, rejected 0"
    )
    assert state() == before
