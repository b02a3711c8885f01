from django.apps import AppConfig


class CirculationConfig(AppConfig):
    name = "clb.circulation"
    verbose_name = "Uitlening"
