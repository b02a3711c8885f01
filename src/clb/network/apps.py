from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "clb.network"
    verbose_name = "Netwerk"
