"""Tables as every output shows them: the dashboard, its CSV downloads and the report files all
receive the same rows, with suppressed figures already replaced."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clb import exports

from .engine import Figure

SUPPRESSED = "< 10"
NO_DATA = "–"


def status_label(final: bool) -> str:
    return _("definitief") if final else _("voorlopig")


def number(value: float, decimals: int = 0):
    """An int, or a Decimal that keeps its number of decimals for display."""
    if decimals <= 0:
        return int(round(value))
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals))


def cell(figure: Figure):
    """The value anyone may see: a rounded number, "< 10" or "–"."""
    if figure.suppressed:
        return SUPPRESSED
    if figure.value is None:
        return NO_DATA
    return number(figure.value, figure.indicator.decimals)


def display(value) -> str:
    """Dutch notation: 12.345,6."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return str(value)
    decimals = max(0, -value.as_tuple().exponent) if isinstance(value, Decimal) else 0
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


@dataclass
class Table:
    name: str  # slug in the CSV address
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""
    keys: list[str] = field(default_factory=list)  # machine names of the columns, if any
    # Columns shown on the page (all when None); downloads always carry every column.
    page_columns: list[int] | None = None

    def page_headers(self) -> list[str]:
        return [self.headers[i] for i in self._page_columns()]

    def page_rows(self) -> list[list[str]]:
        columns = self._page_columns()
        return [[row[i] for i in columns] for row in self.display_rows()]

    def _page_columns(self) -> list[int]:
        return self.page_columns or list(range(len(self.headers)))

    def display_rows(self) -> list[list[str]]:
        return [[display(v) for v in row] for row in self.rows]

    def csv(self, style: exports.CsvStyle = exports.DUTCH) -> str:
        return exports.csv_text([self.headers, *self.rows], style)


FIGURE_HEADERS = [
    gettext_lazy("sectie"),
    gettext_lazy("code"),
    gettext_lazy("indicator"),
    gettext_lazy("uitsplitsing"),
    gettext_lazy("waarde"),
    gettext_lazy("eenheid"),
    gettext_lazy("doel"),
    gettext_lazy("status"),
    gettext_lazy("bron"),
    gettext_lazy("formule"),
    gettext_lazy("betreft"),
    gettext_lazy("kanttekening"),
]


class Labels:
    """Translated texts looked up once per output rather than once per figure (a national
    report has a hundred thousand figures)."""

    def __init__(self):
        self._indicators: dict = {}
        self._keys: dict = {}
        self.status = {True: status_label(True), False: status_label(False)}

    def indicator(self, ind) -> dict:
        if ind.code not in self._indicators:
            target = ""
            if ind.target is not None:
                target = display(ind.target)
                if ind.ambition is not None:
                    target += " (" + _("ambitie") + f" {display(ind.ambition)})"
            self._indicators[ind.code] = {
                "section": str(ind.section),
                "name": str(ind.name),
                "unit": str(ind.unit),
                "source": str(ind.source),
                "target": target,
            }
        return self._indicators[ind.code]

    def key(self, figure: Figure) -> str:
        if not figure.key:
            return ""
        lookup = (figure.indicator.breakdown, figure.key)
        if lookup not in self._keys:
            self._keys[lookup] = figure.key_label
        return self._keys[lookup]


def figures_table(name: str, title: str, figures: list[Figure], labels=None) -> Table:
    labels = labels or Labels()
    # On the page: indicator, breakdown, value, unit, target, status, what it concerns and
    # what to read it with.
    table = Table(
        name, title, [str(h) for h in FIGURE_HEADERS], page_columns=[2, 3, 4, 5, 6, 7, 10, 11]
    )
    for f in figures:
        ind = f.indicator
        text = labels.indicator(ind)
        table.rows.append(
            [
                text["section"],
                ind.code,
                text["name"],
                labels.key(f),
                cell(f),
                text["unit"],
                text["target"],
                labels.status[f.final],
                text["source"],
                ind.formula,
                "; ".join(f.items),
                caveat_text(f),
            ]
        )
    return table


def caveat_text(figure: Figure) -> str:
    return "; ".join(figure.caveats)
