"""A ModelAdmin base that keeps organisation staff inside their own organisation."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from clb.scoping import limit_to_organisation, sees_everything


class OrganisationScopedAdmin(admin.ModelAdmin):
    # Path from the model to its organisation; None for national (shared) data.
    organisation_path: str | None = "organisation"
    # Foreign keys that must point inside the user's organisation, with their path to it.
    scoped_foreign_keys: dict[str, str] = {}
    # Fields of an existing row that only national administrators change: what decides an
    # organisation's working area, and so which figures and scenarios it reaches.
    national_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and not sees_everything(request.user):
            fields += tuple(f for f in self.national_fields if f not in fields)
        return fields

    def get_autocomplete_fields(self, request):
        # A search box would offer the whole country; a scoped key is a plain choice list.
        fields = super().get_autocomplete_fields(request)
        if sees_everything(request.user):
            return fields
        return tuple(f for f in fields if f not in self.scoped_foreign_keys)

    def get_queryset(self, request):
        return limit_to_organisation(
            request.user, super().get_queryset(request), self.organisation_path
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        path = self.scoped_foreign_keys.get(db_field.name)
        if path is not None and field is not None:
            field.queryset = limit_to_organisation(request.user, field.queryset, path or None)
        return field

    def _national(self, request, obj) -> bool:
        return (
            self.organisation_path is not None
            and obj is not None
            and not sees_everything(request.user)
            and (self.organisation_path == "organisation" and obj.organisation_id is None)
        )

    def has_change_permission(self, request, obj=None):
        # National rows (organisation left empty) are shown for reference but only national
        # administrators change them.
        if self._national(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self._national(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not sees_everything(request.user) and self.organisation_path == "organisation":
            if obj.organisation_id is None:
                obj.organisation_id = request.user.organisation_id
            if obj.organisation_id != request.user.organisation_id:
                raise PermissionDenied
        super().save_model(request, obj, form, change)
