from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "clb.services"
    verbose_name = _("Maatschappelijke diensten")

    def ready(self):
        # As the statistics room does for the place tally: the IDO tally follows a branch that
        # moved to another municipality.
        from clb.network.models import Branch

        from .tallies import branch_saved

        post_save.connect(branch_saved, sender=Branch, dispatch_uid="services.branch_saved")
