from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from clb.admin_scoped import OrganisationScopedAdmin
from clb.errors import DomainError
from clb.scoping import sees_everything

from .api import tokens
from .models import ApiClient, ApiToken, PartnerAgency, Scope


@admin.register(PartnerAgency)
class PartnerAgencyAdmin(admin.ModelAdmin):
    """Secrets are made with `clb ncip-partner` (shown once); here partners are viewed,
    scoped and switched off."""

    list_display = ("isil", "name", "active", "last_seen_at")
    search_fields = ("isil", "name")
    filter_horizontal = ("organisations",)
    readonly_fields = ("last_seen_at",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser or getattr(request.user, "is_national", False)


def check_origin(line: str) -> str:
    """An origin as browsers send it: scheme and host (and port), nothing more."""
    value = line.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.path or parts.query:
        raise ValidationError(
            _("'%(v)s' is geen herkomst; schrijf bijv. https://app.bibliotheek.nl") % {"v": line}
        )
    return value


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("rechten"),
        choices=Scope.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ApiClient
        fields = [
            "organisation",
            "name",
            "scopes",
            "allowed_origins",
            "network_wide",
            "region_code",
            "active",
        ]

    def clean_allowed_origins(self):
        lines = [line for line in self.cleaned_data["allowed_origins"].splitlines() if line.strip()]
        return "\n".join(check_origin(line) for line in lines)

    def clean_region_code(self):
        from clb.cockpit.regions import Geography

        code = self.cleaned_data["region_code"].strip().upper()
        if code:
            try:
                region = Geography().region(code)
            except DomainError as exc:
                raise ValidationError(str(exc)) from exc
            if region.kind == "organisation":
                raise ValidationError(_("Een organisatie ziet haar eigen cijfers al; laat leeg."))
        return code


class ApiTokenInline(admin.TabularInline):
    model = ApiToken
    extra = 0
    can_delete = False
    fields = (
        "hint",
        "patron_shown",
        "scopes",
        "created_at",
        "expires_at",
        "revoked_at",
        "issued_by",
    )
    readonly_fields = fields
    verbose_name_plural = _("tokens van de toepassing (leden: zie API-tokens)")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(patron__isnull=True)

    @admin.display(description=_("lid"))
    def patron_shown(self, obj):
        return "—"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ApiClient)
class ApiClientAdmin(OrganisationScopedAdmin):
    """Apps and partner systems of an organisation. A token is made on the app's page (shown
    once); tokens are revoked in the list of API tokens."""

    form = ApiClientForm
    scoped_foreign_keys = {"organisation": "pk"}
    list_display = ("name", "organisation", "scope_list", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "organisation__name")
    inlines = [ApiTokenInline]
    readonly_fields = ("new_token",)
    # What only the national administration decides: serving every organisation's members
    # and seeing another region's provisional figures.
    national_fields = ("network_wide", "region_code")

    def get_readonly_fields(self, request, obj=None):
        # Not on a new app either: an organisation never makes its own app network-wide.
        fields = tuple(super().get_readonly_fields(request, obj))
        if not sees_everything(request.user):
            fields += tuple(f for f in self.national_fields if f not in fields)
        return fields

    @admin.display(description=_("rechten"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes)

    @admin.display(description=_("nieuw token"))
    def new_token(self, obj):
        if obj is None or obj.pk is None:
            return _("Sla de toepassing eerst op.")
        url = reverse("admin:exchange_apiclient_token", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Token uitgeven"))

    def get_urls(self):
        view = self.admin_site.admin_view(self.issue_token)
        return [
            path("<int:pk>/token/", view, name="exchange_apiclient_token"),
            *super().get_urls(),
        ]

    def issue_token(self, request, pk):
        client = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, client):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "client": client,
            "days": tokens.CLIENT_TOKEN_DAYS,
            "title": _("Token uitgeven"),
        }
        if request.method == "POST":
            try:
                token, raw = tokens.issue_client_token(
                    client,
                    days=int(request.POST.get("days") or tokens.CLIENT_TOKEN_DAYS),
                    issued_by=request.user.get_username(),
                )
            except (ValueError, DomainError) as exc:
                messages.error(request, _("Geldigheid: een aantal dagen tussen 1 en 1098."))
                context["error"] = str(exc)
            else:
                context.update(token=token, raw=raw)
        response = render(request, "admin/exchange/apiclient/token.html", context)
        response["Cache-Control"] = "no-store"  # the token is shown once, not kept by a browser
        return response


@admin.action(description=_("Geselecteerde tokens intrekken"))
def revoke_tokens(modeladmin, request, queryset):
    n = tokens.revoke_all(queryset)
    messages.success(request, _("%(n)s token(s) ingetrokken.") % {"n": n})


@admin.register(ApiToken)
class ApiTokenAdmin(OrganisationScopedAdmin):
    organisation_path = "client__organisation"
    list_display = (
        "hint",
        "client",
        "member",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    # Only the apps whose tokens this user may see: a plain filter would list every app.
    list_filter = (("client", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("hint", "client__name")
    actions = [revoke_tokens]
    fields = ("hint", "client", "member", "scopes", "created_at", "expires_at", "revoked_at",
              "last_used_at", "issued_by")  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_("lid"))
    def member(self, obj):
        # A member token says whose it is only as "lid": the card number stays out of lists.
        return _("lid") if obj.patron_id else "—"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
