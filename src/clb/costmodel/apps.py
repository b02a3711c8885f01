from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CostmodelConfig(AppConfig):
    name = "clb.costmodel"
    verbose_name = "Kostenmodel"

    def ready(self):
        from .loader import install_shipped

        post_migrate.connect(install_shipped, sender=self, dispatch_uid="costmodel_install_shipped")
