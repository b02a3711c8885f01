"""Every CSV and XLSX file CLB writes goes through here, so no export turns text into a formula.

Text in an export comes from people (an organisation's name, a title, a scenario's label) and a
spreadsheet program runs a cell that starts with = + - @ (or a tab or carriage return before one)
as a formula: `=HYPERLINK(...)` in a branch name becomes a live link in the KB's report. In CSV such
text gets a leading apostrophe (the convention spreadsheet programs show as "this is text"); in
XLSX text cells are written as text, never as formulas, so they read back exactly as given.
Numbers stay numbers (a negative figure is not neutralised).

CSV comes in two styles: the Dutch one that Dutch Excel opens by double-click (`;` between cells,
a decimal comma, a byte-order mark so é and ë survive) and the plain one for programs (`,` and
`.`, no mark). Pages choose with `?csv=komma`, commands with `--csv komma`."""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils.functional import Promise

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class CsvStyle:
    name: str
    delimiter: str
    decimal: str
    bom: bool


DUTCH = CsvStyle("puntkomma", ";", ",", bom=True)
PLAIN = CsvStyle("komma", ",", ".", bom=False)
CSV_STYLES = {style.name: style for style in (DUTCH, PLAIN)}
CSV_PARAMETER = "csv"


def csv_style(name: str | None) -> CsvStyle:
    """The style a page or command asked for; Dutch unless it asked for the plain one."""
    return CSV_STYLES.get((name or "").strip().lower(), DUTCH)


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def csv_cell(value, style: CsvStyle = DUTCH) -> str:
    if value is None:
        return ""
    if _is_number(value):
        text = str(value)
        return text.replace(".", style.decimal) if style.decimal != "." else text
    if isinstance(value, datetime | date):
        return value.isoformat()
    return neutralise(str(value))


def write_csv(out, rows: Iterable[Sequence], style: CsvStyle = DUTCH) -> None:
    """Rows (the first usually the headers) to a text file object."""
    if style.bom:
        out.write("\ufeff")
    writer = csv.writer(out, delimiter=style.delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell(v, style) for v in row])


def csv_text(rows: Iterable[Sequence], style: CsvStyle = DUTCH) -> str:
    out = io.StringIO()
    write_csv(out, rows, style)
    return out.getvalue()


# --- XLSX -------------------------------------------------------------------------------------


def xlsx_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Promise):
        return str(value)
    return value


def _as_text(cell):
    if isinstance(cell.value, str):
        cell.data_type = "s"  # openpyxl made "=…" a formula; text stays text
    return cell


def xlsx_append(sheet, values: Sequence) -> list:
    """Append a row to an openpyxl worksheet; returns its cells."""
    sheet.append([xlsx_value(v) for v in values])
    return [_as_text(cell) for cell in sheet[sheet.max_row]]


def xlsx_cell(sheet, row: int, column: int, value):
    return _as_text(sheet.cell(row=row, column=column, value=xlsx_value(value)))


def xlsx_bytes(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- downloads ----------------------------------------------------------------------------------

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": XLSX_TYPE,
    "pdf": "application/pdf",
}


def download(body: bytes | str, filename: str) -> HttpResponse:
    """An export as an attachment, its type taken from the file name's extension."""
    extension = filename.rsplit(".", 1)[-1]
    response = HttpResponse(body, content_type=CONTENT_TYPES[extension])
    safe_name = "".join(c for c in filename if c.isalnum() or c in "-_.") or "export"
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    return response


def add_csv_argument(parser) -> None:
    """The `--csv` option of every command that writes CSV."""
    parser.add_argument(
        "--csv",
        choices=sorted(CSV_STYLES),
        default=DUTCH.name,
        help="puntkomma: ';' and decimal comma, for Dutch Excel (default); komma: ',' and '.'",
    )


def requested_style(request) -> CsvStyle:
    return csv_style(request.GET.get(CSV_PARAMETER))
