"""Saved cost-model scenarios: which area, which level per building block, which overrides."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scenario(models.Model):
    name = models.CharField(_("naam"), max_length=200)
    municipality_codes = models.JSONField(_("gemeenten"))  # CBS codes
    levels = models.JSONField(_("niveaus per bouwsteen"))
    overrides = models.JSONField(_("aangepaste parameters"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("kostenscenario")
        verbose_name_plural = _("kostenscenario's")

    def __str__(self):
        return self.name
