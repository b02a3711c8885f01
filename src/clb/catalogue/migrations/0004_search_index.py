"""The full-text index, one per database: FTS5 on SQLite, tsvector + GIN on PostgreSQL."""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE catalogue_search USING fts5("
    "title, authors, subjects, isbn, tokenize='unicode61 remove_diacritics 2')",
]
POSTGRES = [
    # No foreign key: Django's flush truncates its own tables only, and a reference from this
    # table would make that TRUNCATE fail. Deletes reach the index through the post_delete signal,
    # and search joins to existing records, so a stray row can never surface.
    "CREATE TABLE catalogue_search (record_id bigint PRIMARY KEY, document tsvector NOT NULL)",
    "CREATE INDEX catalogue_search_document ON catalogue_search USING GIN (document)",
]


def create(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS catalogue_search")


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0003_bibrecord_match_key_mergelog_recordisbn")]
    operations = [migrations.RunPython(create, drop)]
