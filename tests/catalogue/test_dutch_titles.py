"""Dutch books in the catalogue: the DBNL title list (scripts/dbnl_csv_to_marc.py) and the LoC and
University of Virginia MARC with ISBNs and years, through the importer; search with Dutch
stemming on real Dutch titles, on both backends."""

import pytest

from clb.catalogue import search, services
from clb.catalogue.models import Audience, BibRecord, MaterialType
from clb.network.models import Organisation

from .marcdata import REAL as DATA

# Committed and truncated afterwards rather than rolled back: thousands of rolled-back search
# words would stay behind as dead rows in PostgreSQL's trigram index and sway the planner in
# later tests (test_index_schema).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def organisation(transactional_db):
    return Organisation.objects.create(code="bieb", name="Bieb")


def titles(result) -> list[str]:
    return [h.record.title for h in result.hits]


def test_dbnl_titles_are_found_in_dutch(organisation):
    report = services.import_marc([DATA / "dbnl-titles.mrc.gz"], organisation)
    assert report.rejected == 0 and report.imported + report.merged == 5800
    havelaar = search.search("Max Havelaar", per_page=10)
    assert {
        "Max Havelaar of de koffiveilingen der Nederlandsche Handelmaatschappy",
        "Max Havelaar. Deel 1. Tekst",
        "Max Havelaar. Deel 2. Apparaat en commentaar",
    } <= set(titles(havelaar))
    first = BibRecord.objects.get(control_number="mult001maxh01")
    assert (first.authors, first.year, first.language) == (["Multatuli"], 1860, "dut")
    # Dutch stemming on real titles: "oorlog" also finds "oorlogen" and "oorlogs-daden".
    war = titles(search.search("oorlog", per_page=100))
    assert "Den oorspronck, begin ende aenvanck der Nederlandtscher oorlogen" in war
    assert "Het prince liet-boeck, of trompet des oorlogs" in war
    assert len(war) >= 17
    stories = titles(search.search("verhaal", per_page=100))  # and verhalen
    assert (
        "Bijbelse verhalen" in stories
        and "Ab en zijne vrienden. Een verhaal voor jongens" in stories
    )
    poems = search.search("gedicht", per_page=1)  # and gedichten
    assert poems.total >= 74
    history = search.search("geschiedenis", per_page=1)
    assert history.total >= 97
    # Facets: all Dutch, a spread of decades; journals are magazines, children's books youth.
    everything = search.search("", per_page=1)
    assert dict(everything.facets["language"]) == {"dut": BibRecord.objects.count()}
    decades = dict(everything.facets["decade"])
    assert {"1860", "1920", "1990"} <= set(decades) and len(decades) > 30
    assert dict(everything.facets["material_type"])[MaterialType.MAGAZINE] > 1000
    assert dict(everything.facets["audience"])[Audience.YOUTH] > 400
    journal = BibRecord.objects.get(title="De Gids. Jaargang 100")
    assert journal.authors == [] and journal.material_type == MaterialType.MAGAZINE
    castelein = BibRecord.objects.get(control_number="cast005hist01")
    assert castelein.authors == ["Castelein, Matthijs de"]  # filed as Dutch libraries do


def test_loc_and_uva_records_bring_isbns_and_years(organisation):
    staged = ["loc-sru-sample-386.mrc.gz", "uva-solrmarc-2000.mrc.gz"]
    report = services.import_marc([DATA / name for name in staged], organisation)
    assert report.imported > 2300
    with_isbn = BibRecord.objects.exclude(isbn="").count()
    assert with_isbn > 1200
    with_year = BibRecord.objects.filter(year__isnull=False).count()
    assert with_year > 2000
    # A UVA record is found by its ISBN typed with hyphens.
    found = BibRecord.objects.filter(control_number__startswith="u").exclude(isbn="").first()
    isbn = found.isbn
    hyphenated = f"{isbn[:3]}-{isbn[3:4]}-{isbn[4:7]}-{isbn[7:12]}-{isbn[12:]}"
    assert found.pk in [h.record.pk for h in search.search(hyphenated).hits]
    decades = dict(search.search("", per_page=1).facets["decade"])
    assert len(decades) > 10
