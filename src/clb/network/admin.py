from django.contrib import admin

from clb.admin_scoped import OrganisationScopedAdmin

from .models import Branch, Municipality, Organisation, PostcodeArea, Province


@admin.register(Organisation)
class OrganisationAdmin(OrganisationScopedAdmin):
    organisation_path = "pk"
    # The working area and the identity other systems know the organisation by (its ISIL,
    # issued by the national ISIL agency) are national; whether it is public yet as well.
    national_fields = ("code", "name", "municipalities", "isil", "is_placeholder")
    list_display = (
        "name",
        "code",
        "isil",
        "fee_block_threshold",
        "hold_shelf_days",
        "is_placeholder",
        "is_demo",
    )
    search_fields = ("name", "code", "isil")
    filter_horizontal = ("municipalities", "floating_item_types")

    def has_add_permission(self, request):
        return request.user.is_superuser or getattr(request.user, "is_national", False)

    def has_delete_permission(self, request, obj=None):
        return self.has_add_permission(request)


@admin.register(Branch)
class BranchAdmin(OrganisationScopedAdmin):
    # A new branch stands in one of the organisation's own municipalities; moving one is national.
    scoped_foreign_keys = {"organisation": "pk", "municipality": "organisations"}
    national_fields = ("municipality", "isil")
    list_display = (
        "name",
        "organisation",
        "isil",
        "kind",
        "staffed_hours_week",
        "municipality",
        "opened_on",
        "closed_on",
        "is_pickup_point",
        "is_demo",
    )
    list_filter = ("kind", "is_pickup_point", "is_demo")
    search_fields = ("name", "code", "isil", "place")
    autocomplete_fields = ("municipality",)


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "province", "inhabitants", "inhabitants_0_17")
    list_filter = ("province",)
    search_fields = ("name", "code")

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser  # reference data: changed by `clb load-reference`


admin.site.register(Province)
admin.site.register(
    PostcodeArea, search_fields=("pc4",), list_display=("pc4", "inhabitants", "municipality")
)
