"""On PostgreSQL the events table becomes partitioned by month (statistics/partitions.py): the
table that was becomes one partition covering the months it holds - no row is copied, only its
primary key is rebuilt to include `occurred_on`, as PostgreSQL requires of a partitioned table's
keys - beside a DEFAULT partition for months without one. Django still sees `id` as the key: the
sequence keeps it unique and nothing points at an event. SQLite keeps one table.

Also the record of archived months and their counts (statistics/archive.py)."""

from datetime import date

import django.db.models.deletion
from django.db import migrations, models

TABLE = "statistics_circulationevent"
LEGACY = f"{TABLE}_legacy"


def _month(day: date) -> date:
    return date(day.year, day.month, 1)


def _after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT min(occurred_on), max(occurred_on), max(id) FROM {TABLE}")
        first, last, top = cursor.fetchone()
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid"
            " WHERE x.indrelid = %s::regclass AND NOT x.indisprimary",
            [TABLE],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype IN ('p', 'f')",
            [TABLE],
        )
        constraints = cursor.fetchall()

        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {LEGACY}")
        for n, (name, _definition) in enumerate(indexes):
            cursor.execute(f"ALTER INDEX {name} RENAME TO {LEGACY}_{n}")
        for name, kind, _definition in constraints:
            if kind == "p":
                cursor.execute(f"ALTER TABLE {LEGACY} DROP CONSTRAINT {name}")
        cursor.execute(f"ALTER TABLE {LEGACY} ALTER COLUMN id DROP IDENTITY IF EXISTS")
        cursor.execute(f"ALTER TABLE {LEGACY} ALTER COLUMN id DROP DEFAULT")

        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {LEGACY} INCLUDING DEFAULTS)"
            f" PARTITION BY RANGE (occurred_on)"
        )
        cursor.execute(f"ALTER TABLE {TABLE} ADD PRIMARY KEY (id, occurred_on)")
        cursor.execute(f"CREATE SEQUENCE {TABLE}_id_seq OWNED BY {TABLE}.id")
        cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{TABLE}_id_seq')")
        cursor.execute(f"SELECT setval('{TABLE}_id_seq', %s, false)", [(top or 0) + 1])
        for name, kind, definition in constraints:
            if kind == "f":
                cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} {definition}")
        for _name, definition in indexes:  # their own names, now on the partitioned table
            cursor.execute(definition)

        if first is None:
            cursor.execute(f"DROP TABLE {LEGACY}")
        else:
            start, end = _month(first), _after(last)
            cursor.execute(
                f"ALTER TABLE {TABLE} ATTACH PARTITION {LEGACY}"
                f" FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
            )
            cursor.execute(f"ALTER TABLE {LEGACY} RENAME TO {TABLE}_{start:%Y_%m}_tot_{end:%Y_%m}")
        cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")


def unpartition(apps, schema_editor):
    """Back to one table: here every row is copied (going back is the rare way)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_partitioned")
        cursor.execute(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " WHERE x.indrelid = %s::regclass",
            [f"{TABLE}_partitioned"],
        )
        for n, (name,) in enumerate(cursor.fetchall()):
            cursor.execute(f"ALTER INDEX {name} RENAME TO {TABLE}_partitioned_{n}")
        cursor.execute(f"ALTER TABLE {TABLE}_partitioned ALTER COLUMN id DROP DEFAULT")
        cursor.execute(f"DROP SEQUENCE {TABLE}_id_seq")
    model = apps.get_model("statistics", "CirculationEvent")
    schema_editor.create_model(model)
    columns = ", ".join(f.column for f in model._meta.local_concrete_fields)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} ({columns}) OVERRIDING SYSTEM VALUE"
            f" SELECT {columns} FROM {TABLE}_partitioned"
        )
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'),"
            f" COALESCE((SELECT max(id) FROM {TABLE}), 0) + 1, false)"
        )
        cursor.execute(f"DROP TABLE {TABLE}_partitioned CASCADE")


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0006_organisation_fee_grace_renewal_window"),
        ("statistics", "0003_event_source"),
    ]

    operations = [
        migrations.RunPython(partition, unpartition),
        migrations.CreateModel(
            name="ArchivedMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(unique=True, verbose_name="maand")),
                ("archived_at", models.DateTimeField(verbose_name="gearchiveerd op")),
                ("events", models.BigIntegerField(default=0, verbose_name="gebeurtenissen")),
                (
                    "exported_to",
                    models.CharField(blank=True, max_length=500, verbose_name="bestand"),
                ),
            ],
            options={
                "verbose_name": "gearchiveerde maand",
                "verbose_name_plural": "gearchiveerde maanden",
                "ordering": ["month"],
            },
        ),
        migrations.CreateModel(
            name="ArchivedCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
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
                ("municipality_code", models.CharField(blank=True, max_length=6)),
                ("age_band", models.CharField(blank=True, max_length=8)),
                ("n", models.BigIntegerField()),
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
                "indexes": [models.Index(fields=["month"], name="statistics__month_15cbce_idx")],
            },
        ),
    ]
