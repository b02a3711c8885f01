from django.contrib import admin

from clb.admin_readonly import ReadOnly
from clb.admin_scoped import OrganisationScopedAdmin
from clb.scoping import patrons_visible_to

from .models import LedgerLine, Membership, Patron, PinGuard, SubscriptionType


@admin.register(SubscriptionType)
class SubscriptionTypeAdmin(OrganisationScopedAdmin):
    scoped_foreign_keys = {"organisation": "pk"}
    list_display = (
        "name",
        "organisation",
        "category",
        "min_age",
        "max_age",
        "yearly_fee",
        "youth_fee_confirmed",
        "active",
    )
    list_filter = ("category", "active")


class PinGuardInline(ReadOnly, admin.TabularInline):
    model = PinGuard
    fields = ("channel", "failures", "lockouts", "locked_until")
    readonly_fields = fields


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    readonly_fields = ("organisation", "subscription_type", "started_on", "expires_on")
    can_delete = False


@admin.register(Patron)
class PatronAdmin(admin.ModelAdmin):
    """Read-mostly: patrons are registered and changed through the desk pages (services)."""

    list_display = ("card_number", "last_name", "first_name", "birth_date", "blocked")
    search_fields = ("card_number", "last_name")
    exclude = ("pin_hash",)
    readonly_fields = (
        "card_number",
        "registered_by",
        "failed_pin_attempts",
        "pin_locked_until",
        "created_at",
    )
    inlines = [MembershipInline, PinGuardInline]

    def get_queryset(self, request):
        return patrons_visible_to(request.user, super().get_queryset(request))

    def has_add_permission(self, request):
        return False  # through the desk: registration picks the subscription and charges the fee


@admin.register(LedgerLine)
class LedgerLineAdmin(OrganisationScopedAdmin):
    list_display = ("created_at", "patron", "organisation", "kind", "amount")
    list_filter = ("kind",)

    def has_add_permission(self, request):
        return False  # payments through the desk (members.services.pay)

    def has_change_permission(self, request, obj=None):
        return False  # a ledger is append-only

    def has_delete_permission(self, request, obj=None):
        return False
