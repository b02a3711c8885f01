from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "clb.web"
    verbose_name = "Webpagina's"

    def ready(self):
        # connect the staff-login failure counter and the security alerts to their signals
        from . import alerts, auth  # noqa: F401
