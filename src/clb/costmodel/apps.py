from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CostmodelConfig(AppConfig):
    name = "clb.costmodel"
    verbose_name = _("Kostenmodel")

    def ready(self):
        from .loader import install_shipped

        post_migrate.connect(install_shipped, sender=self, dispatch_uid="costmodel_install_shipped")
