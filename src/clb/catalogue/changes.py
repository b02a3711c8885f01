"""Change tracking in the database: what harvesters (OAI-PMH) and the holdings feed read.

Triggers, so that every write is seen however it is made (the ORM, bulk COPY, queryset.update,
raw SQL, the admin):
- a record's `changed_at` moves on every update of the record and on every change to the
  holdings data of its copies: a copy added, deleted, moved to another record or organisation,
  given another branch, call number, item type or barcode, or going out of (or back into) the
  collection (withdrawn, lost, missing). A checkout or return is not a change of holdings: live
  availability is read when a record is served, and 60 million loans a year would otherwise make
  every harvest a full one;
- a copy's own `changed_at` moves on the same holdings changes (the holdings feed);
- deleting a record leaves a RecordTombstone, deleting a copy an ItemTombstone.
A writer that sets `changed_at` itself keeps its value (migrations, tests that fix time).

The stamp is the database clock at the moment of the write (clock_timestamp() on PostgreSQL, not
the transaction's start, so a long import stamps late rather than early)."""

GONE = ("withdrawn", "lost", "missing")
HOLDINGS_COLUMNS = (
    "barcode",
    "record_id",
    "organisation_id",
    "home_branch_id",
    "call_number",
    "item_type_id",
    "ill_lender",
)
_GONE_SQL = ", ".join(f"'{s}'" for s in GONE)


def _holdings_changed(distinct: str) -> str:
    """SQL condition, for a row trigger with OLD and NEW, that the holdings data changed."""
    columns = " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in HOLDINGS_COLUMNS)
    return f"({columns} OR (OLD.status IN ({_GONE_SQL})) {distinct} (NEW.status IN ({_GONE_SQL})))"


# --- PostgreSQL -----------------------------------------------------------------------------

PG_FUNCTIONS = {
    "catalogue_stamp_row": """
        BEGIN
            IF NEW.changed_at IS NOT DISTINCT FROM OLD.changed_at THEN
                NEW.changed_at := clock_timestamp();
            END IF;
            RETURN NEW;
        END""",
    "catalogue_item_moved_record": """
        BEGIN
            UPDATE catalogue_bibrecord SET changed_at = clock_timestamp()
            WHERE id IN (OLD.record_id, NEW.record_id);
            RETURN NULL;
        END""",
    # Records written earlier in the same transaction (an import) are already stamped: skip them.
    "catalogue_items_added_record": """
        BEGIN
            UPDATE catalogue_bibrecord SET changed_at = clock_timestamp()
            WHERE id IN (SELECT record_id FROM added) AND changed_at < now();
            RETURN NULL;
        END""",
    "catalogue_items_removed_record": """
        BEGIN
            UPDATE catalogue_bibrecord SET changed_at = clock_timestamp()
            WHERE id IN (SELECT record_id FROM removed);
            INSERT INTO catalogue_itemtombstone (barcode, record_id, organisation_id, deleted_at)
            SELECT barcode, record_id, organisation_id, clock_timestamp() FROM removed;
            RETURN NULL;
        END""",
    "catalogue_records_removed_tombstone": """
        BEGIN
            INSERT INTO catalogue_recordtombstone
                (record_id, deleted_at, title, material_type, replaced_by_id, organisation_ids)
            SELECT id, clock_timestamp(), left(title, 500), material_type, NULL, '[]'::jsonb
            FROM removed
            ON CONFLICT (record_id) DO UPDATE SET deleted_at = EXCLUDED.deleted_at;
            RETURN NULL;
        END""",
}
PG_TRIGGERS = {
    "catalogue_record_stamp": "BEFORE UPDATE ON catalogue_bibrecord FOR EACH ROW "
    "EXECUTE FUNCTION catalogue_stamp_row()",
    "catalogue_item_stamp": "BEFORE UPDATE ON catalogue_item FOR EACH ROW WHEN "
    f"{_holdings_changed('IS DISTINCT FROM')} EXECUTE FUNCTION catalogue_stamp_row()",
    "catalogue_item_changed_record": "AFTER UPDATE ON catalogue_item FOR EACH ROW WHEN "
    f"{_holdings_changed('IS DISTINCT FROM')} EXECUTE FUNCTION catalogue_item_moved_record()",
    "catalogue_items_added_record": "AFTER INSERT ON catalogue_item REFERENCING NEW TABLE AS "
    "added FOR EACH STATEMENT EXECUTE FUNCTION catalogue_items_added_record()",
    "catalogue_items_removed_record": "AFTER DELETE ON catalogue_item REFERENCING OLD TABLE AS "
    "removed FOR EACH STATEMENT EXECUTE FUNCTION catalogue_items_removed_record()",
    "catalogue_records_removed_tombstone": "AFTER DELETE ON catalogue_bibrecord REFERENCING OLD "
    "TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION catalogue_records_removed_tombstone()",
}


def _table(definition: str) -> str:
    return definition.split(" ON ")[1].split()[0]


def _pg_install(cursor) -> None:
    for name, body in PG_FUNCTIONS.items():
        cursor.execute(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$"
        )
    for name, definition in PG_TRIGGERS.items():
        cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {_table(definition)}")
        cursor.execute(f"CREATE TRIGGER {name} {definition}")


def _pg_uninstall(cursor) -> None:
    for name, definition in PG_TRIGGERS.items():
        cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {_table(definition)}")
    for name in PG_FUNCTIONS:
        cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")


# --- SQLite ---------------------------------------------------------------------------------

# Django keeps datetimes on SQLite as UTC text with microseconds.
SQLITE_NOW = "(strftime('%Y-%m-%d %H:%M:%f', 'now') || '000')"
_TOUCH_RECORD = "UPDATE catalogue_bibrecord SET changed_at = " + SQLITE_NOW + " WHERE id = {r};"
SQLITE_TRIGGERS = {
    # An AFTER trigger updating its own row: SQLite does not recurse (recursive_triggers is off)
    # and the second update changes changed_at, so the WHEN is false for it anyway.
    "catalogue_record_stamp": "AFTER UPDATE ON catalogue_bibrecord "
    "WHEN NEW.changed_at IS OLD.changed_at BEGIN "
    f"UPDATE catalogue_bibrecord SET changed_at = {SQLITE_NOW} WHERE id = NEW.id; END",
    "catalogue_item_stamp": "AFTER UPDATE ON catalogue_item WHEN NEW.changed_at IS "
    f"OLD.changed_at AND {_holdings_changed('IS NOT')} BEGIN "
    f"UPDATE catalogue_item SET changed_at = {SQLITE_NOW} WHERE id = NEW.id; END",
    "catalogue_item_changed_record": "AFTER UPDATE ON catalogue_item WHEN "
    f"{_holdings_changed('IS NOT')} BEGIN "
    + _TOUCH_RECORD.format(r="OLD.record_id")
    + _TOUCH_RECORD.format(r="NEW.record_id")
    + " END",
    "catalogue_item_added_record": "AFTER INSERT ON catalogue_item BEGIN "
    + _TOUCH_RECORD.format(r="NEW.record_id")
    + " END",
    "catalogue_item_removed_record": "AFTER DELETE ON catalogue_item BEGIN "
    + _TOUCH_RECORD.format(r="OLD.record_id")
    + " INSERT INTO catalogue_itemtombstone (barcode, record_id, organisation_id, deleted_at) "
    f"VALUES (OLD.barcode, OLD.record_id, OLD.organisation_id, {SQLITE_NOW}); END",
    "catalogue_record_removed_tombstone": "AFTER DELETE ON catalogue_bibrecord BEGIN "
    "INSERT OR REPLACE INTO catalogue_recordtombstone "
    "(record_id, deleted_at, title, material_type, replaced_by_id, organisation_ids) "
    f"VALUES (OLD.id, {SQLITE_NOW}, substr(OLD.title, 1, 500), OLD.material_type, NULL, '[]'); "
    "END",
}


def install(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _pg_install(cursor)
        else:
            for name, definition in SQLITE_TRIGGERS.items():
                cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {definition}")


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _pg_uninstall(cursor)
        else:
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
