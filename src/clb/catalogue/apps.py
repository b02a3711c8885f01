from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "clb.catalogue"
    verbose_name = "Catalogus"

    def ready(self):
        from . import search  # noqa: F401  (connects the index to record changes)
