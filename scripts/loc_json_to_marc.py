"""Write the steering side's Library of Congress book records (shared/data/catalogue/
loc-books-10k.json.gz, flattened from LoC MARC to JSON) back as MARC 21, so the catalogue's
import, search and benchmark run on thousands of real records.

The JSON keeps neither ISBN, date nor language, and it separated subject headings from their
subdivisions; we write only what it holds and invent nothing: 008 carries "no attempt to code"
for what is unknown, subject subdivisions become uncontrolled index terms (653).

    python scripts/loc_json_to_marc.py ../shared/data/catalogue/loc-books-10k.json.gz \
        src/clb/catalogue/data/loc-books.mrc.gz
"""

import gzip
import json
import sys

import pymarc

from marc_writing import field, write_gzip

SUBDIVISIONS = ("subjectsGeneral", "subjectsGeo", "subjectsChrono", "subjectsForm")


def title_subfields(title: str, responsibility: str | None) -> list[tuple[str, str]]:
    # ISBD punctuation survived the flattening: " : " opens the remainder of the title.
    main, sep, rest = title.partition(" : ")
    pairs = [("a", main + (" :" if sep else ""))]
    if sep:
        pairs.append(("b", rest))
    if responsibility:
        pairs.append(("c", responsibility))
    return pairs


def to_marc(doc: dict) -> pymarc.Record:
    r = pymarc.Record(force_utf8=True)
    r.leader = pymarc.Leader("00000nam a2200000 a 4500")
    lccn = doc["id"].strip()
    r.add_field(pymarc.Field(tag="001", data=lccn))
    r.add_field(pymarc.Field(tag="003", data="DLC"))
    # 008 for books: dates and language unknown (|), nothing else coded.
    r.add_field(pymarc.Field(tag="008", data="||||||" + "|" * 32 + " d"))
    r.add_field(field("010", "  ", ("a", lccn)))
    if doc.get("author"):
        r.add_field(
            field(
                "100",
                "1 ",
                ("a", doc["author"]),
                ("q", doc.get("authorFuller")),
                ("d", doc.get("authorDate")),
            )  # fmt: skip
        )
    r.add_field(field("245", "10", *title_subfields(doc["title"], doc.get("responsibility"))))
    if doc.get("publisher"):
        r.add_field(field("260", "  ", ("a", doc["publisher"])))
    for heading in doc.get("subjects", []):
        r.add_field(field("650", " 0", ("a", heading)))
    for key in SUBDIVISIONS:
        for term in doc.get(key, []):
            r.add_field(field("653", "  ", ("a", term)))
    for name in doc.get("authorsOther", []):
        r.add_field(field("700", "1 ", ("a", name)))
    for url in doc.get("urls_ss", []):
        r.add_field(field("856", "4 ", ("u", url)))
    return r


def main(source: str, target: str) -> None:
    with gzip.open(source, "rb") as fh:
        docs = json.load(fh)
    docs.sort(key=lambda d: d["id"])
    write_gzip((to_marc(d) for d in docs), target)


if __name__ == "__main__":
    main(*sys.argv[1:3])
