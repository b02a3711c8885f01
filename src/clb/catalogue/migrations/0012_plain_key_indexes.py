"""The keys that are only ever compared whole (a record's ISBN, match key and fingerprint, a
merge's fingerprint, RecordIsbn's ISBN-13 and the search entry's title key) keep one plain index
each (models.KEY_INDEXES): on PostgreSQL Django gave every db_index CharField a second index,
`<name>_like` with varchar_pattern_ops, for LIKE 'prefix%', which no query of these columns makes
(the importer looks them up with = ANY, search compares title_key with =) and which every insert
of the import kept up to date too.

PostgreSQL: the `_like` indexes are dropped and the plain ones renamed to their declared names,
which costs nothing at any size (no index is built). SQLite never had `_like` indexes; its plain
ones are made again under the declared names (SQLite cannot rename an index). Backwards builds
the `_like` indexes again and gives the plain ones their old names."""

import re

from django.db import migrations, models

# (model, field, the declared index's name)
KEYS = [
    ("bibrecord", "isbn", "catalogue_record_isbn"),
    ("bibrecord", "match_key", "catalogue_record_match_key"),
    ("bibrecord", "fingerprint", "catalogue_record_fingerprint"),
    ("mergelog", "fingerprint", "catalogue_merge_fingerprint"),
    ("recordisbn", "isbn13", "catalogue_isbn_isbn13"),
    ("searchentry", "title_key", "catalogue_entry_title_key"),
]


def _columns(apps):
    for model_name, field_name, name in KEYS:
        model = apps.get_model("catalogue", model_name)
        yield model._meta.db_table, model._meta.get_field(field_name).column, name


def _postgresql_indexes(cursor, table: str, column: str) -> dict[str, bool]:
    """The indexes on the column alone: name → whether it is a pattern_ops (`_like`) one."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes "
        "WHERE schemaname = current_schema() AND tablename = %s",
        [table],
    )
    alone = re.compile(rf'USING btree \(("?){re.escape(column)}\1( \w+_pattern_ops)?\)$')
    found = {}
    for name, definition in cursor.fetchall():
        if "UNIQUE" not in definition and (m := alone.search(definition)):
            found[name] = bool(m.group(2))
    return found


def _sqlite_indexes(schema_editor, cursor, table: str, column: str) -> list[str]:
    constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, c in constraints.items()
        if c["index"] and not c["unique"] and not c["primary_key"] and c["columns"] == [column]
    ]


def forwards(apps, schema_editor):
    qn = schema_editor.quote_name
    postgresql = schema_editor.connection.vendor == "postgresql"
    with schema_editor.connection.cursor() as cursor:
        for table, column, name in _columns(apps):
            if postgresql:
                plain = None
                for index, like in _postgresql_indexes(cursor, table, column).items():
                    if like:
                        schema_editor.execute(f"DROP INDEX {qn(index)}")
                    elif plain is None and index != name:
                        plain = index
                        schema_editor.execute(f"ALTER INDEX {qn(index)} RENAME TO {qn(name)}")
                if plain is not None:
                    continue
            else:
                for index in _sqlite_indexes(schema_editor, cursor, table, column):
                    if index != name:
                        schema_editor.execute(f"DROP INDEX {qn(index)}")
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {qn(name)} ON {qn(table)} ({qn(column)})"
            )


def backwards(apps, schema_editor):
    qn = schema_editor.quote_name
    postgresql = schema_editor.connection.vendor == "postgresql"
    for table, column, name in _columns(apps):
        old = schema_editor._create_index_name(table, [column], suffix="")
        if postgresql:
            schema_editor.execute(f"ALTER INDEX {qn(name)} RENAME TO {qn(old)}")
            like = schema_editor._create_index_name(table, [column], suffix="_like")
            schema_editor.execute(
                f"CREATE INDEX {qn(like)} ON {qn(table)} ({qn(column)} varchar_pattern_ops)"
            )
        else:
            schema_editor.execute(f"DROP INDEX {qn(name)}")
            schema_editor.execute(f"CREATE INDEX {qn(old)} ON {qn(table)} ({qn(column)})")


def _index(field: str, name: str):
    return models.Index(fields=[field], name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0011_search_narrowing"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.AlterField(
                    model_name="bibrecord",
                    name="fingerprint",
                    field=models.CharField(
                        blank=True, max_length=40, verbose_name="vingerafdruk (MARC)"
                    ),
                ),
                migrations.AlterField(
                    model_name="bibrecord",
                    name="isbn",
                    field=models.CharField(blank=True, max_length=13, verbose_name="ISBN-13"),
                ),
                migrations.AlterField(
                    model_name="bibrecord",
                    name="match_key",
                    field=models.CharField(
                        blank=True, max_length=200, verbose_name="ontdubbelsleutel"
                    ),
                ),
                migrations.AlterField(
                    model_name="mergelog",
                    name="fingerprint",
                    field=models.CharField(
                        blank=True, max_length=40, verbose_name="vingerafdruk (MARC)"
                    ),
                ),
                migrations.AlterField(
                    model_name="recordisbn",
                    name="isbn13",
                    field=models.CharField(max_length=13),
                ),
                migrations.AlterField(
                    model_name="searchentry",
                    name="title_key",
                    field=models.CharField(default="", max_length=200),
                ),
                *(
                    migrations.AddIndex(model_name=model, index=_index(field, name))
                    for model, field, name in KEYS
                ),
            ],
        ),
    ]
