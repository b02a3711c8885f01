"""What the web pages keep of their own: the audit log of staff actions on patron data, the
failed logins that drive the login throttles, and the security alerts administrators read."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    OPENED = "opened", _("lener geopend")
    REGISTERED = "registered", _("lid ingeschreven")
    CHECKOUT = "checkout", _("uitgeleend")
    RENEW = "renew", _("verlengd")
    PAYMENT = "payment", _("betaling ontvangen")
    MEMBERSHIP_RENEWED = "membership_renewed", _("lidmaatschap verlengd")
    HOLD_CANCELLED = "hold_cancelled", _("reservering geannuleerd")
    LOST = "lost", _("exemplaar verloren gemeld")
    PIN_RESET = "pin_reset", _("pincode opnieuw ingesteld")
    SEARCHED = "searched", _("leden gezocht")
    EDITED = "edited", _("gegevens gewijzigd")
    STAFF = "staff", _("medewerkeraccount beheerd")
    HOLD_OVERRIDE = "hold_override", _("uitgeleend ondanks reservering")
    WRITE_OFF = "write_off", _("kosten kwijtgescholden")


class AuditEntry(models.Model):
    """Who did what to whose data, and when. Written in the same transaction as the action it
    records, so a refused action leaves no entry and a done one always has its entry (renewing
    all loans at once is one entry for the renewals that went through)."""

    at = models.DateTimeField(_("tijdstip"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("medewerker"),
    )
    # Kept as text too: the entry stays readable when the account is removed.
    username = models.CharField(_("gebruikersnaam"), max_length=150)
    organisation = models.ForeignKey(
        "network.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("organisatie van de medewerker"),
    )
    branch = models.ForeignKey(
        "network.Branch",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("balie"),
    )
    action = models.CharField(_("handeling"), max_length=24, choices=AuditAction.choices)
    patron = models.ForeignKey(
        "members.Patron",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("lid"),
    )
    # The patron belongs to another organisation and was reached by scanning their card.
    network_access = models.BooleanField(_("via netwerkpas"), default=False)
    detail = models.CharField(_("details"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("logboekregel")
        verbose_name_plural = _("logboek")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organisation", "-at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action}"


class LoginFailure(models.Model):
    """A failed login from one address: a member's (card + PIN; the card is not kept) or a staff
    user's (the username tried is kept, for the per-account limit). Rows live one window."""

    kind = models.CharField(max_length=10, default="member")  # throttle.MEMBER or STAFF
    ip = models.GenericIPAddressField()
    account = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["kind", "ip", "at"]),
            models.Index(fields=["kind", "account", "at"]),
        ]

    def __str__(self):
        return f"{self.kind} {self.ip} {self.at:%Y-%m-%d %H:%M}"


class SecurityAlert(models.Model):
    """Something an organisation's administrators should know: a staff account stopped after too
    many wrong passwords, or a member's card locked again and again (its PIN under attack)."""

    class Kind(models.TextChoices):
        STAFF_ACCOUNT = "staff_account", _("medewerkersaccount geblokkeerd")
        MEMBER_PIN = "member_pin", _("pincode van een pas herhaald geblokkeerd")

    at = models.DateTimeField(_("tijdstip"), db_index=True)
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    organisation = models.ForeignKey(
        "network.Organisation",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        verbose_name=_("organisatie"),
    )
    # A username, or a card's shelf code: enough to act on, not a card number.
    subject = models.CharField(_("betreft"), max_length=150)
    detail = models.CharField(_("details"), max_length=300)

    class Meta:
        verbose_name = _("beveiligingsmelding")
        verbose_name_plural = _("beveiligingsmeldingen")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.subject}"
