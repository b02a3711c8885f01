"""The search ranking's columns: the title as typed (title_key), an index in ranking order (search_schema), and on
PostgreSQL the heading (title with stop words, authors) as its own tsvector (search_schema)."""

from django.db import migrations, models


def set_triggers_aside(apps, schema_editor):
    """SQLite rebuilds the entry table to add the column; its triggers come back in forwards()."""
    from clb.catalogue import search_schema

    if schema_editor.connection.vendor == "sqlite":
        for name in search_schema.SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


def forwards(apps, schema_editor):
    from clb.catalogue import search_schema

    search_schema.install(schema_editor.connection)
    search_schema.refresh(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0009_change_tracking"),
    ]

    operations = [
        migrations.RunPython(set_triggers_aside, migrations.RunPython.noop),
        migrations.AddField(
            model_name="searchentry",
            name="title_key",
            field=models.CharField(db_index=True, default="", max_length=200),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
