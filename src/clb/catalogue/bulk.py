"""Writing many new rows at once: COPY on PostgreSQL, bulk_create elsewhere.

Django's bulk_create on PostgreSQL quotes every value in Python (client-side binding), which
cost the importer more than reading MARC did. COPY sends the rows through psycopg's C dumpers.
Primary keys are taken from the table's sequence first, so callers get them as with
bulk_create. Triggers fire for COPY as for INSERT, so the search index stays current.
"""

from django.db import connection, models


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
