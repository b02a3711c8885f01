"""Admin for the registrations: a scoped view for checking and correcting. New contacts and
activities go through the staff pages (/registratie/), which apply the rules in services.py; the
admin deletes and saves through the same services."""

from django.contrib import admin, messages

from clb.admin_readonly import ReadOnly
from clb.admin_scoped import OrganisationScopedAdmin
from clb.errors import DomainError

from . import services
from .models import Activity, IdoContact, IdoContactTheme, ParticipantCount, StaffYear


class ThemeInline(ReadOnly, admin.TabularInline):
    model = IdoContactTheme


class ParticipantInline(ReadOnly, admin.TabularInline):
    model = ParticipantCount


class _RegistrationAdmin(OrganisationScopedAdmin):
    scoped_foreign_keys = {"organisation": "pk", "branch": "organisation"}
    delete_service = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        try:
            type(self).delete_service(obj, organisation=obj.organisation)
        except DomainError as error:
            self.message_user(request, str(error), messages.ERROR)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(IdoContact)
class IdoContactAdmin(_RegistrationAdmin):
    list_display = ("occurred_on", "branch", "channel", "government_body", "helped", "referred_to")
    list_filter = ("channel", "helped", "referred_to", "government_body")
    date_hierarchy = "occurred_on"
    inlines = [ThemeInline]
    delete_service = services.delete_contact


@admin.register(Activity)
class ActivityAdmin(_RegistrationAdmin):
    list_display = ("starts_on", "__str__", "programme", "wsob_function", "is_course", "sessions")
    list_filter = ("programme", "wsob_function", "is_course")
    date_hierarchy = "starts_on"
    inlines = [ParticipantInline]
    delete_service = services.delete_activity


@admin.register(StaffYear)
class StaffYearAdmin(ReadOnly, OrganisationScopedAdmin):
    """Entered and corrected on the staff page (/registratie/personeel/), one row per year."""

    list_display = (
        "organisation",
        "year",
        "staff_persons",
        "staff_fte",
        "volunteers",
        "staff_trained",
    )
    list_filter = ("year",)
