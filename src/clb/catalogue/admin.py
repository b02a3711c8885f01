from django.contrib import admin

from clb.accounts.admin_scoped import OrganisationScopedAdmin

from .models import BibRecord, Item, ItemType, MergeLog


@admin.register(Item)
class ItemAdmin(OrganisationScopedAdmin):
    scoped_foreign_keys = {
        "organisation": "pk",
        "home_branch": "organisation",
        "current_branch": "organisation",
    }
    list_display = ("barcode", "record", "organisation", "home_branch", "status", "item_type")
    list_filter = ("status", "item_type")
    search_fields = ("barcode",)
    readonly_fields = ("status",)  # changed only through circulation services
    raw_id_fields = ("record",)


admin.site.register(
    BibRecord, search_fields=("title", "isbn"), list_display=("title", "year", "isbn")
)
admin.site.register(ItemType, list_display=("code", "name", "material_type"))


@admin.register(MergeLog)
class MergeLogAdmin(admin.ModelAdmin):
    """Merges are undone with `clb undo-merge ID` (the undo restores the record and its copies)."""

    list_display = ("merged_at", "target", "matched_on", "source", "organisation", "undone_at")
    list_filter = ("matched_on",)
    readonly_fields = [f.name for f in MergeLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
