"""Forms of the registration pages: they parse what was typed; the rules live in services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from clb.network.models import Branch, Municipality

from .models import Channel, GovernmentBody, Programme, Referral, TargetGroup, Theme, WsobFunction


class IdoContactForm(forms.Form):
    quick = forms.CharField(
        label=_("Snelcode"),
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "class": "quick",
                "spellcheck": "false",
            }
        ),
    )
    channel = forms.ChoiceField(
        label=_("Kanaal"), choices=Channel.choices, initial=Channel.DESK, required=False
    )
    themes = forms.MultipleChoiceField(
        label=_("Thema's"),
        choices=Theme.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    helped = forms.BooleanField(label=_("Vraag beantwoord"), required=False, initial=True)
    referred_to = forms.ChoiceField(
        label=_("Doorverwezen naar"), choices=[("", "—")] + Referral.choices, required=False
    )
    government_body = forms.ChoiceField(
        label=_("Overheidsorganisatie (leeg: volgt uit het eerste thema)"),
        choices=[("", "—")] + GovernmentBody.choices,
        required=False,
    )
    branch = forms.ModelChoiceField(label=_("Vestiging"), queryset=Branch.objects.none())
    occurred_on = forms.DateField(label=_("Datum"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.filter(organisation=organisation)


class ActivityForm(forms.Form):
    programme = forms.ChoiceField(label=_("Programma"), choices=Programme.choices)
    title = forms.CharField(label=_("Titel"), required=False, max_length=200)
    wsob_function = forms.ChoiceField(
        label=_("Wsob-functie (leeg: volgt uit het programma)"),
        choices=[("", "—")] + WsobFunction.choices,
        required=False,
    )
    is_course = forms.TypedChoiceField(
        label=_("Cursus"),
        choices=[("", _("volgt uit het programma")), ("1", _("ja")), ("0", _("nee"))],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
    )
    starts_on = forms.DateField(
        label=_("Eerste dag"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Laatste dag"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sessions = forms.IntegerField(label=_("Bijeenkomsten"), min_value=1, initial=1)
    branch = forms.ModelChoiceField(
        label=_("Vestiging"), queryset=Branch.objects.none(), required=False
    )
    municipality = forms.ModelChoiceField(
        label=_("Gemeente (als het niet in een vestiging was)"),
        queryset=Municipality.objects.none(),
        required=False,
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.filter(organisation=organisation)
        self.fields["municipality"].queryset = Municipality.objects.filter(
            organisations=organisation
        ) | Municipality.objects.filter(branches__organisation=organisation)
        self.fields["municipality"].queryset = self.fields["municipality"].queryset.distinct()
        for group, label in TargetGroup.choices:
            self.fields[f"participants_{group}"] = forms.IntegerField(
                label=label, min_value=0, required=False
            )

    def participant_fields(self):
        return [self[f"participants_{group}"] for group, _label in TargetGroup.choices]

    def participants(self) -> dict[str, int]:
        return {
            group: self.cleaned_data.get(f"participants_{group}") or 0
            for group, _label in TargetGroup.choices
        }


class StaffYearForm(forms.Form):
    year = forms.IntegerField(label=_("Jaar"), min_value=1990)
    staff_persons = forms.IntegerField(label=_("Medewerkers (personen)"), min_value=0)
    staff_fte = forms.DecimalField(label=_("Medewerkers (fte)"), min_value=0, decimal_places=1)
    volunteers = forms.IntegerField(label=_("Vrijwilligers"), min_value=0, initial=0)
    staff_trained = forms.IntegerField(
        label=_("Medewerkers bijgeschoold dit jaar"), min_value=0, initial=0
    )
