"""Reading and checking a model document (data/model.json, see data/README.md): every problem is
collected with its place in the file ("blocks[2].levels[1].tier: …") before the document is
refused, so whoever edits the file sees all of them at once."""

import hashlib
import json
from decimal import Decimal, InvalidOperation

from .definitions import (
    CODE_KINDS,
    DRIVER_KINDS,
    ENGINE_PARAMETERS,
    ENGINE_RULES,
    ENGINE_SCENARIO_VARIABLES,
    FORMAT,
    LINE_CONSEQUENCES,
    VARIABLE_KINDS,
    VERSION,
    Block,
    Driver,
    Expression,
    Indicator,
    Level,
    Model,
    ModelFileError,
    OneOff,
    Parameter,
    Preset,
    Rule,
    SizeClass,
    Term,
    Variable,
    YieldRule,
    expression_names,
    parse_expression,
    parse_term,
)


def checksum(document: dict) -> str:
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _decimal(raw, where: str, problems: list[str]) -> Decimal | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        problems.append(f"{where}: geen getal ({raw!r})")
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        problems.append(f"{where}: geen getal ({raw!r})")
        return None
    if not value.is_finite():
        problems.append(f"{where}: geen eindig getal")
        return None
    return value


def _text(raw: dict, key: str, where: str, problems: list[str], *, required=True) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        problems.append(f"{where}.{key}: ontbreekt of is geen tekst")
        return ""
    return value


def _year(raw, where: str, problems: list[str]) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or not 1900 <= raw <= 2100:
        problems.append(f"{where}: een jaartal tussen 1900 en 2100 is verplicht")
        return 0
    return raw


class _Reader:
    """Collects every problem with its place in the file instead of stopping at the first."""

    def __init__(self):
        self.problems: list[str] = []

    def expression(self, raw, where: str) -> Expression:
        try:
            return parse_expression(raw, where)
        except ModelFileError as exc:
            self.problems += exc.problems
            return ()

    def term(self, raw, where: str) -> Term:
        try:
            return parse_term(raw, where)
        except ModelFileError as exc:
            self.problems += exc.problems
            return Term(False, ())

    def mapping(self, raw, where: str) -> dict:
        if not isinstance(raw, dict):
            self.problems.append(f"{where}: hoort een object te zijn")
            return {}
        return raw

    def listing(self, raw, where: str) -> list:
        if not isinstance(raw, list):
            self.problems.append(f"{where}: hoort een lijst te zijn")
            return []
        return raw

    def parameter(self, code: str, raw, where: str) -> Parameter | None:
        raw = self.mapping(raw, where)
        p = self.problems
        value = _decimal(raw.get("value"), f"{where}.value", p)
        minimum = _decimal(raw["min"], f"{where}.min", p) if raw.get("min") is not None else None
        maximum = _decimal(raw["max"], f"{where}.max", p) if raw.get("max") is not None else None
        if not isinstance(raw.get("estimate"), bool):
            p.append(f"{where}.estimate: true (schatting) of false (bron) is verplicht")
        source = _text(raw, "source", where, p)
        if raw.get("estimate") is True and not source.startswith("Schatting"):
            p.append(
                f"{where}.source: een schatting begint met 'Schatting:' en geeft de redenering"
            )
        if value is not None and minimum is not None and value < minimum:
            p.append(f"{where}.value: {value} ligt onder het minimum {minimum}")
        if value is not None and maximum is not None and value > maximum:
            p.append(f"{where}.value: {value} ligt boven het maximum {maximum}")
        unknown = set(raw) - {
            "name",
            "group",
            "value",
            "unit",
            "year",
            "estimate",
            "source",
            "min",
            "max",
        }
        if unknown:
            p.append(f"{where}: onbekende velden {sorted(unknown)}")
        return Parameter(
            code,
            _text(raw, "name", where, p),
            _text(raw, "group", where, p),
            value if value is not None else Decimal(0),
            _text(raw, "unit", where, p),
            _year(raw.get("year"), f"{where}.year", p),
            source,
            raw.get("estimate") is True,
            minimum,
            maximum,
        )

    def driver(self, raw, where: str) -> Driver:
        raw = self.mapping(raw, where)
        kind = raw.get("kind")
        if kind not in DRIVER_KINDS:
            self.problems.append(f"{where}.kind: een van {', '.join(DRIVER_KINDS)}")
        return Driver(
            _text(raw, "label", where, self.problems),
            kind or "",
            _text(raw, "unit", where, self.problems),
            self.expression(raw.get("quantity"), f"{where}.quantity"),
            self.term(raw.get("price"), f"{where}.price"),
        )

    def yield_rule(self, raw, where: str) -> YieldRule:
        raw = self.mapping(raw, where)
        return YieldRule(
            _text(raw, "indicator", where, self.problems),
            self.expression(raw.get("quantity"), f"{where}.quantity"),
        )

    def level(self, raw, where: str) -> Level:
        raw = self.mapping(raw, where)
        current = raw.get("current") is True
        tier = raw.get("tier")
        if current and tier is not None:
            self.problems.append(f"{where}: het huidige niveau staat niet op de ladder (geen tier)")
        if not current and (not isinstance(tier, int) or isinstance(tier, bool) or tier < 0):
            self.problems.append(f"{where}.tier: een geheel getal ≥ 0 is verplicht")
        sets = self.mapping(raw.get("sets", {}), f"{where}.sets")
        return Level(
            _text(raw, "code", where, self.problems),
            _text(raw, "name", where, self.problems),
            raw.get("description", ""),
            None if current else tier,
            current,
            raw.get("off") is True,
            raw.get("extends", ""),
            tuple((k, self.expression(v, f"{where}.sets.{k}")) for k, v in sets.items()),
            tuple(
                self.driver(d, f"{where}.drivers[{i}]")
                for i, d in enumerate(self.listing(raw.get("drivers", []), f"{where}.drivers"))
            ),
            tuple(
                self.yield_rule(y, f"{where}.yields[{i}]")
                for i, y in enumerate(self.listing(raw.get("yields", []), f"{where}.yields"))
            ),
        )

    def block(self, raw, where: str) -> Block:
        raw = self.mapping(raw, where)
        priority = raw.get("priority")
        if not isinstance(priority, int) or isinstance(priority, bool):
            self.problems.append(f"{where}.priority: een geheel getal is verplicht")
        return Block(
            _text(raw, "code", where, self.problems),
            _text(raw, "name", where, self.problems),
            _text(raw, "function", where, self.problems),
            priority if isinstance(priority, int) else 0,
            raw.get("description", ""),
            raw.get("active_if", ""),
            tuple(
                self.driver(d, f"{where}.drivers[{i}]")
                for i, d in enumerate(self.listing(raw.get("drivers", []), f"{where}.drivers"))
            ),
            tuple(
                self.yield_rule(y, f"{where}.yields[{i}]")
                for i, y in enumerate(self.listing(raw.get("yields", []), f"{where}.yields"))
            ),
            tuple(
                self.level(lv, f"{where}.levels[{i}]")
                for i, lv in enumerate(self.listing(raw.get("levels"), f"{where}.levels"))
            ),
        )


def parse(document: dict) -> Model:
    """Check a model document and build the Model; raises ModelFileError listing every problem."""
    r = _Reader()
    p = r.problems
    doc = r.mapping(document, "model")
    if doc.get("format") != FORMAT:
        p.append(f"format: dit programma leest formaat {FORMAT}")
    version = _text(doc, "version", "model", p)
    if version and not VERSION.fullmatch(version):
        p.append("version: jaar.volgnummer, bijvoorbeeld 2026.2")

    parameters = {
        code: r.parameter(code, raw, f"parameters.{code}")
        for code, raw in r.mapping(doc.get("parameters"), "parameters").items()
    }
    variables = {}
    for code, raw in r.mapping(doc.get("variables"), "variables").items():
        where = f"variables.{code}"
        raw = r.mapping(raw, where)
        kind = raw.get("kind")
        if kind not in VARIABLE_KINDS:
            p.append(f"{where}.kind: een van {', '.join(VARIABLE_KINDS)}")
        if code in parameters:
            p.append(f"{where}: heet hetzelfde als een parameter")
        variables[code] = Variable(
            code,
            kind or "",
            _text(raw, "name", where, p),
            raw.get("unit", ""),
            raw.get("source", ""),
            r.expression(raw["expression"], f"{where}.expression") if kind == "afgeleid" else None,
            r.expression(raw.get("default", []), f"{where}.default")
            if kind == "scenario"
            else None,
            raw.get("people") is True,
            r.expression(raw["estimate"], f"{where}.estimate")
            if kind == "huidig" and raw.get("estimate") is not None
            else None,
            raw.get("estimate_note", ""),
        )
        if raw.get("estimate") is not None and kind != "huidig":
            p.append(f"{where}.estimate: alleen een huidige waarde heeft een landelijke schatting")
        if raw.get("estimate") is not None and not raw.get("estimate_note"):
            p.append(f"{where}.estimate_note: zeg hoe de schatting is afgeleid")
        if kind in CODE_KINDS and not raw.get("source"):
            p.append(f"{where}.source: zeg waar CLB deze waarde vandaan haalt")
    for kind, names in CODE_KINDS.items():
        declared = {v.code for v in variables.values() if v.kind == kind}
        if missing := sorted(set(names) - declared):
            p.append(f"variables: ontbrekende variabelen van soort {kind}: {', '.join(missing)}")
        if extra := sorted(declared - set(names)):
            p.append(f"variables: CLB berekent geen variabelen {', '.join(extra)} (soort {kind})")
    if missing := sorted(set(ENGINE_PARAMETERS) - set(parameters)):
        p.append(f"parameters: ontbrekende parameters {', '.join(missing)}")
    scenario_vars = {c for c, v in variables.items() if v.kind == "scenario"}
    if missing := sorted(set(ENGINE_SCENARIO_VARIABLES) - scenario_vars):
        p.append(f"variables: ontbrekende scenariovariabelen {', '.join(missing)}")

    indicators = {}
    for code, raw in r.mapping(doc.get("indicators"), "indicators").items():
        where = f"indicators.{code}"
        raw = r.mapping(raw, where)
        cockpit = r.mapping(raw.get("cockpit", {}), f"{where}.cockpit")
        if cockpit and cockpit.get("scale") not in variables:
            p.append(f"{where}.cockpit.scale: onbekende variabele {cockpit.get('scale')!r}")
        indicators[code] = Indicator(
            code,
            _text(raw, "name", where, p),
            raw.get("unit", ""),
            cockpit.get("formula", ""),
            cockpit.get("scale", ""),
            cockpit.get("note", ""),
            raw.get("people") is True,
        )

    blocks = tuple(
        r.block(raw, f"blocks[{i}]") for i, raw in enumerate(r.listing(doc.get("blocks"), "blocks"))
    )
    one_off = tuple(
        OneOff(
            _text(raw, "label", f"one_off[{i}]", p),
            raw.get("unit", ""),
            r.expression(raw.get("quantity"), f"one_off[{i}].quantity"),
            r.term(raw.get("price"), f"one_off[{i}].price"),
        )
        for i, raw in enumerate(r.listing(doc.get("one_off", []), "one_off"))
        if r.mapping(raw, f"one_off[{i}]")
    )

    classes_raw = r.mapping(doc.get("size_classes"), "size_classes")
    size_classes = []
    expected_low = 0
    for i, raw in enumerate(r.listing(classes_raw.get("classes"), "size_classes.classes")):
        where = f"size_classes.classes[{i}]"
        raw = r.mapping(raw, where)
        low, high = raw.get("min"), raw.get("max")
        if low != expected_low:
            p.append(f"{where}.min: verwacht {expected_low} (klassen sluiten op elkaar aan)")
        if high is not None and (not isinstance(high, int) or high <= (low or 0)):
            p.append(f"{where}.max: hoort groter te zijn dan min")
        size_classes.append(SizeClass(low or 0, high, _text(raw, "name", where, p)))
        expected_low = high
    if not size_classes or size_classes[-1].high is not None:
        p.append("size_classes.classes: de laatste klasse heeft geen maximum (max: null)")

    rules = {}
    for code, raw in r.mapping(doc.get("rules"), "rules").items():
        where = f"rules.{code}"
        raw = r.mapping(raw, where)
        value = _decimal(raw.get("value"), f"{where}.value", p)
        rules[code] = Rule(
            code,
            value if value is not None else Decimal(0),
            raw.get("unit", ""),
            _year(raw.get("year"), f"{where}.year", p),
            _text(raw, "source", where, p),
        )
    if missing := sorted(set(ENGINE_RULES) - set(rules)):
        p.append(f"rules: ontbrekende regels {', '.join(missing)}")

    presets = {}
    for code, raw in r.mapping(doc.get("presets", {}), "presets").items():
        where = f"presets.{code}"
        raw = r.mapping(raw, where)
        levels = []
        for block, choice in r.mapping(raw.get("levels"), f"{where}.levels").items():
            choice = [choice] if isinstance(choice, str) else choice
            if (
                not isinstance(choice, list)
                or not choice
                or not all(isinstance(c, str) for c in choice)
            ):
                p.append(f"{where}.levels.{block}: een niveau of een lijst niveaus")
                continue
            levels.append((block, tuple(choice)))
        presets[code] = Preset(
            code, _text(raw, "name", where, p), _text(raw, "description", where, p), tuple(levels)
        )

    model = Model(
        version,
        doc.get("title", ""),
        doc.get("note", ""),
        checksum(document) if isinstance(document, dict) else "",
        parameters,
        variables,
        indicators,
        tuple(sorted(blocks, key=lambda b: b.priority)),
        one_off,
        tuple(size_classes),
        classes_raw.get("source", ""),
        rules,
        presets,
    )
    p += check(model)
    if p:
        raise ModelFileError(p)
    return model


def check(model: Model) -> list[str]:
    """Cross-references: every name known, every level reachable, every parameter used."""
    p: list[str] = []
    params, variables = model.parameters, model.variables
    of_kind = {k: {v.code for v in variables.values() if v.kind == k} for k in VARIABLE_KINDS}
    base = set(params) | of_kind["gebied"] | of_kind["huidig"]
    used: set[str] = set(ENGINE_PARAMETERS)

    def names_ok(expr: Expression, allowed: set[str], where: str):
        used.update(expression_names(expr))
        if unknown := sorted(expression_names(expr) - allowed):
            p.append(f"{where}: onbekende of hier niet toegestane namen: {', '.join(unknown)}")

    def price_ok(term: Term, where: str):
        used.update(term.names)
        if not term.names:
            p.append(f"{where}: een prijs is ten minste één parameter")
        if bad := sorted(set(term.names) - set(params)):
            p.append(f"{where}: een prijs bestaat alleen uit parameters, niet {', '.join(bad)}")

    live_so_far: set[str] = set()
    for v in variables.values():
        if v.kind == "huidig" and v.estimate is not None:
            names_ok(
                v.estimate, set(params) | of_kind["gebied"] | live_so_far,
                f"variables.{v.code}.estimate",
            )  # fmt: skip
        if v.kind == "huidig":
            live_so_far.add(v.code)
    derived_so_far: set[str] = set()
    for v in variables.values():
        if v.kind == "afgeleid":
            names_ok(v.expression, base | derived_so_far, f"variables.{v.code}.expression")
            derived_so_far.add(v.code)
        if v.kind == "scenario":
            names_ok(v.default, base | of_kind["afgeleid"], f"variables.{v.code}.default")
    before_levels = base | of_kind["afgeleid"]
    everything = before_levels | of_kind["scenario"]
    # Cost lines and yields may also read the staff hours of the other blocks (engine.py).
    with_lines = everything | set(LINE_CONSEQUENCES)

    # Levels set scenario variables in block-priority order, so a level may use what blocks of
    # higher priority (a smaller number) set, and defaults of variables no block sets.
    setter: dict[str, str] = {}
    priority_of: dict[str, int] = {}
    for b in model.blocks:
        for lv in b.levels:
            for name, _expr in lv.sets:
                if setter.setdefault(name, b.code) != b.code:
                    p.append(
                        f"blocks.{b.code}.levels.{lv.code}.sets.{name}: wordt al gezet door bouwsteen {setter[name]}"
                    )
                priority_of.setdefault(name, b.priority)
    codes = [b.code for b in model.blocks]
    for dup in {c for c in codes if codes.count(c) > 1}:
        p.append(f"blocks: code '{dup}' komt meer dan eens voor")
    for b in model.blocks:
        where = f"blocks.{b.code}"
        if b.active_if and b.active_if not in everything:
            p.append(f"{where}.active_if: onbekende variabele {b.active_if!r}")
        if not b.levels:
            p.append(f"{where}.levels: ten minste één niveau")
            continue
        level_codes = [lv.code for lv in b.levels]
        for dup in {c for c in level_codes if level_codes.count(c) > 1}:
            p.append(f"{where}.levels: code '{dup}' komt meer dan eens voor")
        if sum(lv.current for lv in b.levels) > 1:
            p.append(f"{where}.levels: hoogstens één huidig niveau")
        if not b.ladder:
            p.append(f"{where}.levels: ten minste één niveau dat geen huidig niveau is")
        for d_i, d in enumerate(b.drivers):
            names_ok(d.quantity, with_lines, f"{where}.drivers[{d_i}].quantity")
            price_ok(d.price, f"{where}.drivers[{d_i}].price")
        for y_i, y in enumerate(b.yields):
            names_ok(y.quantity, everything, f"{where}.yields[{y_i}].quantity")
            if y.indicator not in model.indicators:
                p.append(f"{where}.yields[{y_i}].indicator: onbekende indicator {y.indicator!r}")
        for lv in b.levels:
            lw = f"{where}.levels.{lv.code}"
            seen, cur = set(), lv
            while cur is not None and cur.extends:
                if cur.extends in seen or b.level(cur.extends) is None:
                    p.append(f"{lw}.extends: onbekend niveau of kringverwijzing ({cur.extends!r})")
                    break
                seen.add(cur.extends)
                cur = b.level(cur.extends)
            if lv.extends and (b.level(lv.extends) or lv).current:
                p.append(f"{lw}.extends: een ladder-niveau bouwt niet voort op het huidige niveau")
            earlier = {v for v in of_kind["scenario"] if priority_of.get(v, -1) < b.priority}
            for name, expr in lv.sets:
                if name not in of_kind["scenario"]:
                    p.append(f"{lw}.sets.{name}: geen scenariovariabele")
                names_ok(expr, before_levels | earlier, f"{lw}.sets.{name}")
            for d_i, d in enumerate(lv.drivers):
                names_ok(d.quantity, with_lines, f"{lw}.drivers[{d_i}].quantity")
                price_ok(d.price, f"{lw}.drivers[{d_i}].price")
            for y_i, y in enumerate(lv.yields):
                names_ok(y.quantity, everything, f"{lw}.yields[{y_i}].quantity")
                if y.indicator not in model.indicators:
                    p.append(f"{lw}.yields[{y_i}].indicator: onbekende indicator {y.indicator!r}")
            if lv.off and (lv.drivers or lv.yields or lv.sets):
                p.append(f"{lw}: een niveau 'off' heeft geen kosten, opbrengst of sets")
    for i, o in enumerate(model.one_off):
        names_ok(o.quantity, everything | of_kind["gevolg"], f"one_off[{i}].quantity")
        price_ok(o.price, f"one_off[{i}].price")
    for code, preset in model.presets.items():
        where = f"presets.{code}.levels"
        listed = {b for b, _c in preset.levels}
        if missing := [b.code for b in model.blocks if b.code not in listed]:
            p.append(f"{where}: geen niveau voor {', '.join(missing)}")
        for block_code, choices in preset.levels:
            block = model.block(block_code)
            if block is None:
                p.append(f"{where}.{block_code}: onbekende bouwsteen")
                continue
            if unknown := [c for c in choices if block.level(c) is None]:
                p.append(f"{where}.{block_code}: onbekend niveau {', '.join(unknown)}")
            elif block.level(choices[-1]).current:
                p.append(f"{where}.{block_code}: eindig met een niveau dat altijd te berekenen is")
    used.update(ind.cockpit_scale for ind in model.indicators.values())
    if unused := sorted(set(params) - used):
        p.append(f"parameters: niet gebruikt: {', '.join(unused)}")
    return p
