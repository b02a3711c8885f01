from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class StatisticsConfig(AppConfig):
    name = "clb.statistics"
    verbose_name = _("Statistiek")

    def ready(self):
        # The network room sits below this one and cannot call it: a saved branch (it may have
        # moved to another municipality) is heard here, so the place tally follows it.
        from clb.network.models import Branch

        from .tallies import branch_saved

        post_save.connect(branch_saved, sender=Branch, dispatch_uid="statistics.branch_saved")
