"""Write the steering side's DBNL title list (shared/data/catalogue/dbnl-titles-5800.csv: real
Dutch-language titles from the Digitale Bibliotheek voor de Nederlandse Letteren with author,
year, genres and links to DBNL's e-books) as MARC 21, so that Dutch books reach the demo
catalogue through the importer like every other record.

What the list holds is written, nothing is invented:
  001/003   DBNL's title id, "DBNL"
  008       date (a year: type s; "1900-1901": m; "ca. 1750": q; anything else: n, uuuu),
            language dut, juvenile (j) for "jeugdliteratuur", place unknown
  100/110   the first author (see `heading`); 700/710 the others; none for a journal volume
            (DBNL names the journal as its author: "Gids, De" for "De Gids. Jaargang 100"),
            which is a serial (leader/07 s) in the series of its journal (830)
  245       the title (nonfiling characters for a leading De, Het, Een or 't)
  250       the edition ("1ste druk"), 264 _1 $c the date as DBNL writes it
  500       the source; 655 _7 each DBNL genre ($2 local: not a controlled vocabulary)
  856 4_    DBNL's EPUB and PDF, where given
No ISBN, publisher or subject headings: the list has none.

Authors come in direct order ("Matthijs de Castelein", "Frans Budé en Hans van de Waarsenburg").
They are inverted as Dutch libraries file them — surname first, particles after the forenames
("Castelein, Matthijs de"); a one-word name (Multatuli) stays as it is. Flemish practice keeps
particles with the surname ("Van Peene"); the list does not say which applies, so Dutch practice
is used throughout. Names that are not persons (a society, a journal) become 110/710.

    python scripts/dbnl_csv_to_marc.py ../shared/data/catalogue/dbnl-titles-5800.csv \
        src/clb/catalogue/data/dbnl-titles.mrc.gz
"""

import csv
import re
import sys

import pymarc

from marc_writing import field, write_gzip

PARTICLES = {"de", "den", "der", "des", "van", "von", "ten", "ter", "te", "'t", "het", "la", "le",
             "du", "da", "di", "d'", "in", "op", "l'", "'s", "van't"}  # fmt: skip
SUFFIXES = {"jr.", "sr.", "jr", "sr", "jzn.", "jzn", "czn.", "czn"}
# Words that mark a body, not a person, in DBNL's author field.
CORPORATE = re.compile(
    r"genootschap|vereeniging|vereniging|maatschappij|museum|bijdragen|mededeelingen|"
    r"mededelingen|tijdschrift|hermes|redactie|comité|commissie|stichting|academie|instituut|"
    r"college|maandschrift|jaarboek|almanak|bulletin|kroniek|revue|gids\b|blad\b",
    re.I,
)
ARTICLES = ("De ", "Het ", "Een ", "'t ")
GENRES = {
    "sec - letterkunde": "secundaire literatuur: letterkunde",
    "sec - taalkunde": "secundaire literatuur: taalkunde",
}


def uninverted(name: str) -> str:
    """DBNL inverts a leading article of a body's name: "Vlaamsche Gids, De"."""
    head, _sep, article = name.rpartition(", ")
    return f"{article} {head}" if head and article in ("De", "Het", "Een", "'t") else name


def is_body(name: str) -> bool:
    """A journal, society or other body rather than a person: its name says so, or it holds a
    lowercase word that is no name particle ("Jaarboek voor Nederlandse boekgeschiedenis")."""
    if CORPORATE.search(name) or uninverted(name) != name:
        return True
    words = name.replace("-", " ").split()
    return any(w[:1].islower() and w.lower() not in PARTICLES | {"en"} for w in words)


def names(author: str) -> list[str]:
    """Persons in "A, B en C" → [A, B, C]; a body's name is kept whole."""
    author = " ".join(author.split())
    if not author or author.casefold() == "anoniem":  # DBNL's word for "no author known"
        return []
    if is_body(author):
        return [uninverted(author)]
    parts = [p.strip() for p in re.split(r",\s+|\s+en\s+|\s+&\s+", author)]
    return [p for p in parts if p]


def heading(name: str) -> tuple[str, str, str]:
    """(tag suffix "00" or "10", first indicator, $a) for one name."""
    if is_body(name):
        return "10", "2", name
    words = name.split()
    suffix = ""
    if len(words) > 1 and words[-1].lower() in SUFFIXES:
        suffix = " " + words.pop()
    if len(words) == 1:
        return "00", "0", words[0] + suffix  # a pseudonym or a forename alone
    # A double surname joined by a particle starts at its hyphen: Holst-van der Schalk.
    start = next(
        (i for i, w in enumerate(words[1:], 1) if "-" in w and w.split("-")[1] in PARTICLES),
        len(words) - 1,
    )
    surname, rest = " ".join(words[start:]), words[:start]
    return "00", "1", f"{surname}{suffix}, {' '.join(rest)}"


def fixed_date(text: str) -> tuple[str, str, str]:
    """008/06-14: (type of date, date 1, date 2)."""
    text = text.strip()
    if re.fullmatch(r"\d{4}", text):
        return "s", text, "    "
    m = re.fullmatch(r"(\d{4})-(\d{4})", text)
    if m:
        return "m", m.group(1), m.group(2)
    m = re.fullmatch(r"ca\.\s*(\d{4})", text)
    if m:
        return "q", m.group(1), m.group(1)
    return "n", "uuuu", "uuuu"


def journal_of(row: dict) -> str:
    """The journal's name when the row is a volume of a journal: DBNL then gives the journal,
    inverted ("Gids, De"), as the author and its name opens the title ("De Gids. Jaargang 100")."""
    name = uninverted(" ".join(row["author"].split()))
    title = " ".join(row["title"].split())
    return name if name and re.match(re.escape(name) + r"(\.| |$)", title) else ""


def to_marc(row: dict) -> pymarc.Record:
    r = pymarc.Record(force_utf8=True)
    journal = journal_of(row)
    # A journal volume is a serial (leader/07 s), everything else a monograph.
    r.leader = pymarc.Leader(f"00000na{'s' if journal else 'm'} a22000007i 4500")
    r.add_field(pymarc.Field(tag="001", data=row["dbnl_id"].strip()))
    r.add_field(pymarc.Field(tag="003", data="DBNL"))
    genres = [g.strip() for g in row["genres"].split("|") if g.strip()]
    kind, date1, date2 = fixed_date(row["year"])
    # 00-05 entered (unknown), 06 type of date, 07-14 dates, 15-17 place (unknown), 18-34 the
    # material's own positions, 35-37 language, 39 cataloguing source (other).
    if journal:  # 18-19 frequency, regularity unknown; 21 periodical
        material = "|| p" + "  " + " " * 9 + "||"
    else:  # 22 target audience: juvenile for "jeugdliteratuur"
        material = "    " + ("j" if "jeugdliteratuur" in genres else " ") + " " * 12
    r.add_field(pymarc.Field(tag="008", data=f"||||||{kind}{date1}{date2}xx {material}dut d"))
    people = [] if journal else names(row["author"])
    for i, name in enumerate(people):
        suffix, ind1, value = heading(name)
        tag = ("1" if i == 0 else "7") + suffix
        r.add_field(field(tag, ind1 + " ", ("a", value), ("4", "aut" if suffix == "00" else "")))
    title = " ".join(row["title"].split())
    skip = next((len(a) for a in ARTICLES if title.startswith(a)), 0)
    r.add_field(field("245", ("1" if people else "0") + str(skip), ("a", title)))
    if row["edition"].strip() not in ("", "?"):
        r.add_field(field("250", "  ", ("a", row["edition"].strip())))
    if row["year"].strip() not in ("", "?"):
        r.add_field(field("264", " 1", ("c", row["year"].strip())))
    r.add_field(
        field("500", "  ", ("a", "Titelgegevens: DBNL, Digitale Bibliotheek voor de Nederlandse "
                                 "Letteren (dbnl.org), titellijst ca. januari 2024."))
    )  # fmt: skip
    if journal:
        r.add_field(field("830", " 0", ("a", journal)))
    for genre in genres:
        r.add_field(field("655", " 7", ("a", GENRES.get(genre, genre)), ("2", "local")))
    for url, label in ((row["epub_url"], "EPUB bij DBNL"), (row["pdf_url"], "PDF bij DBNL")):
        if url.strip():
            r.add_field(field("856", "4 ", ("u", url.strip()), ("y", label)))
    return r


def main(source: str, target: str) -> None:
    with open(source, encoding="utf-8", newline="") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda row: row["dbnl_id"])
    write_gzip((to_marc(row) for row in rows), target)


if __name__ == "__main__":
    main(*sys.argv[1:3])
