"""Members takes the audit log over from web (the API writes it too, and one interface may not
import another): in the state only, so every entry stays where it is (0007 renames the table)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0005_pin_guards_per_channel"),
        ("web", "0005_audit_api"),
        ("network", "0007_opening_hours"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("at", models.DateTimeField(db_index=True, verbose_name="tijdstip")),
                        (
                            "username",
                            models.CharField(max_length=150, verbose_name="gebruikersnaam"),
                        ),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("opened", "lener geopend"),
                                    ("registered", "lid ingeschreven"),
                                    ("checkout", "uitgeleend"),
                                    ("renew", "verlengd"),
                                    ("payment", "betaling ontvangen"),
                                    ("membership_renewed", "lidmaatschap verlengd"),
                                    ("hold_cancelled", "reservering geannuleerd"),
                                    ("lost", "exemplaar verloren gemeld"),
                                    ("pin_reset", "pincode opnieuw ingesteld"),
                                    ("searched", "leden gezocht"),
                                    ("edited", "gegevens gewijzigd"),
                                    ("staff", "medewerkeraccount beheerd"),
                                    ("hold_override", "uitgeleend ondanks reservering"),
                                    ("write_off", "kosten kwijtgescholden"),
                                    ("api", "via de API (app of partner)"),
                                ],
                                max_length=24,
                                verbose_name="handeling",
                            ),
                        ),
                        (
                            "network_access",
                            models.BooleanField(default=False, verbose_name="via netwerkpas"),
                        ),
                        (
                            "detail",
                            models.CharField(blank=True, max_length=300, verbose_name="details"),
                        ),
                        (
                            "branch",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="network.branch",
                                verbose_name="balie",
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="network.organisation",
                                verbose_name="organisatie van de medewerker",
                            ),
                        ),
                        (
                            "patron",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="members.patron",
                                verbose_name="lid",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="medewerker",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "logboekregel",
                        "verbose_name_plural": "logboek",
                        "db_table": "web_auditentry",
                        "ordering": ["-at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["organisation", "-at"],
                                name="web_auditen_organis_34b7a8_idx",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
