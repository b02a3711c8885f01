from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "clb.services"
    verbose_name = "Maatschappelijke diensten"
