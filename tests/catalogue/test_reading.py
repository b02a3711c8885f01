"""Reading files: every broken input gets a clear message naming the record or field."""

import gzip

import pytest

from clb.catalogue import reading

from .marcdata import (
    REAL,
    REAL_COUNTS,
    iso2709,
    marc8_record,
    marcxml,
    raw_record,
    real_bytes,
    record,
)


def entries(data: bytes, fmt="auto"):
    return reading.read_bytes(data, fmt=fmt)[0]


def test_real_files_read_completely():
    for name, count in REAL_COUNTS.items():
        found = entries(real_bytes(name))
        assert len(found) == count
        assert all(e.record is not None for e in found), [e.problem for e in found if not e.record]


def test_marc8_is_decoded():
    (entry,) = entries(marc8_record("M1", b"Caf\xe2e de Paris", b"Bront\xe8e, Charlotte"))
    assert entry.record["245"]["a"] == "Café de Paris"
    assert entry.record["100"]["a"] == "Brontë, Charlotte"
    assert entry.control_number == "M1"


def test_utf8_record_with_bytes_that_are_not_utf8_names_the_field():
    good = raw_record([("001", b"U1"), ("245", b"10\x1faGoed")], leader9=b"a")
    bad = raw_record([("001", b"U2"), ("245", b"10\x1faFout \xe9 Latin-1")], leader9=b"a")
    first, second, third = entries(good + bad + good)
    assert first.record is not None and third.record is not None
    assert second.record is None and (second.field, second.control_number) == ("245", "U2")
    assert "UTF-8" in second.problem


def test_utf8_record_labelled_marc8_is_read_as_utf8_and_reported():
    """Leader/09 blank says MARC-8; read so, the UTF-8 bytes of "é" would become two MARC-8
    characters. Valid UTF-8 beyond ASCII is read as UTF-8, with a repair the report shows."""
    wrong = raw_record([("001", b"L1"), ("245", "10\x1faCaf\u00e9 Brontë".encode())])
    (entry,) = entries(wrong)
    assert entry.record["245"]["a"] == "Café Brontë"
    assert ("leader", reading.MISLABELLED_UTF8) in entry.repairs


def test_marc8_with_diacritics_is_not_taken_for_utf8():
    (entry,) = entries(marc8_record("M2", b"Caf\xe2e", b"Bront\xe8e, Charlotte"))
    assert entry.record["245"]["a"] == "Café"
    assert entry.repairs == []


def test_wrong_leader_length_is_that_record_only():
    good = iso2709(record("Goed", control="G1"))
    wrong = raw_record([("001", b"W1"), ("245", b"10\x1faFout")], leader9=b"a", length=99999)
    found = entries(good + wrong + good)
    assert [e.record is not None for e in found] == [True, False, True]
    assert found[1].field == "leader" and "99999" in found[1].problem
    assert found[1].control_number == "W1"


def test_truncated_last_record():
    data = iso2709(record("Eerste", control="T1"), record("Tweede", control="T2"))[:-40]
    first, second = entries(data)
    assert first.record is not None
    assert second.record is None and "afgebroken" in second.problem


def test_a_leader_that_is_not_numbers():
    data = b"abcde" + iso2709(record("X", control="L1"))[5:]
    (entry,) = entries(data)
    assert entry.field == "leader" and "geen getal" in entry.problem


def test_directory_pointing_outside_the_record():
    data = bytearray(raw_record([("001", b"D1"), ("245", b"10\x1faX")], leader9=b"a"))
    data[24 + 12 + 3 : 24 + 12 + 7] = b"0999"  # 245's length in the directory
    (entry,) = entries(bytes(data))
    assert (entry.field, entry.control_number) == ("245", "D1")


def test_line_breaks_between_records_are_not_records():
    one = iso2709(record("Een", control="N1"))
    assert len(entries(one + b"\n" + one + b"\r\n")) == 2


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "leeg"),
        (b"  \n", "leeg"),
        (b"<collection><record>", "geen geldige MARCXML"),
        (b"<?xml version='1.0'?><html><body/></html>", "geen MARCXML-records"),
    ],
)
def test_files_refused_whole(data, message):
    with pytest.raises(reading.FileUnreadable) as err:
        entries(data)
    assert message in str(err.value) and err.value.field == "file"


def test_xml_is_not_iso2709_when_asked_for():
    with pytest.raises(reading.FileUnreadable, match="geen ISO 2709"):
        entries(marcxml(record("X")), fmt="iso2709")


def test_broken_gzip(tmp_path):
    path = tmp_path / "x.mrc.gz"
    path.write_bytes(gzip.compress(iso2709(record("X")))[:-10])
    with pytest.raises(reading.FileUnreadable, match="gzip"):
        reading.open_source(path)


def test_missing_file(tmp_path):
    with pytest.raises(reading.FileUnreadable, match="nergens.mrc"):
        reading.open_source(tmp_path / "nergens.mrc")


def test_marcxml_record_breaking_the_schema_is_that_record_only():
    data = marcxml(record("Goed", control="X1"), record("Ook goed", control="X3")).replace(
        b' tag="245"', b"", 1
    )
    first, second = entries(data)
    assert first.record is None and "tag" in first.problem
    assert second.record is not None and second.control_number == "X3"


def test_marcxml_streams_many_records():
    many = marcxml(*[record(f"Titel {i}", control=f"S{i}") for i in range(300)])
    source = reading.source_from_bytes(many)
    assert source.total == 300
    assert [e.control_number for e in source.entries()] == [f"S{i}" for i in range(300)]


def test_pymarcs_real_broken_file_reports_each_bad_record_and_keeps_the_good_ones():
    data = (REAL / "pymarc" / "bad_records.mrc").read_bytes()
    found = entries(data)
    assert [e.number for e in found] == list(range(1, 10))
    assert [e.number for e in found if e.record is not None] == [1, 8]
    problems = {e.number: (e.field, e.problem) for e in found if e.record is None}
    assert problems[2] == ("leader", "basisadres 99937 klopt niet met de directory")
    assert problems[6][0] == "leader" and "geen getal" in problems[6][1]
    assert problems[9][0] == "record" and problems[9][1].startswith("afgebroken")
