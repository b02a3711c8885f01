from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    name = "clb.cockpit"
    verbose_name = _("Cockpit")
