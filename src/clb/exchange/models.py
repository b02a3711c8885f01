"""The exchange room's own tables: partner systems that may call NCIP, and request counters for
the per-address rate limits of every protocol endpoint."""

from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.utils.translation import gettext_lazy as _

from clb.network.isil import MAX_LENGTH as ISIL_LENGTH
from clb.network.isil import validate as validate_isil

HASHER = "clb_kiosk_pbkdf2"  # long machine secrets: the kiosk hasher's cost fits


class PartnerAgency(models.Model):
    """Another library system (or a CLB organisation acting as one) that sends NCIP messages.
    It authenticates with a secret that only counts for its own ISIL (FromAgencyId), and may
    address only the organisations listed (none listed: every organisation)."""

    isil = models.CharField(
        "ISIL",
        max_length=ISIL_LENGTH,
        unique=True,
        validators=[validate_isil],
        help_text=_("ISIL van het systeem dat berichten stuurt (FromAgencyId)"),
    )
    name = models.CharField(_("naam"), max_length=200)
    secret_hash = models.CharField(_("geheim (versleuteld)"), max_length=200, editable=False)
    organisations = models.ManyToManyField(
        "network.Organisation",
        blank=True,
        related_name="+",
        verbose_name=_("mag berichten sturen aan"),
        help_text=_("Leeg: alle organisaties."),
    )
    active = models.BooleanField(_("actief"), default=True)
    last_seen_at = models.DateTimeField(_("laatste bericht"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("partnersysteem (NCIP)")
        verbose_name_plural = _("partnersystemen (NCIP)")
        ordering = ["isil"]

    def __str__(self):
        return f"{self.name} ({self.isil})"

    def set_secret(self, raw: str) -> None:
        self.secret_hash = make_password(raw, hasher=HASHER)

    def check_secret(self, raw: str) -> bool:
        return bool(self.secret_hash) and bool(raw) and check_password(raw, self.secret_hash)

    def may_address(self, organisation) -> bool:
        scope = list(self.organisations.values_list("pk", flat=True))
        return not scope or organisation.pk in scope


class RequestCount(models.Model):
    """Requests of one client address to one protocol in one time window."""

    key = models.CharField(max_length=120)
    window = models.BigIntegerField()  # window number: epoch seconds // window length
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="exchange_count_once")
        ]

    def __str__(self):
        return f"{self.key}@{self.window}: {self.count}"
