from django.contrib import admin

from .models import PartnerAgency


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
