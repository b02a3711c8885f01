from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from clb.admin_scoped import OrganisationScopedAdmin

from . import services
from .models import KioskAccount

MIN_PASSWORD_LENGTH = 12  # a machine secret, typed once into the kiosk's configuration


class KioskAccountForm(forms.ModelForm):
    password = forms.CharField(
        label=_("Wachtwoord (CO)"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Minstens 12 tekens. Leeg laten om het huidige wachtwoord te houden."),
    )

    class Meta:
        model = KioskAccount
        fields = ["login", "branch", "description", "require_pin", "charset", "active"]

    def clean_password(self):
        password = self.cleaned_data.get("password", "")
        if password and len(password) < MIN_PASSWORD_LENGTH:
            raise forms.ValidationError(
                _("Het wachtwoord moet minstens %(n)s tekens hebben."),
                params={"n": MIN_PASSWORD_LENGTH},
            )
        if password and "|" in password:
            # The SIP2 field separator cannot be sent inside a field.
            raise forms.ValidationError(_("Het wachtwoord mag geen | bevatten."))
        return password

    def clean(self):
        data = super().clean()
        if not self.instance.pk and not data.get("password") and "password" not in self.errors:
            self.add_error("password", _("Een nieuwe zuil heeft een wachtwoord nodig."))
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
    list_display = (
        "login",
        "branch",
        "active",
        "require_pin",
        "last_login_at",
        "last_login_from",
        "locked_until",
        "lockouts",
    )
    list_filter = ("active", "require_pin")
    search_fields = ("login", "description", "branch__name")
    readonly_fields = (
        "last_login_at",
        "last_login_from",
        "failed_logins",
        "locked_until",
        "lockouts",
    )
    actions = ["unlock"]

    @admin.action(description=_("Vergrendeling opheffen"), permissions=["change"])
    def unlock(self, request, queryset):
        n = services.unlock(queryset)
        self.message_user(
            request,
            ngettext("%(n)s zuil ontgrendeld.", "%(n)s zuilen ontgrendeld.", n) % {"n": n},
            messages.SUCCESS,
        )
