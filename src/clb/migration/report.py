"""The report of a run: one line per row of the package (what was or would be created,
merged, updated, left unchanged, skipped, refused) and per problem, with the file, row number
and field; written as CSV files (clb.exports: Dutch spreadsheet style, no cell runs as a formula) and a
one-page HTML summary."""

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from clb import exports

CREATED = "aangemaakt"
MERGED = "samengevoegd"
UPDATED = "bijgewerkt"
UNCHANGED = "ongewijzigd"
SKIPPED = "overgeslagen"
REFUSED = "geweigerd"
WARNING = "waarschuwing"
REVIEW = "controleren"
OUTCOMES = (CREATED, MERGED, UPDATED, UNCHANGED, SKIPPED, REFUSED, WARNING, REVIEW)
HEADER = ("bestand", "rij", "bron_id", "veld", "uitkomst", "melding")
FILES = ("rijen.csv", "problemen.csv", "controleren.csv", "samenvatting.html")
TITLES = {
    CREATED: _("aangemaakt"),
    MERGED: _("samengevoegd met wat CLB al had"),
    UPDATED: _("bijgewerkt"),
    UNCHANGED: _("ongewijzigd (al gemigreerd)"),
    SKIPPED: _("overgeslagen"),
    REFUSED: _("geweigerd"),
    WARNING: _("binnengekomen met een waarschuwing"),
    REVIEW: _("mogelijk dezelfde persoon: controleren"),
}


@dataclass
class Line:
    file: str
    row: int
    source_id: str
    field: str
    outcome: str
    message: str

    def as_row(self):
        return (self.file, self.row, self.source_id, self.field, self.outcome, self.message)


class Report:
    def __init__(self):
        self.lines: list[Line] = []
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.ignored: list[str] = []

    def add(self, file, row, source_id, outcome, message="", field="") -> None:
        self.lines.append(Line(file, row, str(source_id), field, outcome, str(message)))
        self.counts[file][outcome] += 1

    def counts_dict(self) -> dict[str, dict[str, int]]:
        return {file: dict(counter) for file, counter in sorted(self.counts.items())}

    def problems(self) -> list[Line]:
        return [line for line in self.lines if line.outcome in (REFUSED, WARNING, SKIPPED)]

    def reviews(self) -> list[Line]:
        return [line for line in self.lines if line.outcome == REVIEW]

    def write(self, folder: Path, context: dict) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, lines in (("rijen.csv", self.lines), ("problemen.csv", self.problems()),
                            ("controleren.csv", self.reviews())):  # fmt: skip
            with open(folder / name, "w", encoding="utf-8", newline="") as fh:
                exports.write_csv(fh, [HEADER, *(line.as_row() for line in lines)])
        groups = defaultdict(list)
        for line in self.problems() + self.reviews():
            groups[(line.outcome, line.file, line.field, _kind(line.message))].append(line)
        html = render_to_string(
            "migration/summary.html",
            {
                **context,
                "counts": self.counts_dict(),
                "outcomes": OUTCOMES,
                "titles": TITLES,
                "groups": sorted(
                    ((k, v[:5], len(v)) for k, v in groups.items()),
                    key=lambda g: (OUTCOMES.index(g[0][0]), g[0][1], -g[2]),
                ),
                "ignored": self.ignored,
            },
        )
        (folder / "samenvatting.html").write_text(html, encoding="utf-8")


def _kind(message: str) -> str:
    """A message without its particulars (numbers, quoted codes), to group alike problems."""
    import re

    return re.sub(r"'[^']*'|\d[\d\-: .,]*", "…", message)[:120]


def read_lines(path: Path) -> list[Line]:
    """A written report back (tests, the admin)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=";")
        next(reader)
        return [Line(f, int(r), s, fld, o, m) for f, r, s, fld, o, m in reader]
