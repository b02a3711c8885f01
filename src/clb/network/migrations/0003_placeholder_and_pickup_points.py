from django.db import migrations, models


def mark_existing(apps, schema_editor):
    """Placeholders are the organisations `clb load-reference` made for unlinked locations; a
    location of unknown kind, or one under a placeholder, is no pickup point until known."""
    Organisation = apps.get_model("network", "Organisation")
    Branch = apps.get_model("network", "Branch")
    Organisation.objects.filter(code__startswith="ongekoppeld-").update(is_placeholder=True)
    Branch.objects.filter(
        models.Q(kind="onbekend") | models.Q(organisation__code__startswith="ongekoppeld-")
    ).update(is_pickup_point=False)


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0002_alter_branch_kind"),
    ]

    operations = [
        migrations.AddField(
            model_name="branch",
            name="is_pickup_point",
            field=models.BooleanField(default=True, verbose_name="afhaalpunt voor reserveringen"),
        ),
        migrations.AddField(
            model_name="organisation",
            name="is_placeholder",
            field=models.BooleanField(
                default=False, verbose_name="nog te koppelen (niet openbaar)"
            ),
        ),
        migrations.RunPython(mark_existing, migrations.RunPython.noop),
    ]
