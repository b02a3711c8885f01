from django.apps import AppConfig


class SelfserviceConfig(AppConfig):
    name = "clb.selfservice"
    verbose_name = "Zelfservice (SIP2)"
