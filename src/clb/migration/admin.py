"""Migration runs in the admin: the result of every run, a rehearsal or migration started from
here with a page that shows its progress, the report's files, and undo after a confirmation.
The work is the services' (clb.migration.services); these views only translate."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clb.admin_scoped import OrganisationScopedAdmin
from clb.network.models import Organisation
from clb.scoping import limit_to_organisation

from . import services
from .models import MigrationRun, RunStatus
from .report import FILES, OUTCOMES, TITLES
from .undo import UndoError


class StartForm(forms.Form):
    package = forms.ChoiceField(label=gettext_lazy("pakket"))
    dry_run = forms.BooleanField(
        label=gettext_lazy("proefrun: alles controleren en rapporteren, niets schrijven"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, found, **kwargs):
        super().__init__(*args, **kwargs)
        self.found = {f"{org.code}/{folder.name}": (org, folder) for org, folder in found}
        self.fields["package"].choices = [(key, key) for key in self.found]


@admin.register(MigrationRun)
class MigrationRunAdmin(OrganisationScopedAdmin):
    list_display = ("number", "organisation", "kind", "status", "started_at", "finished_at",
                    "outcome")  # fmt: skip
    list_filter = ("status", "dry_run")
    list_display_links = ("number",)

    @admin.display(description=gettext_lazy("run"), ordering="pk")
    def number(self, run):
        return run.pk

    @admin.display(description=gettext_lazy("soort"))
    def kind(self, run):
        return _("proefrun") if run.dry_run else _("migratie")

    @admin.display(description=gettext_lazy("uitkomst"))
    def outcome(self, run):
        totals = {o: sum(c.get(o, 0) for c in run.counts.values()) for o in OUTCOMES}
        return ", ".join(f"{TITLES[o]} {n}" for o, n in totals.items() if n) or "—"

    def has_change_permission(self, request, obj=None):
        return False  # a run is a record of what happened; undo is its own page

    def has_delete_permission(self, request, obj=None):
        return False

    def has_undo_permission(self, request, obj=None):
        return request.user.has_perm("migration.change_migrationrun")

    def get_urls(self):
        own = [
            path("<int:pk>/rapport/<str:name>", self.admin_site.admin_view(self.report_file),
                 name="migration_migrationrun_report"),
            path("<int:pk>/ongedaan-maken/", self.admin_site.admin_view(self.undo_view),
                 name="migration_migrationrun_undo"),
        ]  # fmt: skip
        return own + super().get_urls()

    def _run(self, request, pk) -> MigrationRun:
        if not str(pk).isdigit():
            raise Http404
        run = self.get_queryset(request).filter(pk=pk).first()
        if run is None or not self.has_view_permission(request, run):
            raise Http404
        return run

    # --- starting a run -------------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        mine = limit_to_organisation(request.user, Organisation.objects.all(), "pk")
        form = StartForm(request.POST or None, found=services.packages(mine))
        if request.method == "POST" and form.is_valid():
            org, folder = form.found[form.cleaned_data["package"]]
            run = services.start(org, folder, dry_run=form.cleaned_data["dry_run"],
                                 user=request.user)  # fmt: skip
            services.run_in_background(run)
            return HttpResponseRedirect(reverse("admin:migration_migrationrun_change",
                                                args=[run.pk]))  # fmt: skip
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Een bibliotheek migreren"),
            "form": form,
            "folder": settings.CLB_MIGRATION_DIR,
            "codes": [o.code for o in mine],
        }
        return TemplateResponse(request, "admin/migration/start.html", context, status=200)

    # --- a run: progress, then its result ---------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self._run(request, object_id)
        progress = services.read_progress(run)
        stages = [
            (name, *progress["stages"].get(name, (0, 0))) for name in services.STAGES
            if name in progress["stages"]
        ]  # fmt: skip
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": str(run),
            "run": run,
            "running": run.status == RunStatus.RUNNING,
            "stages": [(n, d, t, round(100 * d / t) if t else 100) for n, d, t in stages],
            "counts": [(f, [c.get(o, 0) for o in OUTCOMES]) for f, c in run.counts.items()],
            "outcomes": [TITLES[o] for o in OUTCOMES],
            "files": [n for n in FILES if (services.report_folder(run) / n).is_file()],
            "can_undo": self.has_undo_permission(request, run) and services.can_undo(run),
        }
        return TemplateResponse(request, "admin/migration/run.html", context)

    def report_file(self, request, pk, name):
        run = self._run(request, pk)
        path_ = services.report_folder(run) / name
        if name not in FILES or not path_.is_file():
            raise Http404
        html = name.endswith(".html")
        return FileResponse(
            open(path_, "rb"),
            as_attachment=not html,
            filename=f"run-{run.pk}-{name}",
            content_type="text/html; charset=utf-8" if html else "text/csv; charset=utf-8",
        )

    def undo_view(self, request, pk):
        run = self._run(request, pk)
        if not self.has_undo_permission(request, run):
            raise PermissionDenied
        if request.method == "POST":
            try:
                run = services.undo(run)
            except UndoError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                level = messages.SUCCESS if run.status == RunStatus.UNDONE else messages.WARNING
                self.message_user(request, run.get_status_display(), level)
            return HttpResponseRedirect(reverse("admin:migration_migrationrun_change",
                                                args=[run.pk]))  # fmt: skip
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Run %(n)s ongedaan maken?") % {"n": run.pk},
            "run": run,
            "created": services.what_undo_takes(run),
        }
        return TemplateResponse(request, "admin/migration/undo.html", context)
