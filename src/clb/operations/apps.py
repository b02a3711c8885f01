from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "clb.operations"
    verbose_name = "Beheer: back-up, herstel, controle"
