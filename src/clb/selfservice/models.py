"""Kiosk accounts: each self-service machine logs in (SIP2 message 93) as one account of a branch."""

from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.utils.translation import gettext_lazy as _

HASHER = "clb_kiosk_pbkdf2"


class Charset(models.TextChoices):
    UTF8 = "utf-8", "UTF-8"
    CP850 = "cp850", _("Code page 850 (standaard van SIP2)")
    LATIN1 = "iso-8859-1", "ISO 8859-1 (Latin-1)"
    ASCII = "ascii", _("ASCII (letters zonder accenten)")


class KioskAccount(models.Model):
    login = models.CharField(_("gebruikersnaam (CN)"), max_length=60, unique=True)
    password_hash = models.CharField(
        max_length=200, editable=False, verbose_name=_("wachtwoord (versleuteld)")
    )
    branch = models.ForeignKey(
        "network.Branch",
        on_delete=models.PROTECT,
        related_name="kiosks",
        verbose_name=_("vestiging"),
    )
    description = models.CharField(_("omschrijving"), max_length=200, blank=True)
    require_pin = models.BooleanField(
        _("pincode verplicht"),
        default=True,
        help_text=_(
            "Vraag de pincode (AD) bij lenen, verlengen, reserveren en betalen. Zonder dit vinkje "
            "kan met alleen de pas worden geleend; naam, saldo en geleende exemplaren toont een "
            "zuil altijd pas na een juiste pincode."
        ),
    )
    charset = models.CharField(
        _("tekenset"),
        max_length=12,
        choices=Charset.choices,
        default=Charset.UTF8,
        help_text=_(
            "Tekenset waarin de zuil titels en namen verstuurt en toont (zie de leverancier)."
        ),
    )
    active = models.BooleanField(_("actief"), default=True)
    last_login_at = models.DateTimeField(
        _("laatst ingelogd"), null=True, blank=True, editable=False
    )
    last_login_from = models.CharField(
        _("laatst ingelogd vanaf"), max_length=60, blank=True, editable=False
    )
    # Wrong passwords lock the account (selfservice.services.log_in).
    failed_logins = models.PositiveSmallIntegerField(
        _("verkeerde wachtwoorden op rij"), default=0, editable=False
    )
    locked_until = models.DateTimeField(_("vergrendeld tot"), null=True, blank=True, editable=False)
    lockouts = models.PositiveSmallIntegerField(
        _("vergrendelingen sinds laatste login"), default=0, editable=False
    )

    class Meta:
        verbose_name = _("zelfservicezuil")
        verbose_name_plural = _("zelfservicezuilen")
        ordering = ["login"]

    def __str__(self):
        return f"{self.login} ({self.branch})"

    @staticmethod
    def hash_of(raw: str) -> str:
        return make_password(raw, hasher=HASHER)

    def set_password(self, raw: str) -> None:
        self.password_hash = self.hash_of(raw)

    def check_password(self, raw: str) -> bool:
        return bool(self.password_hash) and check_password(raw, self.password_hash)

    def is_locked(self, at) -> bool:
        return self.locked_until is not None and self.locked_until > at
