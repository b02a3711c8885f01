"""The statistics room takes over the anonymous statistics from the cockpit, tables and all:
in the state only, so every row stays where it is (0002 then renames the tables)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("cockpit", "0003_dutch_names"),
        ("network", "0006_organisation_fee_grace_renewal_window"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="MemberCountRun",
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
                        ("taken_on", models.DateField(unique=True, verbose_name="peildatum")),
                        ("taken_at", models.DateTimeField(verbose_name="geteld op")),
                        (
                            "memberships",
                            models.PositiveIntegerField(default=0, verbose_name="lidmaatschappen"),
                        ),
                    ],
                    options={
                        "verbose_name": "ledentelling",
                        "verbose_name_plural": "ledentellingen",
                        "db_table": "cockpit_membercountrun",
                    },
                ),
                migrations.CreateModel(
                    name="ClosedPeriod",
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
                        (
                            "code",
                            models.CharField(max_length=7, unique=True, verbose_name="periode"),
                        ),
                        ("closed_at", models.DateTimeField(verbose_name="afgesloten op")),
                        (
                            "closed_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="afgesloten door",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "afgesloten periode",
                        "verbose_name_plural": "afgesloten perioden",
                        "db_table": "cockpit_closedperiod",
                        "ordering": ["code"],
                    },
                ),
                migrations.CreateModel(
                    name="CirculationEvent",
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
                        ("occurred_on", models.DateField(db_index=True)),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("checkout", "Checkout"),
                                    ("checkin", "Checkin"),
                                    ("renew", "Renew"),
                                    ("hold_placed", "Hold Placed"),
                                    ("hold_captured", "Hold Captured"),
                                    ("hold_fulfilled", "Hold Fulfilled"),
                                    ("hold_expired", "Hold Expired"),
                                    ("hold_cancelled", "Hold Cancelled"),
                                    ("lost", "Lost"),
                                    ("member_registered", "Member Registered"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("item_type", models.CharField(blank=True, max_length=30)),
                        ("material_type", models.CharField(blank=True, max_length=12)),
                        ("audience", models.CharField(blank=True, max_length=8)),
                        ("age_band", models.CharField(blank=True, max_length=8)),
                        ("municipality_code", models.CharField(blank=True, max_length=6)),
                        (
                            "branch",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="network.branch",
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="network.organisation",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cockpit_circulationevent",
                        "indexes": [
                            models.Index(
                                fields=["organisation", "occurred_on"],
                                name="cockpit_cir_organis_0ea00e_idx",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="MemberCount",
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
                        ("taken_on", models.DateField(db_index=True)),
                        ("municipality_code", models.CharField(blank=True, max_length=6)),
                        ("age_band", models.CharField(blank=True, max_length=8)),
                        ("memberships", models.PositiveIntegerField(default=0)),
                        ("patrons", models.PositiveIntegerField(default=0)),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="network.organisation",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cockpit_membercount",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=(
                                    "taken_on",
                                    "organisation",
                                    "municipality_code",
                                    "age_band",
                                ),
                                name="member_count_key",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PlaceTally",
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
                        ("half_year", models.DateField()),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("checkout", "Checkout"),
                                    ("checkin", "Checkin"),
                                    ("renew", "Renew"),
                                    ("hold_placed", "Hold Placed"),
                                    ("hold_captured", "Hold Captured"),
                                    ("hold_fulfilled", "Hold Fulfilled"),
                                    ("hold_expired", "Hold Expired"),
                                    ("hold_cancelled", "Hold Cancelled"),
                                    ("lost", "Lost"),
                                    ("member_registered", "Member Registered"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("audience", models.CharField(blank=True, max_length=8)),
                        ("material_type", models.CharField(blank=True, max_length=12)),
                        ("n", models.BigIntegerField(default=0)),
                        (
                            "branch",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="network.branch",
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="network.organisation",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cockpit_placetally",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=(
                                    "half_year",
                                    "action",
                                    "organisation",
                                    "branch",
                                    "audience",
                                    "material_type",
                                ),
                                name="place_tally_key",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ResidenceTally",
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
                        ("half_year", models.DateField()),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("checkout", "Checkout"),
                                    ("checkin", "Checkin"),
                                    ("renew", "Renew"),
                                    ("hold_placed", "Hold Placed"),
                                    ("hold_captured", "Hold Captured"),
                                    ("hold_fulfilled", "Hold Fulfilled"),
                                    ("hold_expired", "Hold Expired"),
                                    ("hold_cancelled", "Hold Cancelled"),
                                    ("lost", "Lost"),
                                    ("member_registered", "Member Registered"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("municipality_code", models.CharField(blank=True, max_length=6)),
                        ("age_band", models.CharField(blank=True, max_length=8)),
                        ("n", models.BigIntegerField(default=0)),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="network.organisation",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cockpit_residencetally",
                        "indexes": [
                            models.Index(
                                fields=["municipality_code", "half_year"],
                                name="cockpit_res_municip_04ed02_idx",
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=(
                                    "half_year",
                                    "action",
                                    "organisation",
                                    "municipality_code",
                                    "age_band",
                                ),
                                name="residence_tally_key",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
