from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "clb.catalogue"
    verbose_name = "Catalogus"
