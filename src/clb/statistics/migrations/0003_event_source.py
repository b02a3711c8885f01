"""Events get their source: history a migration brings in is kept (to trace and undo it) but
not counted. `objects` counts; `everything` has them all."""

import django.db.models.manager
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("statistics", "0002_tables_named_after_room"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="circulationevent",
            options={"base_manager_name": "everything"},
        ),
        migrations.AlterModelManagers(
            name="circulationevent",
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("everything", django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddField(
            model_name="circulationevent",
            name="source",
            field=models.CharField(blank=True, db_default="", default="", max_length=40),
        ),
    ]
