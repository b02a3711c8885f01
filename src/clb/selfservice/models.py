"""Kiosk accounts: each self-service machine logs in (SIP2 message 93) as one account of a branch."""

from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.utils.translation import gettext_lazy as _


class KioskAccount(models.Model):
    login = models.CharField(_("gebruikersnaam (CN)"), max_length=60, unique=True)
    password_hash = models.CharField(max_length=200, editable=False)
    branch = models.ForeignKey(
        "network.Branch",
        on_delete=models.PROTECT,
        related_name="kiosks",
        verbose_name=_("vestiging"),
    )
    description = models.CharField(_("omschrijving"), max_length=200, blank=True)
    require_pin = models.BooleanField(
        _("pincode verplicht bij lenen"),
        default=False,
        help_text=_("Vraag de pincode (AD) ook bij lenen en verlengen, niet alleen bij inloggen."),
    )
    active = models.BooleanField(_("actief"), default=True)
    last_login_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("zelfservicezuil")
        verbose_name_plural = _("zelfservicezuilen")

    def __str__(self):
        return f"{self.login} ({self.branch})"

    def set_password(self, raw: str) -> None:
        self.password_hash = make_password(raw, hasher="clb_kiosk_pbkdf2")

    def check_password(self, raw: str) -> bool:
        return bool(self.password_hash) and check_password(raw, self.password_hash)
