from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class CLBUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (
        ("CLB", {"fields": ("role", "organisation", "branch", "region_code")}),
    )
    list_display = ("username", "role", "organisation", "branch", "region_code", "is_staff")
    list_filter = ("role", "organisation")
