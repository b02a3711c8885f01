"""Forms of the pages. They check the shape of input (a date is a date); every rule of the domain
stays in the services, whose errors land on the field they name via `add_domain_error`."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from clb.errors import DomainError
from clb.members.models import PaymentMethod

DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"]


def add_domain_error(form: forms.Form, exc: DomainError, aliases: dict | None = None) -> None:
    """Show a service's refusal next to the field it names, else above the form. A form of one
    field (a scan field) shows every refusal at that field: that is where the eye is."""
    name = (aliases or {}).get(exc.field, exc.field)
    if name not in form.fields:
        name = next(iter(form.fields)) if len(form.fields) == 1 else None
    form.add_error(name, str(exc.message))


def _text(label, *, required=True, max_length=200, **attrs):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.TextInput(attrs=attrs),
    )


def _pin(label, autocomplete):
    return forms.CharField(
        label=label,
        min_length=4,
        max_length=6,
        strip=True,
        validators=[RegexValidator(r"^[0-9]+$", _("Alleen cijfers."))],
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": autocomplete, "pattern": "[0-9]*"}
        ),
        help_text=_("4 tot 6 cijfers."),
    )


class CardForm(forms.Form):
    card_number = _text(
        _("Pasnummer"), max_length=20, autocomplete="off", inputmode="numeric", autofocus=True
    )


class ScanForm(forms.Form):
    item_barcode = _text(_("Barcode exemplaar"), max_length=32, autocomplete="off", autofocus=True)


class PatronSearchForm(forms.Form):
    q = _text(_("Achternaam of pasnummer"), max_length=100, autocomplete="off")


class RegisterForm(forms.Form):
    first_name = _text(_("Voornaam"), max_length=100, autocomplete="off", autofocus=True)
    last_name = _text(_("Achternaam"), max_length=150, autocomplete="off")
    birth_date = forms.DateField(
        label=_("Geboortedatum"),
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("De leeftijd bepaalt de abonnementsvorm; jeugd (0–17) is gratis."),
    )
    postcode = _text(_("Postcode"), max_length=7, autocomplete="off")
    street = _text(_("Straat en huisnummer"), required=False, autocomplete="off")
    place = _text(_("Woonplaats"), required=False, max_length=100, autocomplete="off")
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = _text(_("Telefoon"), required=False, max_length=20, autocomplete="off")
    card_number = _text(
        _("Pasnummer van de nieuwe pas"),
        required=False,
        max_length=20,
        autocomplete="off",
        inputmode="numeric",
    )
    pin = _pin(_("Pincode"), "new-password")
    keep_history = forms.BooleanField(label=_("Leesgeschiedenis bewaren"), required=False)
    guardian_name = _text(_("Naam ouder/verzorger"), required=False, autocomplete="off")
    guardian_phone = _text(
        _("Telefoon ouder/verzorger"), required=False, max_length=20, autocomplete="off"
    )
    guardian_email = forms.EmailField(label=_("E-mail ouder/verzorger"), required=False)
    # Shown only when the registration looks like an existing member: why this is someone else.
    duplicate_reason = _text(
        _("Reden om toch in te schrijven"), required=False, max_length=250, autocomplete="off"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["card_number"].help_text = _("Leeg laten: CLB geeft een nieuw pasnummer.")
        self.fields["guardian_name"].help_text = _("Verplicht voor leden jonger dan 16 jaar.")


class PatronEditForm(forms.Form):
    """A member's address and contact details, and their subscription type here."""

    street = _text(_("Straat en huisnummer"), required=False, autocomplete="off")
    postcode = _text(_("Postcode"), max_length=7, autocomplete="off")
    place = _text(_("Woonplaats"), required=False, max_length=100, autocomplete="off")
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = _text(_("Telefoon"), required=False, max_length=20, autocomplete="off")
    guardian_name = RegisterForm.base_fields["guardian_name"]
    guardian_phone = RegisterForm.base_fields["guardian_phone"]
    guardian_email = RegisterForm.base_fields["guardian_email"]
    subscription_type = forms.ModelChoiceField(
        label=_("Abonnementsvorm"), queryset=None, required=False, empty_label=None
    )

    def __init__(self, *args, subscription_types=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["subscription_type"]
        if subscription_types is None:
            del self.fields["subscription_type"]
        else:
            field.queryset = subscription_types
            field.help_text = _("Een andere vorm geldt meteen; de contributie vanaf de verlenging.")


class StaffForm(forms.Form):
    """A staff account as its organisation's administrator keeps it."""

    username = _text(_("Gebruikersnaam"), max_length=150, autocomplete="off")
    first_name = _text(_("Voornaam"), required=False, max_length=150, autocomplete="off")
    last_name = _text(_("Achternaam"), required=False, max_length=150, autocomplete="off")
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Rol"))
    branch = forms.ModelChoiceField(label=_("Vestiging"), queryset=None, required=False)
    is_active = forms.BooleanField(label=_("Mag inloggen"), required=False, initial=True)
    password = forms.CharField(
        label=_("Wachtwoord"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Minstens 8 tekens. Leeg laten bij wijzigen: het wachtwoord blijft."),
    )

    def __init__(self, *args, roles, branches, new: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles
        self.fields["branch"].queryset = branches
        if new:
            self.fields["password"].required = True
            del self.fields["is_active"]
        else:
            del self.fields["username"]


class AmountField(forms.Field):
    """Money as people type it at a Dutch desk: 2,50 or 2.50, with or without €."""

    def to_python(self, value):
        text = str(value or "").replace("€", "").replace(" ", "").replace("\u00a0", "")
        if not text:
            return None
        text = text.replace(",", ".")
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:
            raise ValidationError(_("Vul een bedrag in, bijvoorbeeld 2,50.")) from exc
        if not amount.is_finite():
            raise ValidationError(_("Vul een bedrag in, bijvoorbeeld 2,50."))
        return amount


def _amount():
    return AmountField(
        label=_("Bedrag (€)"),
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "maxlength": 12}
        ),
    )


class PaymentForm(forms.Form):
    amount = _amount()
    method = forms.ChoiceField(label=_("Betaalwijze"), choices=PaymentMethod.choices)


class WriteOffForm(forms.Form):
    amount = _amount()
    reason = _text(_("Reden"), max_length=300, autocomplete="off")


class PinResetForm(forms.Form):
    pin = _pin(_("Nieuwe pincode"), "new-password")


class MemberLoginForm(forms.Form):
    card_number = _text(
        _("Pasnummer"), max_length=20, autocomplete="username", inputmode="numeric", autofocus=True
    )
    pin = _pin(_("Pincode"), "current-password")


class ChangePinForm(forms.Form):
    old_pin = _pin(_("Huidige pincode"), "current-password")
    new_pin = _pin(_("Nieuwe pincode"), "new-password")
    new_pin_again = _pin(_("Nieuwe pincode nog een keer"), "new-password")

    def clean(self):
        data = super().clean()
        if data.get("new_pin") and data.get("new_pin_again") != data.get("new_pin"):
            self.add_error("new_pin_again", _("De twee nieuwe pincodes zijn niet gelijk."))
        return data
