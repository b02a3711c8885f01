"""Read-only views of the cockpit's bookkeeping; periods are closed on /cockpit/perioden/ or with
`clb close-period`, member counts are taken by `clb snapshot-members`."""

from django.contrib import admin

from .models import ClosedPeriod, MemberCountRun


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ClosedPeriod)
class ClosedPeriodAdmin(_ReadOnly):
    list_display = ("code", "closed_at", "closed_by")


@admin.register(MemberCountRun)
class MemberCountRunAdmin(_ReadOnly):
    list_display = ("taken_on", "memberships", "taken_at")
