from django.apps import AppConfig


class CockpitConfig(AppConfig):
    name = "clb.cockpit"
    verbose_name = "Cockpit"
