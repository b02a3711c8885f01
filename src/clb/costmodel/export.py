"""A scenario result as rows, and those rows as CSV or XLSX (CLI and page downloads share this)."""

import csv
import io

from .services import Result

HEADER = [
    "bouwsteen",
    "niveau",
    "kostenpost",
    "hoeveelheid",
    "eenheid",
    "parameter",
    "prijs per eenheid (€)",
    "kosten (€)",
]


def rows(result: Result) -> list[list]:
    out = [HEADER]
    for block in result.blocks:
        for line in block.lines:
            out.append(
                [
                    block.name,
                    block.level_name,
                    line.label,
                    line.quantity,
                    line.unit,
                    line.parameter,
                    line.unit_cost,
                    line.cost,
                ]
            )
    names = ", ".join(f"{m.name} ({m.code})" for m in result.municipalities)
    out += [
        [],
        ["totaal per jaar (€)", "", "", "", "", "", "", result.total],
        ["per inwoner (€)", "", "", "", "", "", "", result.per_inhabitant],
        [
            "referentie: gemiddelde subsidie per inwoner × inwoners (€)",
            "",
            "",
            "",
            "",
            "",
            "",
            result.reference_subsidy,
        ],
        ["verschil met referentie (€)", "", "", "", "", "", "", result.difference],
        ["gebied", names],
        ["grootteklasse", result.size_class],
        *[["grootheid " + name, value] for name, value in result.sizes.items()],
        *[["opbrengst " + b.name, f"{b.yield_value} {b.yield_label}"] for b in result.blocks],
    ]
    return out


def to_csv(result: Result) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for row in rows(result):
        writer.writerow(
            ["" if v is None else str(v).replace(".", ",") if _is_number(v) else v for v in row]
        )
    return buffer.getvalue()


def _is_number(value) -> bool:
    from decimal import Decimal

    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def to_xlsx(result: Result) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Kostenmodel"
    for row in rows(result):
        sheet.append([float(v) if _is_number(v) else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
