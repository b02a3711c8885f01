"""What the web pages keep of their own: the failed logins that drive the login throttles, and
the security alerts administrators read. (The audit log of actions on patron data is members'
own, `clb.members.audit`: the API writes it too.)"""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
