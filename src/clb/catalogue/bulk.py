"""Writing many new rows at once: COPY on PostgreSQL, bulk_create elsewhere.

Django's bulk_create on PostgreSQL quotes every value in Python (client-side binding), which
cost the importer more than reading MARC did. COPY sends the rows through psycopg's C dumpers.
Primary keys are taken from the table's sequence first, so callers get them as with
bulk_create. Triggers fire for COPY as for INSERT, so the search index stays current.
"""

import json

from django.db import connection, models
from django.utils import timezone


def create(model: type[models.Model], objects: list[models.Model]) -> list[models.Model]:
    if not objects:
        return objects
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objects)
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
        columns = ", ".join(connection.ops.quote_name(f.column) for f in [meta.pk, *fields])
        # psycopg's own cursor: its errors reach callers as Django's, like every other query's
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {meta.db_table} ({columns}) FROM STDIN") as copy,
        ):
            for obj in objects:
                copy.write_row(
                    [obj.pk]
                    + [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
                )
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objects


def insert(model: type[models.Model], rows: list[dict]) -> list[int]:
    """Rows given as {attribute name: value} (JSON fields as Python values), every other column
    its default, written as create() does; returns their primary keys in order. Without model
    instances and Django's per-field preparation, which cost more than the COPY itself."""
    if not rows:
        return []
    meta = model._meta
    if connection.vendor != "postgresql":
        return [obj.pk for obj in model.objects.bulk_create([model(**row) for row in rows])]
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    defaults, dumped = {}, set()
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif f.has_default():
            defaults[f.attname] = f.get_db_prep_save(f.get_default(), connection)
        else:
            defaults[f.attname] = None
        if isinstance(f, models.JSONField):
            dumped.add(f.attname)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        pks = [row[0] for row in cursor.fetchall()]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in [meta.pk, *fields])
        names = [f.attname for f in fields]
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {meta.db_table} ({columns}) FROM STDIN") as copy,
        ):
            for pk, row in zip(pks, rows, strict=True):
                copy.write_row(
                    [pk]
                    + [
                        (json.dumps(row[n]) if n in dumped else row[n]) if n in row else defaults[n]
                        for n in names
                    ]
                )
    return pks
