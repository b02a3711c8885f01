"""What each MARC field means in the catalogue (no database needed)."""

import random

import pymarc
import pytest
from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import ValidationError

from clb.catalogue import marc, text

from .marcdata import field, fixed_field, record


def describe(r):
    return marc.describe(r)


def test_title_subtitle_authors_publisher_year():
    r = record(
        "De avonden :",
        subtitle="een winterverhaal /",
        extra=[field("700", ("a", "Kooten, Kees van,"), ind="1 ")],
    )
    d = describe(r)
    assert (d.title, d.subtitle) == ("De avonden", "een winterverhaal")
    assert d.authors == ["Reve, Gerard", "Kooten, Kees van"]
    assert (d.publisher, d.year) == ("De Bezige Bij", 1947)


def test_title_parts_and_leading_article_for_the_match_key():
    r = pymarc.Record(force_utf8=True)
    r.leader = "00000nam a2200000 a 4500"
    r.add_field(
        field("245", ("a", "Het diner."), ("n", "Deel 2,"), ("p", "Het dessert."), ind="14")
    )
    d = describe(r)
    assert d.title == "Het diner. Deel 2, Het dessert"
    assert d.filing_title.startswith("diner")  # 245 ind2 = 4 skips "Het "
    assert d.match_key.startswith("diner deel 2 het dessert|")


def test_264_publication_beats_copyright_and_260_and_008():
    r = record("X", year="1999")
    r.remove_fields("264")
    r.add_ordered_field(field("264", ("c", "©2015"), ind=" 4"))
    r.add_ordered_field(field("264", ("b", "Querido,"), ("c", "[2016]"), ind=" 1"))
    assert describe(r).year == 2016
    r.remove_fields("264")
    r.add_ordered_field(field("260", ("b", "Nijgh & Van Ditmar,"), ("c", "c1987.")))
    assert (describe(r).year, describe(r).publisher) == (1987, "Nijgh & Van Ditmar")
    r.remove_fields("260")
    assert describe(r).year == 1999  # 008/07-10


def test_isbn_check_agrees_with_python_stdnum():
    """text.as_isbn13 checks plain digits itself (faster); python-stdnum stays the reference."""

    def reference(token):
        if not text._ISBN_LIKE.match(token.strip()):
            return None
        try:
            return stdnum_isbn.to_isbn13(stdnum_isbn.validate(token))
        except ValidationError:
            return None

    rng = random.Random(18)
    tokens = ["90-234-6632-2", "080442957X", "080442957x", "123456789", " 90 234 6632 2 ",
              "979-10-90636-07-1", "9790000000000", "97890234663", "9789023466322"]  # fmt: skip
    for _ in range(20_000):
        token = "".join(rng.choice("0123456789") for _ in range(rng.choice([9, 10, 12, 13, 14])))
        token = rng.choice(["978", "979", token[:3]]) + token[3:]
        token = token[:-1] + "X" if rng.random() < 0.2 else token
        tokens.append(token[:3] + "-" + token[3:] if rng.random() < 0.3 else token)
    assert sum(reference(t) is not None for t in tokens) > 500  # valid ones among them
    for token in tokens:
        assert text.as_isbn13(token) == reference(token), token


def test_isbns_normalised_to_isbn13_and_invalid_ones_kept_apart():
    r = record("X", isbn=["90-234-6632-2 (gebonden)", "9789023466321", "0416345409:", "123"])
    d = describe(r)
    assert d.isbns == ["9789023466321", "9780416345407"]
    assert d.invalid_isbns == ["123"]


@pytest.mark.parametrize(
    "fixed_lang,f041,expected", [("dut", None, "dut"), ("   ", "fry", "fry"), ("|||", None, "")]
)
def test_language_from_008_else_041(fixed_lang, f041, expected):
    r = record("X", lang=fixed_lang, extra=[field("041", ("a", f041))] if f041 else [])
    assert describe(r).language == expected


def test_subjects_and_series():
    r = record(
        "X",
        subjects=["Tweede Wereldoorlog"],
        extra=[
            field("650", ("a", "Verzet"), ("z", "Nederland"), ind=" 0"),
            field("655", ("a", "Oorlogsromans."), ind=" 7"),
            field("490", ("a", "Salamander ;"), ("v", "12"), ind="1 "),
            field("800", ("a", "Reve, Gerard."), ("t", "Verzameld werk."), ind="1 "),
        ],
    )
    d = describe(r)
    assert d.subjects == ["Tweede Wereldoorlog", "Verzet Nederland", "Oorlogsromans"]
    assert d.series == ["Salamander", "Verzameld werk"]


@pytest.mark.parametrize(
    "leader6,leader7,f007,form,expected",
    [
        ("a", "m", None, " ", "book"),
        ("a", "m", "cr", " ", "ebook"),
        ("a", "m", None, "o", "ebook"),
        ("a", "s", None, " ", "magazine"),
        ("i", "m", None, " ", "audiobook"),
        ("j", "m", None, " ", "music"),
        ("c", "m", None, " ", "music"),
        ("g", "m", None, " ", "dvd"),
        ("e", "m", None, " ", "other"),
    ],
)
def test_material_type(leader6, leader7, f007, form, expected):
    r = record("X", leader6=leader6, leader7=leader7)
    r.remove_fields("008")
    r.add_ordered_field(pymarc.Field(tag="008", data=fixed_field(form=form)))
    if f007:
        r.add_ordered_field(pymarc.Field(tag="007", data=f007))
    assert describe(r).material_type == expected


@pytest.mark.parametrize(
    "extra,juvenile,expected",
    [
        ([], True, "youth"),  # 008/22 = j
        ([field("521", ("a", "Ages 5-8."))], False, "youth"),
        ([field("521", ("a", "Vanaf groep 5"))], False, "youth"),
        ([field("050", ("a", "PZ7.T2745"), ("b", "Ko 1971"))], False, "youth"),
        ([field("050", ("a", "PZ3.M9"))], False, "adult"),  # PZ1-4: fiction for adults
        ([field("082", ("a", "[Fic]"))], False, "youth"),
        ([field("084", ("a", "283"), ("2", "nur"))], False, "youth"),
        ([field("084", ("a", "301"), ("2", "nur"))], False, "adult"),
        ([field("650", ("a", "Dogs"), ("v", "Juvenile fiction."))], False, "youth"),
        ([], False, "adult"),
    ],
)
def test_audience(extra, juvenile, expected):
    assert describe(record("X", juvenile=juvenile, extra=extra)).audience == expected


def test_serials_008_22_is_not_an_audience():
    r = record("Tijdschrift", leader7="s")
    r.remove_fields("008")
    r.add_ordered_field(pymarc.Field(tag="008", data=fixed_field(audience="j")))
    assert describe(r).audience == "adult"


def test_a_record_without_a_title_is_unusable():
    r = record("X")
    r.remove_fields("245")
    with pytest.raises(marc.Unusable) as err:
        describe(r)
    assert err.value.field == "245"


def test_holdings_852_949_952():
    r = record(
        "X",
        holdings=[("3001", "utr-centrale")],
        extra=[
            field("852", ("a", "Library of Congress"), ("b", "Prints")),  # no barcode: no copy
            field("949", ("a", "PZ7 .T2"), ("i", "3002"), ("l", "utr-overvecht"), ("t", "boek")),
            field("952", ("a", "amf-eemhuis"), ("o", "TERL"), ("p", "3003"), ("y", "jeugdboek")),
        ],
    )
    found = [(h.barcode, h.location, h.call_number, h.item_type) for h in marc.holdings(r)]
    assert found == [
        ("3001", "utr-centrale", "", ""),
        ("3002", "utr-overvecht", "PZ7 .T2", "boek"),
        ("3003", "amf-eemhuis", "TERL", "jeugdboek"),
    ]


def test_marcxml_writer_round_trips_through_pymarc_and_drops_holdings():
    r = record(
        'Tom & Jerry <"de film">',
        holdings=[("3001", "x")],
        extra=[field("500", ("a", "controle\x07teken"))],
    )
    xml = marc.to_marcxml(r)
    assert "852" not in xml and "&amp;" in xml and "\ufffd" in xml  # XML cannot hold \x07
    back = marc.from_marcxml(xml)
    assert back["245"]["a"] == 'Tom & Jerry <"de film">'
    parsed = pymarc.parse_xml_to_array(__import__("io").BytesIO(xml.encode()))[0]
    assert parsed["245"]["a"] == back["245"]["a"] and str(parsed.leader)[9] == "a"
    assert marc.fingerprint(marc.to_marcxml(back)) == marc.fingerprint(xml)


def test_clean_keeps_abbreviations():
    assert marc.clean("Jansen, J. Jr.") == "Jansen, J. Jr."
    assert marc.clean("Multatuli.") == "Multatuli"
    assert marc.clean("De avonden : /") == "De avonden"
