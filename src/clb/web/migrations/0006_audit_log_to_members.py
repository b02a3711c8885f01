"""The audit log moved to members (members 0006): web lets go of it in the state only; the table
and its entries stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("web", "0005_audit_api"),
        ("members", "0006_audit_log"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEntry")],
            database_operations=[],
        ),
    ]
