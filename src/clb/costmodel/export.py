"""A scenario result as tables, written as CSV (Dutch spreadsheet style by default: semicolons,
decimal comma) or XLSX (one sheet per table, numbers as numbers), both through clb.exports.
CLI and page downloads share this."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from clb import exports

from .engine import Result


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list]


def _num(value: Decimal | None, places: str = "0.01"):
    return None if value is None else value.quantize(Decimal(places))


def tables(result: Result) -> list[Table]:
    r = result
    model = r.model
    info = Table(
        _("Scenario"),
        [_("gegeven"), _("waarde")],
        [
            [_("gebied"), r.area.name],
            [_("gemeenten"), ", ".join(f"{m.name} ({m.code})" for m in r.area.municipalities)],
            [_("grootteklasse"), r.size_class.name],
            [_("inwoners"), r.inhabitants],
            [
                _("kostenmodel"),
                _("%(title)s, versie %(version)s")
                % {"title": model.title, "version": model.version},
            ],
            *[
                [
                    _("niveau") + " " + b.name,
                    b.level_name
                    + (
                        " (" + _("niet actief: %(what)s is 0") % {"what": b.inactive_because} + ")"
                        if b.inactive_because
                        else ""
                    ),
                ]
                for b in r.blocks
            ],
        ],
    )
    lines = Table(
        _("Kosten en opbrengsten per jaar"),
        [
            _("bouwsteen"),
            _("niveau"),
            _("post"),
            _("soort"),
            _("hoeveelheid"),
            _("eenheid"),
            _("hoeveelheid ="),
            _("prijs (€)"),
            _("prijs ="),
            _("kosten (€)"),
            _("opbrengst (€)"),
        ],
        [
            [
                b.name,
                b.level_name,
                ln.label,
                ln.kind,
                _num(ln.quantity),
                ln.unit,
                ln.quantity_formula,
                _num(ln.price, "0.0001"),
                ln.price_formula,
                None if ln.is_income else ln.amount,
                ln.amount if ln.is_income else None,
            ]
            for b in r.blocks
            for ln in b.lines
        ],
    )
    # A subsidy of zero or less is no answer (Result.net_is_answer): it is never written as one.
    unknown = _("niet te bepalen")
    totals = Table(
        _("Totalen"),
        [_("post"), _("bedrag (€)")],
        [
            [_("totale kosten per jaar"), r.total_cost],
            [_("opbrengsten per jaar"), r.total_income],
            [_("netto: subsidie nodig per jaar"), r.net if r.net_is_answer else unknown],
            [_("kosten per inwoner"), r.cost_per_inhabitant],
            [
                _("subsidie nodig per inwoner"),
                r.net_per_inhabitant if r.net_is_answer else unknown,
            ],
            [
                _("huidige subsidie (opgegeven)")
                if r.current_subsidy_given
                else _("huidige subsidie (landelijk gemiddelde per inwoner × inwoners)"),
                r.current_subsidy,
            ],
            [
                _("verschil: subsidie nodig min huidige subsidie"),
                r.difference if r.net_is_answer else unknown,
            ],
            [_("ter vergelijking: landelijk gemiddelde lasten × inwoners"), r.national_cost],
        ],
    )
    yields = Table(
        _("Opbrengst (bereik en gebruik)"),
        [_("bouwsteen"), _("indicator"), _("waarde"), _("eenheid")],
        [[b.name, y.name, _num(y.value, "1"), y.unit] for b in r.blocks for y in b.yields],
    )
    remarks = Table(
        _("Kanttekeningen"),
        [_("kanttekening")],
        [[text] for text in remarks_of(r)],
    )
    out = [info, remarks, lines, totals, yields]
    if r.one_off:
        out.append(
            Table(
                _("Eenmalige rijksbijdragen (indicatie)"),
                [
                    _("post"),
                    _("aantal"),
                    _("maximum per stuk (€)"),
                    _("maximaal (€)"),
                    _("eigen bijdrage gemeente ten minste (€)"),
                ],
                [[o.label, o.quantity, o.price, o.amount, o.cofinancing] for o in r.one_off],
            )  # fmt: skip
        )
    if r.fit is not None:
        out.append(
            Table(
                _("Budget"),
                [_("stap"), _("bouwsteen"), _("niveau"), _("netto met deze stap (€)")],
                [[_("budget"), "", "", r.fit.budget]]
                + [[_("genomen"), s.block_name, s.level_name, s.net_after] for s in r.fit.taken]
                + [
                    [_("past niet"), s.block_name, s.level_name, s.net_after]
                    for s in r.fit.left_out
                ],
            )
        )
    out.append(
        Table(
            _("Grootheden"),
            [_("code"), _("naam"), _("waarde"), _("eenheid")],
            [
                [v.code, v.name, _num(r.values.get(v.code)), v.unit]
                for v in model.variables.values()
                if v.code in r.values
            ],
        )
    )
    out.append(
        Table(
            _("Parameters"),
            [
                _("code"),
                _("naam"),
                _("waarde"),
                _("eenheid"),
                _("jaar"),
                _("schatting"),
                _("aangepast in dit scenario"),
                _("bron"),
            ],
            [
                [
                    p.code,
                    p.name,
                    r.parameters[p.code],
                    p.unit,
                    p.year,
                    _("ja") if p.estimate else _("nee"),
                    _("ja, standaard %(value)s") % {"value": p.value}
                    if p.code in r.overrides
                    else "",
                    p.source,
                ]
                for p in model.parameters.values()
            ],
        )  # fmt: skip
    )
    return out


def remarks_of(result: Result) -> list[str]:
    """What to read the figures with, in order: the register, whether the subsidy is an answer,
    then the notes on the data."""
    out = []
    if result.register is not None:
        out.append(f"{result.register.sentence} {result.register.basis}")
    if not result.net_is_answer:
        out.append(result.no_answer_reason)
    return out + list(result.notes)


def to_csv(result: Result, style: exports.CsvStyle = exports.DUTCH) -> str:
    """The tables one after another: a title row, a header row, the rows, an empty row between."""
    rows = []
    for i, table in enumerate(tables(result)):
        if i:
            rows.append([])
        rows += [[table.title], table.header, *table.rows]
    return exports.csv_text(rows, style)


def to_xlsx(result: Result) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables(result):
        sheet = workbook.create_sheet(table.title[:31])
        for cell in exports.xlsx_append(sheet, table.header):
            cell.font = Font(bold=True)
        for row in table.rows:
            exports.xlsx_append(sheet, row)
    return exports.xlsx_bytes(workbook)
