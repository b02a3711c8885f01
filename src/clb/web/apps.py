from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "clb.web"
    verbose_name = "Webpagina's"

    def ready(self):
        # connects the staff-login failure counter to Django's signal
        from . import auth  # noqa: F401
