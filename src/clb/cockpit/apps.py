from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    name = "clb.cockpit"
    verbose_name = _("Cockpit")

    def ready(self):
        from clb.statistics import counts

        from . import simulation

        counts.add_contributor(simulation.member_counts)
