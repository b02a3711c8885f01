from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "clb.exchange"
    verbose_name = "Uitwisseling"
