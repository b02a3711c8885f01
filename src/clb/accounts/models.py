"""Staff and cockpit users. Every user belongs to a scope: an organisation (desk, admin) or a
region (cockpit: the whole country, a province or a municipality)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    class Role(models.TextChoices):
        DESK = "desk", _("baliemedewerker")
        CATALOGUER = "cataloguer", _("catalogiseerder")
        ORG_ADMIN = "org_admin", _("beheerder organisatie")
        COCKPIT = "cockpit", _("cockpitgebruiker")
        NATIONAL_ADMIN = "national_admin", _("landelijk beheerder")

    role = models.CharField(_("rol"), max_length=20, choices=Role.choices, default=Role.DESK)
    organisation = models.ForeignKey(
        "network.Organisation",
        verbose_name=_("organisatie"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    branch = models.ForeignKey(
        "network.Branch",
        verbose_name=_("vestiging"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    # Cockpit scope: "NL", a province code (PV20) or a municipality code (GM0014).
    region_code = models.CharField(_("regio"), max_length=10, blank=True)

    @property
    def is_national(self) -> bool:
        return self.is_superuser or self.role == self.Role.NATIONAL_ADMIN
