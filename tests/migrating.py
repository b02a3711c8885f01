"""Migrating a test database back and forth, for tests of migrations that move data."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    """Django's plan to the targets, each step run from the project state just before it: the
    same operations as `migrate`, without re-rendering every app's models at every step. Returns
    the historical apps at the first target."""
    executor = MigrationExecutor(connection)
    for migration, backwards in executor.migration_plan(targets):
        state = executor.loader.project_state((migration.app_label, migration.name), at_end=False)
        step = executor.unapply_migration if backwards else executor.apply_migration
        step(state, migration)
    return MigrationExecutor(connection).loader.project_state(targets[0]).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()
