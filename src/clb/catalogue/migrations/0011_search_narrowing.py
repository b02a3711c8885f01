"""PostgreSQL: the search's filters (material type, audience, language, holding organisations)
as lexemes in the entries' `narrowing` tsvector, in one GIN index with the words
(search_schema); every entry is written again. SQLite keeps its FTS5 index as it is.

Backwards leaves the column and the index: code before this migration never reads them (the
GIN index over (document, narrowing) serves its document queries too), and going forwards again
writes every entry. Dropping them would be undone by the reinstall after migrate, empty."""

from django.db import migrations


def forwards(apps, schema_editor):
    from clb.catalogue import search_schema

    if schema_editor.connection.vendor == "postgresql":
        search_schema.install(schema_editor.connection)
        search_schema.refresh(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0010_search_rank"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
