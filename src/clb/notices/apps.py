from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "clb.notices"
    verbose_name = "Berichten en taken"
