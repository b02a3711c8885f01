"""The search index kept by triggers (see clb.catalogue.search_schema), replacing the table of
0004 that signals kept; stored descriptions in the canonical form with their fingerprint."""

from django.db import migrations


def forwards(apps, schema_editor):
    from clb.catalogue import marc, search_schema

    schema_editor.execute("DROP TABLE IF EXISTS catalogue_search")
    search_schema.install(schema_editor.connection)
    BibRecord = apps.get_model("catalogue", "BibRecord")
    for record in BibRecord.objects.exclude(raw_marc="").only("id", "raw_marc").iterator():
        raw = marc.to_marcxml(marc.from_marcxml(record.raw_marc))
        BibRecord.objects.filter(pk=record.pk).update(
            raw_marc=raw, fingerprint=marc.fingerprint(raw)
        )
    search_schema.refresh(schema_editor.connection)


def backwards(apps, schema_editor):
    from clb.catalogue import search_schema

    search_schema.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0006_identity_and_search_entry")]
    operations = [migrations.RunPython(forwards, backwards)]
