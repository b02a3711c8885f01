"""MARC records for tests, built with pymarc (our own test data, not copied files)."""

import pymarc


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
    subtitle=None,
    subjects=(),
):
    r = pymarc.Record(force_utf8=True)
    r.leader = f"00000n{leader6}m a2200000 a 4500"
    if control:
        r.add_ordered_field(pymarc.Field(tag="001", data=control))
    fixed = [" "] * 40  # MARC21 008 for books, by position
    fixed[0:6], fixed[6], fixed[7:11], fixed[15:18] = "250101", "s", year[:4].ljust(4), "ne "
    fixed[22], fixed[35:38], fixed[39] = "j" if juvenile else " ", lang, "d"
    r.add_ordered_field(pymarc.Field(tag="008", data="".join(fixed)))
    if isbn:
        r.add_ordered_field(
            pymarc.Field(tag="020", indicators=[" ", " "], subfields=[pymarc.Subfield("a", isbn)])
        )
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
                pymarc.Subfield("a", "Amsterdam"),
                pymarc.Subfield("b", "De Bezige Bij,"),
                pymarc.Subfield("c", year),
            ],
        )
    )
    for s in subjects:
        r.add_ordered_field(
            pymarc.Field(tag="650", indicators=[" ", "0"], subfields=[pymarc.Subfield("a", s)])
        )
    for barcode, branch in holdings:
        r.add_ordered_field(
            pymarc.Field(
                tag="852",
                indicators=[" ", " "],
                subfields=[pymarc.Subfield("b", branch), pymarc.Subfield("p", barcode)],
            )
        )
    return r


def iso2709(*records) -> bytes:
    return b"".join(r.as_marc() for r in records)


def marcxml(*records) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?><collection xmlns="http://www.loc.gov/MARC21/slim">'
        + b"".join(pymarc.record_to_xml(r) for r in records)
        + b"</collection>"
    )
