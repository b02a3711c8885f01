"""Model files into tables and tables into a Model.

The shipped file (data/model.json) is installed after every `migrate` (post_migrate), so a fresh
database, the test database and an upgraded installation all have the model; `clb costmodel-load`
installs another file. A version, once loaded, never changes: loading the same version with other
content is refused, and a new version becomes the one in use when its number is higher."""

import json
from functools import lru_cache
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import definitions as d
from . import models as m
from . import schema

SHIPPED_FILE = Path(__file__).resolve().parent / "data" / "model.json"


class LoadError(ValueError):
    pass


def read_file(path: Path | str) -> tuple[dict, d.Model]:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise LoadError(f"{path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise LoadError(f"{path}: geen geldige JSON (regel {exc.lineno}: {exc.msg})") from exc
    return document, schema.parse(document)


def _terms(expr: d.Expression) -> list:
    return d.expression_tokens(expr)


@transaction.atomic
def install(model: d.Model, *, activate: bool | None = None) -> m.ModelVersion:
    """Store a checked model. activate=None: make it current when it is newer than the current."""
    existing = m.ModelVersion.objects.filter(version=model.version).first()
    if existing is not None:
        if existing.checksum != model.checksum:
            raise LoadError(
                f"versie {model.version} is al geladen met andere inhoud; geef het bestand een "
                "nieuw versienummer"
            )
        if activate:
            _make_current(existing)
        return existing
    version = m.ModelVersion.objects.create(
        version=model.version,
        title=model.title,
        note=model.note,
        checksum=model.checksum,
        size_class_source=model.size_class_source,
        # A list, not an object: PostgreSQL's jsonb keeps no order of keys, and the order of
        # the presets is the order of the pages' columns.
        presets=[
            {
                "code": pr.code,
                "name": pr.name,
                "description": pr.description,
                "levels": [[block, list(choices)] for block, choices in pr.levels],
            }
            for pr in model.presets.values()
        ],
        loaded_at=timezone.now(),
    )
    m.Parameter.objects.bulk_create(
        m.Parameter(
            model_version=version,
            code=p.code,
            name=p.name,
            group=p.group,
            value=p.value,
            unit=p.unit,
            year=p.year,
            source=p.source,
            is_estimate=p.estimate,
            minimum=p.minimum,
            maximum=p.maximum,
            position=i,
        )
        for i, p in enumerate(model.parameters.values())
    )
    m.Variable.objects.bulk_create(
        m.Variable(
            model_version=version,
            code=v.code,
            kind=v.kind,
            name=v.name,
            unit=v.unit,
            source=v.source,
            expression=_terms(v.expression) if v.expression is not None else None,
            default=_terms(v.default) if v.default is not None else None,
            estimate=_terms(v.estimate) if v.estimate is not None else None,
            estimate_note=v.estimate_note,
            counts_people=v.people,
            position=i,
        )
        for i, v in enumerate(model.variables.values())
    )
    m.Indicator.objects.bulk_create(
        m.Indicator(
            model_version=version,
            code=ind.code,
            name=ind.name,
            unit=ind.unit,
            cockpit_formula=ind.cockpit_formula,
            cockpit_scale=ind.cockpit_scale,
            cockpit_note=ind.cockpit_note,
            counts_people=ind.people,
            position=i,
        )
        for i, ind in enumerate(model.indicators.values())
    )
    for block in model.blocks:
        row = m.Block.objects.create(
            model_version=version,
            code=block.code,
            name=block.name,
            function=block.function,
            priority=block.priority,
            description=block.description,
            active_if=block.active_if,
        )
        _store_rules(row, None, block.drivers, block.yields)
        for i, level in enumerate(block.levels):
            level_row = m.Level.objects.create(
                block=row,
                code=level.code,
                name=level.name,
                description=level.description,
                tier=level.tier,
                is_current=level.current,
                is_off=level.off,
                extends=level.extends,
                sets={name: _terms(expr) for name, expr in level.sets},
                position=i,
            )
            _store_rules(row, level_row, level.drivers, level.yields)
    m.OneOffRule.objects.bulk_create(
        m.OneOffRule(
            model_version=version,
            position=i,
            label=o.label,
            unit=o.unit,
            quantity=_terms(o.quantity),
            price=o.price.tokens(),
        )
        for i, o in enumerate(model.one_off)
    )
    m.SizeClass.objects.bulk_create(
        m.SizeClass(model_version=version, position=i, low=c.low, high=c.high, name=c.name)
        for i, c in enumerate(model.size_classes)
    )
    m.Rule.objects.bulk_create(
        m.Rule(
            model_version=version,
            code=r.code,
            value=r.value,
            unit=r.unit,
            year=r.year,
            source=r.source,
        )
        for r in model.rules.values()
    )
    current = m.ModelVersion.objects.filter(is_current=True).first()
    if activate or (
        activate is None
        and (current is None or d.version_key(model.version) > d.version_key(current.version))
    ):
        _make_current(version)
    return version


def _store_rules(block_row, level_row, drivers, yields):
    m.Driver.objects.bulk_create(
        m.Driver(
            block=block_row,
            level=level_row,
            position=i,
            label=dr.label,
            kind=dr.kind,
            unit=dr.unit,
            quantity=_terms(dr.quantity),
            price=dr.price.tokens(),
        )
        for i, dr in enumerate(drivers)
    )
    m.YieldRule.objects.bulk_create(
        m.YieldRule(
            block=block_row,
            level=level_row,
            position=i,
            indicator=y.indicator,
            quantity=_terms(y.quantity),
        )
        for i, y in enumerate(yields)
    )


def _make_current(version: m.ModelVersion) -> None:
    m.ModelVersion.objects.filter(is_current=True).exclude(pk=version.pk).update(is_current=False)
    if not version.is_current:
        version.is_current = True
        version.save(update_fields=["is_current"])


def install_file(path: Path | str, *, activate: bool | None = None) -> m.ModelVersion:
    _document, model = read_file(path)
    return install(model, activate=activate)


def install_shipped(**_signal_kwargs) -> None:
    """post_migrate: make sure the model shipped with this release is in the database."""
    from django.db import connection

    if m.ModelVersion._meta.db_table not in connection.introspection.table_names():
        return  # migrated only part of the way (e.g. `migrate costmodel 0001`)
    install_file(SHIPPED_FILE)


# --- reading ------------------------------------------------------------------------------------


def _expr(raw) -> d.Expression:
    return d.parse_expression(raw, "db")


_plain = d.plain


def version_row(version: str | None = None) -> m.ModelVersion:
    if version:
        row = m.ModelVersion.objects.filter(version=version).first()
        if row is None:
            raise LoadError(
                _("kostenmodel versie %(version)s is niet geladen") % {"version": version}
            )
        return row
    row = m.ModelVersion.objects.filter(is_current=True).first()
    if row is None:
        # A database that skipped post_migrate (e.g. a flushed test database): install it now.
        install_shipped()
        row = m.ModelVersion.objects.get(is_current=True)
    return row


def load(version: str | None = None) -> d.Model:
    row = version_row(version)
    return _load(row.pk, row.checksum)


@lru_cache(maxsize=8)
def _load(pk: int, checksum: str) -> d.Model:
    # A loaded version never changes (see install), so (pk, checksum) is a safe cache key.
    row = m.ModelVersion.objects.get(pk=pk)
    parameters = {
        p.code: d.Parameter(
            p.code,
            p.name,
            p.group,
            _plain(p.value),
            p.unit,
            p.year,
            p.source,
            p.is_estimate,
            _plain(p.minimum),
            _plain(p.maximum),
        )
        for p in row.parameters.all()
    }
    variables = {
        v.code: d.Variable(
            v.code,
            v.kind,
            v.name,
            v.unit,
            v.source,
            _expr(v.expression) if v.expression is not None else None,
            _expr(v.default) if v.default is not None else None,
            v.counts_people,
            _expr(v.estimate) if v.estimate is not None else None,
            v.estimate_note,
        )
        for v in row.variables.all()
    }
    indicators = {
        i.code: d.Indicator(
            i.code,
            i.name,
            i.unit,
            i.cockpit_formula,
            i.cockpit_scale,
            i.cockpit_note,
            i.counts_people,
        )
        for i in row.indicators.all()
    }
    drivers: dict[tuple, list] = {}
    for dr in m.Driver.objects.filter(block__model_version=row).order_by("position"):
        drivers.setdefault((dr.block_id, dr.level_id), []).append(
            d.Driver(dr.label, dr.kind, dr.unit, _expr(dr.quantity), d.parse_term(dr.price, "db"))
        )
    yields: dict[tuple, list] = {}
    for y in m.YieldRule.objects.filter(block__model_version=row).order_by("position"):
        yields.setdefault((y.block_id, y.level_id), []).append(
            d.YieldRule(y.indicator, _expr(y.quantity))
        )
    levels: dict[int, list] = {}
    for lv in m.Level.objects.filter(block__model_version=row).order_by("position"):
        levels.setdefault(lv.block_id, []).append(
            d.Level(
                lv.code,
                lv.name,
                lv.description,
                lv.tier,
                lv.is_current,
                lv.is_off,
                lv.extends,
                tuple((k, _expr(v)) for k, v in lv.sets.items()),
                tuple(drivers.get((lv.block_id, lv.pk), [])),
                tuple(yields.get((lv.block_id, lv.pk), [])),
            )
        )
    blocks = tuple(
        d.Block(
            b.code,
            b.name,
            b.function,
            b.priority,
            b.description,
            b.active_if,
            tuple(drivers.get((b.pk, None), [])),
            tuple(yields.get((b.pk, None), [])),
            tuple(levels.get(b.pk, [])),
        )
        for b in row.blocks.order_by("priority")
    )
    return d.Model(
        row.version,
        row.title,
        row.note,
        row.checksum,
        parameters,
        variables,
        indicators,
        blocks,
        tuple(
            d.OneOff(o.label, o.unit, _expr(o.quantity), d.parse_term(o.price, "db"))
            for o in row.one_off_rules.all()
        ),
        tuple(d.SizeClass(c.low, c.high, c.name) for c in row.size_classes.all()),
        row.size_class_source,
        {
            r.code: d.Rule(r.code, _plain(r.value), r.unit, r.year, r.source)
            for r in row.rules.all()
        },
        {
            raw["code"]: d.Preset(
                raw["code"],
                raw["name"],
                raw["description"],
                tuple((block, tuple(choices)) for block, choices in raw["levels"]),
            )
            for raw in row.presets
        },
    )
