from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "clb.accounts"
    verbose_name = "Accounts"
