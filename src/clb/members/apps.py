from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "clb.members"
    verbose_name = "Leden"
