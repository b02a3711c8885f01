from django.apps import AppConfig


class CostmodelConfig(AppConfig):
    name = "clb.costmodel"
    verbose_name = "Kostenmodel"
