"""The place tally keeps the municipality of its branch (statistics.PlaceTally says why and what
happens when a branch moves): the column, filled from the branches as they are, then its index.
Going back drops both; no figure is lost."""

from django.db import migrations, models


def fill(apps, schema_editor):
    tally = apps.get_model("statistics", "PlaceTally")._meta.db_table
    branch = apps.get_model("network", "Branch")._meta.db_table
    municipality = apps.get_model("network", "Municipality")._meta.db_table
    schema_editor.execute(
        f"UPDATE {tally} SET municipality_code = COALESCE((SELECT m.code FROM {branch} b"
        f" JOIN {municipality} m ON m.id = b.municipality_id WHERE b.id = {tally}.branch_id), '')"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0007_opening_hours"),
        ("statistics", "0004_partitioned_events"),
    ]

    operations = [
        migrations.AddField(
            model_name="placetally",
            name="municipality_code",
            field=models.CharField(blank=True, db_default="", default="", max_length=6),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="placetally",
            index=models.Index(
                fields=["municipality_code", "half_year"], name="statistics__municip_79ad78_idx"
            ),
        ),
    ]
