"""The tables taken over from the cockpit get the room's name (ALTER TABLE … RENAME: every row
stays), and so do the content types, so permissions and admin history follow the models."""

from django.db import migrations

MOVED = [
    "circulationevent",
    "closedperiod",
    "membercount",
    "membercountrun",
    "placetally",
    "residencetally",
]


def _relabel(old: str, new: str):
    def run(apps, schema_editor):
        content_type = apps.get_model("contenttypes", "ContentType")
        taken = content_type.objects.filter(app_label=new, model__in=MOVED)
        content_type.objects.filter(app_label=old, model__in=MOVED).exclude(
            model__in=taken.values("model")
        ).update(app_label=new)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("statistics", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RenameIndex(
            model_name="circulationevent",
            new_name="statistics__organis_0f6b6e_idx",
            old_name="cockpit_cir_organis_0ea00e_idx",
        ),
        migrations.RenameIndex(
            model_name="residencetally",
            new_name="statistics__municip_517f78_idx",
            old_name="cockpit_res_municip_04ed02_idx",
        ),
        migrations.AlterModelTable(
            name="circulationevent",
            table=None,
        ),
        migrations.AlterModelTable(
            name="closedperiod",
            table=None,
        ),
        migrations.AlterModelTable(
            name="membercount",
            table=None,
        ),
        migrations.AlterModelTable(
            name="membercountrun",
            table=None,
        ),
        migrations.AlterModelTable(
            name="placetally",
            table=None,
        ),
        migrations.AlterModelTable(
            name="residencetally",
            table=None,
        ),
        migrations.RunPython(_relabel("cockpit", "statistics"), _relabel("statistics", "cockpit")),
    ]
