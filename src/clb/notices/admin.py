from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from clb.admin_scoped import OrganisationScopedAdmin
from clb.circulation.admin import ReadOnlyScoped, RuleTableAdmin

from . import jobs, services
from .models import (
    AutoRenewRule,
    FailingAddress,
    JobRun,
    Notice,
    NoticePolicy,
    NoticeTemplate,
    OverdueLevel,
)
from .rendering import TemplateError, preview


@admin.register(NoticePolicy)
class NoticePolicyAdmin(RuleTableAdmin):
    list_display = ("__str__", "pre_due_days", "membership_ending_days")


@admin.register(OverdueLevel)
class OverdueLevelAdmin(RuleTableAdmin):
    """Overdue notices as data: an organisation with levels of its own uses only those."""

    list_display = ("__str__", "level", "days", "blocks_card")
    list_filter = ("organisation",)


@admin.register(AutoRenewRule)
class AutoRenewRuleAdmin(RuleTableAdmin):
    list_display = ("__str__", "active", "days_before")


class NoticeTemplateForm(forms.ModelForm):
    class Meta:
        model = NoticeTemplate
        fields = ["organisation", "kind", "language", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18, "cols": 90})}

    def clean(self):
        data = super().clean()
        if all(data.get(f) for f in ("kind", "language", "subject", "body")):
            try:
                preview(data["kind"], data["language"], data["subject"], data["body"])
            except TemplateError as exc:
                raise forms.ValidationError(str(exc)) from None
        return data


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(RuleTableAdmin):
    """Texts per organisation and language; saved only when they render, with a preview on
    example data below the form."""

    form = NoticeTemplateForm
    list_display = ("__str__", "kind", "language", "subject")
    list_filter = ("organisation", "kind", "language")
    readonly_fields = ("example",)

    @admin.display(description=_("voorbeeld (met voorbeeldgegevens)"))
    def example(self, obj):
        if obj is None or not obj.pk:
            return _("Na opslaan ziet u hier het bericht met voorbeeldgegevens.")
        try:
            message = preview(obj.kind, obj.language, obj.subject, obj.body)
        except TemplateError as exc:
            return str(exc)
        return format_html(
            '<div class="notice-preview"><p><strong>{}</strong></p><pre>{}</pre></div>',
            message.subject,
            message.text,
        )


@admin.register(Notice)
class NoticeAdmin(ReadOnlyScoped):
    list_display = ("created_at", "patron", "kind", "level", "channel", "state", "tries", "sent_at")
    list_filter = ("state", "kind", "channel")
    search_fields = ("patron__card_number", "to_address", "subject")
    actions = ["resend"]

    @admin.action(description=_("Opnieuw versturen"))
    def resend(self, request, queryset):
        done = 0
        for notice in queryset.select_related("patron"):
            try:
                services.resend(notice.pk, patron=notice.patron, staff=request.user)
                done += 1
            except services.NoticeError as exc:
                self.message_user(request, f"{notice}: {exc}", messages.WARNING)
        self.message_user(request, _("%(n)s berichten opnieuw klaargezet.") % {"n": done})


@admin.register(FailingAddress)
class FailingAddressAdmin(OrganisationScopedAdmin):
    """Addresses a mail server refused; delete a row once the address works again."""

    organisation_path = None
    list_display = ("address", "since", "reason")
    search_fields = ("address",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    """The runs of the scheduled jobs; above the list, when each job last succeeded and which
    are late, so notices that silently stopped show at a glance."""

    list_display = ("job", "slot", "state", "started_at", "finished_at", "counts", "worker")
    list_filter = ("job", "state")
    change_list_template = "admin/notices/jobrun/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "job_status": jobs.status()}
        return super().changelist_view(request, extra_context)
