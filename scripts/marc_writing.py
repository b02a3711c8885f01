"""What the crosswalk scripts (loc_json_to_marc.py, dbnl_csv_to_marc.py) share: a data field from
(code, value) pairs, and a reproducible gzip of the records."""

import gzip

import pymarc


def field(tag: str, ind: str, *pairs: tuple[str, str]) -> pymarc.Field:
    """A data field; pairs with an empty value are left out."""
    subfields = [pymarc.Subfield(code, value) for code, value in pairs if value]
    return pymarc.Field(tag=tag, indicators=list(ind), subfields=subfields)


def write_gzip(records, target: str) -> int:
    """ISO 2709, gzip with mtime=0: the same input gives the same bytes, so the file only changes
    when the data does. Returns the number of records."""
    records = list(records)
    with open(target, "wb") as out:
        out.write(gzip.compress(b"".join(r.as_marc() for r in records), mtime=0))
    print(f"{len(records)} records → {target}")
    return len(records)
