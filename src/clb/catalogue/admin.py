from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from clb.admin_scoped import OrganisationScopedAdmin

from . import services
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


@admin.register(BibRecord)
class BibRecordAdmin(admin.ModelAdmin):
    search_fields = ("title", "isbn", "control_number")
    list_display = ("title", "year", "isbn", "material_type", "language")
    list_filter = ("material_type", "audience")
    readonly_fields = ("raw_marc", "fingerprint", "match_key", "created_at", "updated_at")


admin.site.register(ItemType, list_display=("code", "name", "material_type"))


@admin.register(MergeLog)
class MergeLogAdmin(admin.ModelAdmin):
    """Every merge of an imported record into an existing one; a cataloguer (who may change
    records) undoes one with the action here or `clb undo-merge ID`."""

    list_display = ("merged_at", "target", "matched_on", "source", "organisation", "undone_at")
    list_filter = ("matched_on",)
    readonly_fields = [f.name for f in MergeLog._meta.fields]
    actions = ["undo"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_undo_permission(self, request):
        return request.user.has_perm("catalogue.change_bibrecord")

    @admin.action(description=_("Samenvoeging ongedaan maken"), permissions=["undo"])
    def undo(self, request, queryset):
        for merge in queryset.order_by("pk"):
            try:
                record = services.undo_merge(merge.pk)
            except services.CatalogueError as exc:
                self.message_user(request, str(exc), messages.WARNING)
                continue
            self.message_user(
                request,
                _("Samenvoeging %(id)s ongedaan: titel %(record)s hersteld.")
                % {"id": merge.pk, "record": record.pk},
            )
