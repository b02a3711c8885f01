from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CatalogueConfig(AppConfig):
    name = "clb.catalogue"
    verbose_name = "Catalogus"

    def ready(self):
        # registers the SQLite functions the index triggers call
        from . import search_schema  # noqa: F401

        post_migrate.connect(_reinstall_search_triggers, sender=self)


def _reinstall_search_triggers(sender, using="default", plan=None, **kwargs):
    """SQLite drops a table's triggers when a migration rebuilds the table; put them back
    (the search index's and the change tracking's)."""
    from django.db import connections

    from . import changes, search_expression, search_schema

    connection = connections[using]
    tables = connection.introspection.table_names()
    if "catalogue_searchentry" in tables:
        search_schema.install(connection)
    if "catalogue_recordtombstone" in tables:
        changes.install(connection)
        search_expression.install_indexes(connection)
