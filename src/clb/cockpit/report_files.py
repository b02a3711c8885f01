"""Writing a Report as CSV (every figure, one per row), XLSX (a sheet per table, with charts) or
PDF (tables and charts, for the governing boards)."""

import os
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from clb import exports, formatting

from .charts import all_suppressed_message, no_data_message
from .report import Report
from .tables import Table, display

FORMATS = ("csv", "xlsx", "pdf")


def write(report: Report, fmt: str, fh, csv_style: exports.CsvStyle = exports.DUTCH) -> None:
    """Write to a binary file object."""
    if fmt == "csv":
        write_csv(report, fh, csv_style)
    else:
        {"xlsx": write_xlsx, "pdf": write_pdf}[fmt](report, fh)


# --- CSV -------------------------------------------------------------------------------------


def write_csv(report: Report, fh, style: exports.CsvStyle = exports.DUTCH) -> None:
    fh.write(report.long.csv(style).encode("utf-8"))


# --- XLSX ------------------------------------------------------------------------------------


def _sheet_name(title: str, used: set) -> str:
    name = "".join(c for c in title if c not in "[]:*?/\\")[:31] or _("Blad")
    base, n = name, 2
    while name in used:
        name = f"{base[:28]} {n}"
        n += 1
    used.add(name)
    return name


def write_xlsx(report: Report, fh) -> None:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    book = Workbook()
    used: set = set()
    cover = book.active
    cover.title = _sheet_name(_("Overzicht"), used)
    exports.xlsx_append(cover, [report.title])
    cover["A1"].font = Font(bold=True, size=14)
    exports.xlsx_append(cover, [_("Status"), _("definitief") if report.final else _("voorlopig")])
    exports.xlsx_append(cover, [_("Gemaakt op"), formatting.moment(report.generated_at)])
    for note in report.notes:
        exports.xlsx_append(cover, [note])

    def add(table: Table):
        sheet = book.create_sheet(_sheet_name(table.title, used))
        for cell in exports.xlsx_append(sheet, list(table.headers)):
            cell.font = Font(bold=True)
        for row in table.rows:
            exports.xlsx_append(sheet, row)
        if table.note:
            sheet.append([])
            exports.xlsx_append(sheet, [table.note])
        sheet.freeze_panes = "A2"
        return sheet

    for table in report.tables():
        add(table)
    add(report.long)

    charts = book.create_sheet(_sheet_name(_("Grafieken"), used))
    row = 1
    for title, unit, points in report.charts:
        exports.xlsx_cell(charts, row, 1, title).font = Font(bold=True)
        for i, (label, value) in enumerate(points, start=1):
            exports.xlsx_cell(charts, row + i, 1, label)
            exports.xlsx_cell(charts, row + i, 2, value)
        if all(value is None for _label, value in points):
            why = all_suppressed_message() if points else no_data_message()
            exports.xlsx_cell(charts, row + 1, 4, why)
            row += max(len(points), 1) + 3
            continue
        chart = BarChart()
        chart.title = title
        chart.y_axis.title = unit
        chart.legend = None
        data = Reference(charts, min_col=2, min_row=row + 1, max_row=row + max(len(points), 1))
        cats = Reference(charts, min_col=1, min_row=row + 1, max_row=row + max(len(points), 1))
        chart.add_data(data)
        chart.set_categories(cats)
        chart.height, chart.width = 7, 16
        charts.add_chart(chart, f"D{row}")
        row += max(len(points), 14) + 3
    book.save(fh)


# --- PDF -------------------------------------------------------------------------------------

PDF_PART_COLUMNS = [
    "members_share",
    "youth_members_share",
    "loans_per_inhabitant",
    "ido_reach",
    "participants_per_1000",
    "vestigingen_per_100k",
]


def _font() -> str:
    """Bitstream Vera ships with reportlab and covers the characters we print (–, ≥, €, ë)."""
    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "Vera" not in pdfmetrics.getRegisteredFontNames():
        folder = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
        pdfmetrics.registerFont(TTFont("Vera", os.path.join(folder, "Vera.ttf")))
        pdfmetrics.registerFont(TTFont("Vera-Bold", os.path.join(folder, "VeraBd.ttf")))
    return "Vera"


def _bar_chart(title: str, unit: str, points):
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    if all(v is None for _l, v in points):
        drawing = Drawing(460, 40)
        drawing.add(String(0, 25, title, fontName="Vera-Bold", fontSize=10))
        why = all_suppressed_message() if points else no_data_message()
        drawing.add(String(0, 8, why, fontName="Vera", fontSize=8))
        return drawing
    drawing = Drawing(460, 210)
    drawing.add(String(0, 195, title, fontName="Vera-Bold", fontSize=10))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 45, 55, 400, 125
    values = [v if v is not None else 0 for _l, v in points] or [0]
    chart.data = [values]
    chart.categoryAxis.categoryNames = [label[:14] for label, _v in points] or [""]
    chart.categoryAxis.labels.angle = 35
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.categoryAxis.labels.fontName = "Vera"
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = "Vera"
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.HexColor("#0b5394")
    drawing.add(chart)
    hidden = [label for label, v in points if v is None]
    if hidden:
        drawing.add(
            String(
                0,
                2,
                (_("onderdrukt (< 10) of geen gegevens: %(l)s") % {"l": ", ".join(hidden)})[:130],
                fontName="Vera",
                fontSize=6,
            )
        )
    drawing.add(String(0, 182, unit, fontName="Vera", fontSize=7))
    return drawing


def _trend_chart(table: Table):
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    drawings = []
    for i, header in enumerate(table.headers[2:]):
        values = [row[2 + i] for row in table.rows]
        numbers = [float(v) if not isinstance(v, str) else None for v in values]
        if all(v is None for v in numbers):
            continue
        drawing = Drawing(460, 120)
        drawing.add(String(0, 108, header, fontName="Vera-Bold", fontSize=9))
        chart = HorizontalLineChart()
        chart.x, chart.y, chart.width, chart.height = 45, 20, 400, 80
        chart.data = [numbers]
        chart.categoryAxis.categoryNames = [row[0] for row in table.rows]
        chart.categoryAxis.labels.fontName = "Vera"
        chart.categoryAxis.labels.fontSize = 7
        chart.valueAxis.labels.fontName = "Vera"
        chart.valueAxis.labels.fontSize = 7
        chart.valueAxis.valueMin = 0
        chart.lines[0].strokeColor = colors.HexColor("#0b5394")
        chart.lines[0].strokeWidth = 1.5
        drawing.add(chart)
        drawings.append(drawing)
    return drawings


def write_pdf(report: Report, fh) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        KeepTogether,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )
    from reportlab.platypus import (
        Table as PdfTable,
    )

    font = _font()
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName=font, fontSize=9)
    small = ParagraphStyle("small", parent=body, fontSize=7, leading=8.5)
    h1 = ParagraphStyle("h1", parent=styles["Title"], fontName="Vera-Bold", fontSize=16)
    h2 = ParagraphStyle("h2", parent=styles["Heading2"], fontName="Vera-Bold", fontSize=12)
    status = _("definitief") if report.final else _("voorlopig")

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 7)
        canvas.drawString(
            1.5 * cm, 1 * cm, f"CLB — {report.title} — {status} — {_('blad')} {doc.page}"
        )
        canvas.restoreState()

    def pdf_table(headers, rows, widths=None, wrap=(0,)):
        """Paragraphs (which wrap, but are slow) only in the columns that need them."""
        data = [[Paragraph(escape(str(h)), small) for h in headers]]
        for row in rows:
            data.append(
                [
                    Paragraph(escape(display(v)), small) if i in wrap else display(v)
                    for i, v in enumerate(row)
                ]
            )
        table = PdfTable(data, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 1), (-1, -1), font, 7),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f0fa")),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c9ced6")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return table

    doc = SimpleDocTemplate(
        fh,
        pagesize=A4,
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.5 * cm,
        bottomMargin=1.8 * cm,
        title=report.title,
        author="CLB",
    )
    story = [
        Paragraph(escape(report.title), h1),
        Paragraph(
            escape(
                _("Status: %(status)s. Gemaakt op %(when)s.")
                % {"status": status, "when": formatting.moment(report.generated_at)}
            ),
            body,
        ),
    ]
    for note in report.notes:
        story.append(Paragraph(escape(note), small))
    story.append(Spacer(1, 0.4 * cm))
    charts = {title: (unit, points) for title, unit, points in report.charts}
    for section, table in report.sections:
        story.append(Paragraph(escape(section), h2))
        # indicator, breakdown, value, unit, target, status
        rows = [[r[2], r[3], r[4], r[5], r[6], r[7]] for r in table.rows]
        story.append(
            pdf_table(
                [
                    _("indicator"),
                    _("uitsplitsing"),
                    _("waarde"),
                    _("eenheid"),
                    _("doel"),
                    _("status"),
                ],
                rows,
                widths=[6.5 * cm, 3.2 * cm, 2.2 * cm, 2.3 * cm, 2.2 * cm, 1.6 * cm],
            )
        )
        for title in {str(r[2]) for r in table.rows} & set(charts):
            unit, points = charts[title]
            story.append(KeepTogether([Spacer(1, 0.3 * cm), _bar_chart(title, unit, points)]))
    for table in report.extra:
        story.append(PageBreak() if table.name == "trend" else Spacer(1, 0.5 * cm))
        story.append(Paragraph(escape(table.title), h2))
        story.append(pdf_table(table.headers, table.rows))
        if table.note:
            story.append(Paragraph(escape(table.note), small))
        if table.name == "trend":
            story += _trend_chart(table) or [Paragraph(escape(no_data_message()), small)]
    for table in report.parts:
        columns = [
            i for i, key in enumerate(table.keys) if key == "region" or key in PDF_PART_COLUMNS
        ]
        story.append(PageBreak())
        story.append(Paragraph(escape(table.title), h2))
        story.append(
            Paragraph(
                escape(
                    _(
                        "Een selectie van de indicatoren; alle indicatoren per onderdeel staan "
                        "in de CSV- en XLSX-versie van dit rapport."
                    )
                ),
                small,
            )
        )
        story.append(
            pdf_table(
                [table.headers[i] for i in columns], [[r[i] for i in columns] for r in table.rows]
            )
        )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
