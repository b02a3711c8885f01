"""Admin pages that only show: data with one way in (a loaded file, a command, a staff page that
applies the rules), which the admin must not bypass. Mix in before the ModelAdmin or inline."""


class ReadOnly:
    extra = 0  # inlines: no empty forms
    can_delete = False  # inlines: no delete boxes

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
