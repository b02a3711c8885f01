from django import forms
from django.contrib import admin

from clb.accounts.admin_scoped import OrganisationScopedAdmin

from .models import KioskAccount


class KioskAccountForm(forms.ModelForm):
    password = forms.CharField(
        label="Wachtwoord",
        required=False,
        widget=forms.PasswordInput,
        help_text="Leeg laten om het huidige wachtwoord te houden.",
    )

    class Meta:
        model = KioskAccount
        fields = ["login", "branch", "description", "require_pin", "active"]

    def clean(self):
        data = super().clean()
        if not self.instance.pk and not data.get("password"):
            self.add_error("password", "Een nieuwe zuil heeft een wachtwoord nodig.")
        return data

    def save(self, commit=True):
        account = super().save(commit=False)
        if self.cleaned_data.get("password"):
            account.set_password(self.cleaned_data["password"])
        if commit:
            account.save()
        return account


@admin.register(KioskAccount)
class KioskAccountAdmin(OrganisationScopedAdmin):
    form = KioskAccountForm
    organisation_path = "branch__organisation"
    scoped_foreign_keys = {"branch": "organisation"}
    list_display = ("login", "branch", "active", "require_pin", "last_login_at")
