"""The anonymous statistics moved to the statistics room (statistics 0001): the cockpit lets go of
them in the state only; the tables and their rows stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cockpit", "0004_simulation"),
        ("statistics", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="CirculationEvent"),
                migrations.DeleteModel(name="ClosedPeriod"),
                migrations.DeleteModel(name="MemberCount"),
                migrations.DeleteModel(name="MemberCountRun"),
                migrations.DeleteModel(name="PlaceTally"),
                migrations.DeleteModel(name="ResidenceTally"),
            ],
            database_operations=[],
        ),
    ]
