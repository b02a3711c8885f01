"""Admin: the model versions and their parameters, read-only (a model changes only by loading a
new file with `clb costmodel-load`, so every value keeps its source), and saved scenarios."""

from django.contrib import admin

from clb.admin_readonly import ReadOnly

from .models import ModelVersion, Parameter, Scenario


class ParameterInline(ReadOnly, admin.TabularInline):
    model = Parameter
    fields = ["code", "name", "value", "unit", "year", "is_estimate", "source"]
    readonly_fields = fields


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["version", "title", "loaded_at", "is_current"]
    inlines = [ParameterInline]


@admin.register(Parameter)
class ParameterAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["code", "name", "value", "unit", "year", "is_estimate", "model_version"]
    list_filter = ["model_version", "group", "is_estimate"]
    search_fields = ["code", "name", "source"]


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "municipality_codes",
        "organisation",
        "model_version",
        "created_by",
        "created_at",
    ]
    list_filter = ["model_version"]
    search_fields = ["name"]
    readonly_fields = ["model_version", "created_at", "updated_at", "created_by"]
