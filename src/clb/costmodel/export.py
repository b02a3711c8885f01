"""A scenario result as tables, written as CSV (Dutch spreadsheet style by default: semicolons,
decimal comma) or XLSX (one sheet per table, numbers as numbers), both through clb.exports.
CLI and page downloads share this. Cells are plain values (text, numbers, None)."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from clb import exports

from .engine import Result
from .presentation import total_rows


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list]


def _num(value: Decimal | None, places: str = "0.01"):
    return None if value is None else value.quantize(Decimal(places))


def tables(result: Result, columns=None, swings=None) -> list[Table]:
    """The result's tables; with `columns` (services.compare_starts) the scenarios side by side,
    with `swings` (sensitivity.swings) the sensitivity of the subsidy needed."""
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
    if r.now is not None:
        out.append(_now_table(r))
    if columns:
        out.append(_columns_table(columns))
    if swings:
        out.append(_swings_table(r, swings))
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


def _now_table(r: Result) -> Table:
    """Today's figures: CLB's register next to the national estimate, and which one was used."""
    used = _("landelijke schatting") if r.now.estimated else _("register van CLB")
    return Table(
        _("Huidige cijfers"),
        [_("gegeven"), _("in CLB"), _("landelijke schatting"), _("eenheid"), _("gebruikt")],
        [
            [v.name, r.now.registered.get(v.code), _num(r.now.estimated_values.get(v.code)),
             v.unit, used]
            for v in r.model.variables_of("huidig")
        ],
    )  # fmt: skip


def _columns_table(columns) -> Table:
    shown = [c for c in columns if c.result is not None]
    rows = [
        [_("niveau") + " " + b.name]
        + [c.result.block(b.code).level_name if _has(c.result, b.code) else None for c in shown]
        for b in shown[0].result.model.blocks
    ] if shown else []  # fmt: skip
    for label, values in [
        *total_rows([c.result for c in shown]),
        (_("budget per jaar"), [c.budget for c in shown]),
        (_("ruimte binnen het budget"), [c.budget_room for c in shown]),
    ]:
        rows.append([label, *values])
    return Table(_("Scenario's naast elkaar"), [_("post"), *[c.name for c in shown]], rows)


def _has(result: Result, code: str) -> bool:
    return any(b.code == code for b in result.blocks)


def _answer(amount: Decimal | None):
    """A subsidy, or the words for one that is no answer (Result.net_is_answer)."""
    return _("niet te bepalen") if amount is None else amount


def _swings_table(r: Result, swings) -> Table:
    share = r.model.rule("gevoeligheid_marge")
    return Table(
        _("Gevoeligheid"),
        [
            _("parameter"), _("naam"), _("waarde"), _("eenheid"), _("schatting"),
            _("lager (−%(p)s%%)") % {"p": int(share * 100)},
            _("hoger (+%(p)s%%)") % {"p": int(share * 100)},
            _("subsidie nodig bij lager (€)"), _("subsidie nodig bij hoger (€)"),
            _("kosten bij lager (€)"), _("kosten bij hoger (€)"), _("bandbreedte subsidie (€)"),
        ],
        [
            [s.parameter.code, s.parameter.name, s.value, s.parameter.unit,
             _("ja") if s.parameter.estimate else _("nee"), s.low, s.high,
             _answer(s.answer_low), _answer(s.answer_high), s.cost_low, s.cost_high, s.width]
            for s in swings
        ],
    )  # fmt: skip


def national_tables(national) -> list[Table]:
    """The national comparison (calibration.run) as tables."""
    now, basic = national.now, national.basic
    checks = Table(
        _("IJking landelijk"),
        [_("grootheid"), _("model, zoals nu (€)"), _("werkelijk 2022 (€)"), _("afwijking"),
         _("binnen de marge")],
        [[str(c.label), c.model, c.real, _num(c.deviation, "0.0001"), _("ja") if c.within else _("nee")]
         for c in national.checks],
    )  # fmt: skip
    extra = [[_("gemeenten"), now.municipalities], [_("inwoners"), now.inhabitants]]
    if national.fte_model is not None:
        extra += [[_("fte volgens het model"), national.fte_model],
                  [_("fte werkelijk"), national.fte_real]]  # fmt: skip
    detail = Table(
        _("Model zoals nu, per post"),
        [_("post"), _("bedrag (€)")],
        [*[[name, amount] for name, amount in now.blocks.items()],
         *[[_("soort") + ": " + kind, amount] for kind, amount in now.kinds.items()],
         [_("opbrengsten"), now.income], *extra],
    )  # fmt: skip
    spread = Table(
        _("Basisvoorziening per klasse"),
        [_("grootteklasse"), _("gemeenten"), _("mediaan kosten per inwoner (€)"),
         _("laagste (€)"), _("gemeente"), _("hoogste (€)"), _("gemeente")],
        [[r.size_class, r.count, r.median, r.low, r.low_name, r.high, r.high_name]
         for r in national.distribution],
    )  # fmt: skip
    each = Table(
        _("Basisvoorziening per gemeente"),
        [_("gemeente"), _("inwoners"), _("kosten per inwoner (€)")],
        [[name, n, value] for name, n, value in basic.per_inhabitant],
    )
    return [checks, detail, spread, each]


def remarks_of(result: Result) -> list[str]:
    """What to read the figures with, in order: the register, whether the subsidy is an answer,
    then the notes on the data."""
    out = []
    if result.register is not None:
        out.append(f"{result.register.sentence} {result.register.basis}")
    if not result.net_is_answer:
        out.append(result.no_answer_reason)
    return out + list(result.notes)


def to_csv(tables: list[Table], style: exports.CsvStyle = exports.DUTCH) -> str:
    """The tables one after another: a title row, a header row, the rows, an empty row between."""
    rows = []
    for i, table in enumerate(tables):
        if i:
            rows.append([])
        rows += [[table.title], table.header, *table.rows]
    return exports.csv_text(rows, style)


def to_xlsx(tables: list[Table]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(table.title[:31])
        for cell in exports.xlsx_append(sheet, table.header):
            cell.font = Font(bold=True)
        for row in table.rows:
            exports.xlsx_append(sheet, row)
    return exports.xlsx_bytes(workbook)
