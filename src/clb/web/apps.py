from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "clb.web"
    verbose_name = "Webpagina's"
