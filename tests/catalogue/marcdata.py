"""MARC records for tests, built with pymarc or byte by byte (our own test data), and the staged
real records (src/clb/catalogue/data, see SOURCES.md there)."""

import gzip
from pathlib import Path

import pymarc

REAL = Path(__file__).resolve().parents[2] / "src" / "clb" / "catalogue" / "data"
REAL_FILES = {
    "loc-books": REAL / "loc-books.mrc.gz",
    "loc-opera": REAL / "loc-opera-43.xml",
    "pymarc-marc": REAL / "pymarc" / "marc.dat",
    "pymarc-test": REAL / "pymarc" / "test.dat",
    "pymarc-regression45": REAL / "pymarc" / "regression45.dat",
    "pymarc-diacritic": REAL / "pymarc" / "diacritic.dat",
    "pymarc-multi-isbn": REAL / "pymarc" / "multi_isbn.dat",
    "pymarc-marc8": REAL / "pymarc" / "marc8.dat",
    "pymarc-batch": REAL / "pymarc" / "batch.xml",
}
REAL_COUNTS = {
    "loc-books": 10000,
    "loc-opera": 43,
    "pymarc-marc": 20,
    "pymarc-test": 10,
    "pymarc-regression45": 12,
    "pymarc-diacritic": 1,
    "pymarc-multi-isbn": 1,
    "pymarc-marc8": 1,
    "pymarc-batch": 2,
}


def real_bytes(name: str) -> bytes:
    data = REAL_FILES[name].read_bytes()
    return gzip.decompress(data) if REAL_FILES[name].suffix == ".gz" else data


def fixed_field(year="1947", lang="dut", audience=" ", form=" ", country="ne ") -> str:
    """MARC 21 008 for books, by position."""
    f = [" "] * 40
    f[0:6], f[6], f[7:11], f[15:18] = "250101", "s", year[:4].ljust(4), country
    f[22], f[23], f[35:38], f[39] = audience, form, lang, "d"
    return "".join(f)


def record(
    title,
    author="Reve, Gerard",
    isbn=None,
    year="1947",
    lang="dut",
    control=None,
    juvenile=False,
    holdings=(),
    leader6="a",
    leader7="m",
    subtitle=None,
    subjects=(),
    extra=(),
    publisher="De Bezige Bij,",
):
    """A record; `holdings` are (barcode, branch) pairs written as 852 $p/$b; `extra` are more
    pymarc fields."""
    r = pymarc.Record(force_utf8=True)
    r.leader = f"00000n{leader6}{leader7} a2200000 a 4500"
    if control:
        r.add_ordered_field(pymarc.Field(tag="001", data=control))
    r.add_ordered_field(
        pymarc.Field(tag="008", data=fixed_field(year, lang, "j" if juvenile else " "))
    )
    for number in [isbn] if isinstance(isbn, str) else isbn or []:
        r.add_ordered_field(
            pymarc.Field(tag="020", indicators=[" ", " "], subfields=[pymarc.Subfield("a", number)])
        )
    if author:
        r.add_ordered_field(
            pymarc.Field(tag="100", indicators=["1", " "], subfields=[pymarc.Subfield("a", author)])
        )
    sub = [pymarc.Subfield("a", title)] + ([pymarc.Subfield("b", subtitle)] if subtitle else [])
    r.add_ordered_field(pymarc.Field(tag="245", indicators=["1", "0"], subfields=sub))
    r.add_ordered_field(
        pymarc.Field(
            tag="264",
            indicators=[" ", "1"],
            subfields=[
                pymarc.Subfield("a", "Amsterdam :"),
                pymarc.Subfield("b", publisher),
                pymarc.Subfield("c", year),
            ],
        )
    )
    for s in subjects:
        r.add_ordered_field(
            pymarc.Field(tag="650", indicators=[" ", "0"], subfields=[pymarc.Subfield("a", s)])
        )
    for f in extra:
        r.add_ordered_field(f)
    for barcode, branch in holdings:
        r.add_ordered_field(
            pymarc.Field(
                tag="852",
                indicators=[" ", " "],
                subfields=[pymarc.Subfield("b", branch), pymarc.Subfield("p", barcode)],
            )
        )
    return r


def field(tag, *subfields, ind="  "):
    """A data field from ("a", "value") pairs."""
    return pymarc.Field(
        tag=tag,
        indicators=[ind[0], ind[1]],
        subfields=[pymarc.Subfield(c, v) for c, v in subfields],
    )


def iso2709(*records) -> bytes:
    return b"".join(r.as_marc() for r in records)


def marcxml(*records) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?><collection xmlns="http://www.loc.gov/MARC21/slim">'
        + b"".join(pymarc.record_to_xml(r) for r in records)
        + b"</collection>"
    )


def raw_record(fields: list[tuple[str, bytes]], *, leader9=b" ", length=None) -> bytes:
    """ISO 2709 written byte by byte: `fields` are (tag, bytes without the field terminator);
    leader/09 blank means MARC-8. `length` overrides the record length in the leader."""
    directory, body = b"", b""
    for tag, data in fields:
        data += b"\x1e"
        directory += tag.encode() + b"%04d%05d" % (len(data), len(body))
        body += data
    base = 24 + len(directory) + 1
    total = base + len(body) + 1
    leader = b"%05d" % (length if length is not None else total)
    leader += b"nam" + b" " + leader9 + b"22" + b"%05d" % base + b" a 4500"
    return leader + directory + b"\x1e" + body + b"\x1d"


def marc8_record(control: str, title: bytes, author: bytes = b"") -> bytes:
    """A MARC-8 record (leader/09 blank): e.g. b"Caf\\xe2e" is "Café" (combining acute first)."""
    fields = [("001", control.encode()), ("008", fixed_field().encode())]
    if author:
        fields.append(("100", b"1 \x1fa" + author))
    fields.append(("245", b"10\x1fa" + title))
    return raw_record(fields)
