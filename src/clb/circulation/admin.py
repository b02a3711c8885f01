from django.contrib import admin
from django.db.models import Q

from clb.admin_scoped import OrganisationScopedAdmin
from clb.scoping import sees_everything

from .models import CategoryLimit, Hold, Loan, LoanRule, Transit


class RuleTableAdmin(OrganisationScopedAdmin):
    """A table of rules with wildcard keys: an organisation edits its own rows."""

    scoped_foreign_keys = {"organisation": "pk"}

    def get_queryset(self, request):
        # National defaults apply to every organisation, so everyone sees them (read-only).
        qs = admin.ModelAdmin.get_queryset(self, request)
        if sees_everything(request.user):
            return qs
        return qs.filter(
            Q(organisation=request.user.organisation_id) | Q(organisation__isnull=True)
        )


@admin.register(LoanRule)
class LoanRuleAdmin(RuleTableAdmin):
    """Rules are data: the most specific (organisation, patron category, item type) wins."""

    list_display = (
        "__str__",
        "loan_days",
        "renewals",
        "loan_limit",
        "fine_per_day",
        "fine_cap",
        "holds_allowed",
        "hold_fee",
        "hold_fee_refund",
    )
    list_filter = ("organisation", "patron_category", "item_type")


@admin.register(CategoryLimit)
class CategoryLimitAdmin(RuleTableAdmin):
    """Overall loan limits per patron category, on top of each rule's own limit."""

    list_display = ("__str__", "max_loans")
    list_filter = ("organisation", "patron_category")


class ReadOnlyScoped(OrganisationScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # changed only through circulation services

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Loan)
class LoanAdmin(ReadOnlyScoped):
    list_display = ("item", "organisation", "branch", "checked_out_at", "due_at", "returned_at")


@admin.register(Hold)
class HoldAdmin(ReadOnlyScoped):
    organisation_path = "pickup_branch__organisation"
    list_display = ("record", "pickup_branch", "status", "placed_at")


@admin.register(Transit)
class TransitAdmin(ReadOnlyScoped):
    organisation_path = "to_branch__organisation"
    list_display = (
        "item",
        "from_branch",
        "to_branch",
        "reason",
        "created_at",
        "sent_at",
        "received_at",
    )
