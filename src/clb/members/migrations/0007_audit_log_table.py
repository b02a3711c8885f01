"""The audit log's table gets the room's name (ALTER TABLE … RENAME: every entry stays), and so
does its content type, so permissions follow the model."""

from django.db import migrations


def _relabel(old: str, new: str):
    def run(apps, schema_editor):
        content_type = apps.get_model("contenttypes", "ContentType")
        if not content_type.objects.filter(app_label=new, model="auditentry").exists():
            content_type.objects.filter(app_label=old, model="auditentry").update(app_label=new)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0006_audit_log"),
        ("web", "0006_audit_log_to_members"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RenameIndex(
            model_name="auditentry",
            new_name="members_aud_organis_bc3f96_idx",
            old_name="web_auditen_organis_34b7a8_idx",
        ),
        migrations.AlterModelTable(name="auditentry", table=None),
        migrations.RunPython(_relabel("web", "members"), _relabel("members", "web")),
    ]
