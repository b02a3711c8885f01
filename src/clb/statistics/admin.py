"""Read-only views of the statistics' bookkeeping; periods are closed on /cockpit/perioden/ or with
`clb close-period`, member counts are taken by `clb snapshot-members`, months of events archived
by `clb archive-events`."""

from django.contrib import admin

from clb.admin_readonly import ReadOnly

from .models import ArchivedMonth, ClosedPeriod, MemberCountRun


@admin.register(ClosedPeriod)
class ClosedPeriodAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("code", "closed_at", "closed_by")


@admin.register(MemberCountRun)
class MemberCountRunAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("taken_on", "memberships", "taken_at")


@admin.register(ArchivedMonth)
class ArchivedMonthAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("month", "events", "archived_at", "exported_to")
