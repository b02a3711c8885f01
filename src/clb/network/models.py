"""The library network: provinces, municipalities, organisations and their branches."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    code = models.CharField(_("code"), max_length=4, unique=True)  # PV20 … PV31 (CBS)
    name = models.CharField(_("naam"), max_length=60, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("provincie")
        verbose_name_plural = _("provincies")

    def __str__(self):
        return self.name


class Municipality(models.Model):
    code = models.CharField(_("CBS-code"), max_length=6, unique=True)  # GMxxxx
    name = models.CharField(_("naam"), max_length=80)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="municipalities")
    inhabitants = models.PositiveIntegerField(_("inwoners"))
    inhabitants_0_17 = models.PositiveIntegerField(_("inwoners 0–17"), default=0)
    # True when 0–17 is derived (PC4 age groups scaled to the CBS total), not counted.
    inhabitants_0_17_estimated = models.BooleanField(default=True)
    reference_date = models.DateField(_("peildatum"))
    area_km2 = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)
    centroid_lon = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("gemeente")
        verbose_name_plural = _("gemeenten")

    def __str__(self):
        return f"{self.name} ({self.code})"


class Organisation(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    municipalities = models.ManyToManyField(
        Municipality, related_name="organisations", blank=True, verbose_name=_("werkgebied")
    )
    # Patrons owing more than this may not borrow here.
    fee_block_threshold = models.DecimalField(
        _("blokkeren vanaf openstaand bedrag (€)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("10.00"),
    )
    hold_shelf_days = models.PositiveSmallIntegerField(_("dagen op reserveringsplank"), default=7)
    # A new charge (a renewed subscription, a fine) counts towards the block only after this
    # many days: time to pay it at the next visit.
    fee_grace_days = models.PositiveSmallIntegerField(
        _("dagen voordat nieuwe kosten het lenen blokkeren"), default=14
    )
    renewal_window_days = models.PositiveSmallIntegerField(
        _("lidmaatschap verlengen kan vanaf … dagen voor de vervaldatum"), default=30
    )
    # Item-type codes that stay where they are returned instead of travelling home.
    floating_item_types = models.ManyToManyField(
        "catalogue.ItemType", blank=True, verbose_name=_("zwevende materiaalsoorten")
    )
    is_demo = models.BooleanField(_("demodata"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("bibliotheekorganisatie")
        verbose_name_plural = _("bibliotheekorganisaties")

    def __str__(self):
        return self.name


class BranchKind(models.TextChoices):
    VESTIGING = "vestiging", _("vestiging (volwaardig)")
    SERVICEPUNT = "servicepunt", _("servicepunt")
    MINI_SERVICEPUNT = "mini_servicepunt", _("mini-servicepunt")
    UNSTAFFED = "onbemand", _("onbemand (zelfservice, afhaalpunt, bushalte)")
    # A real location whose staffed hours are not known yet (e.g. from a list of addresses).
    UNKNOWN = "onbekend", _("soort onbekend")


def kind_for_hours(staffed_hours_week: float) -> str:
    """The sector's typology: ≥ 15 staffed hours a week is a vestiging, 4–15 a servicepunt,
    under 4 a mini-servicepunt, none at all is unstaffed."""
    if staffed_hours_week >= 15:
        return BranchKind.VESTIGING
    if staffed_hours_week >= 4:
        return BranchKind.SERVICEPUNT
    if staffed_hours_week > 0:
        return BranchKind.MINI_SERVICEPUNT
    return BranchKind.UNSTAFFED


class Branch(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="branches"
    )
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    kind = models.CharField(_("soort"), max_length=20, choices=BranchKind.choices)
    staffed_hours_week = models.DecimalField(
        _("bemande uren per week"), max_digits=5, decimal_places=1, default=Decimal("0")
    )
    has_own_collection = models.BooleanField(_("eigen collectie"), default=True)
    street = models.CharField(_("adres"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=7, blank=True)
    place = models.CharField(_("plaats"), max_length=100, blank=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="branches", null=True, blank=True
    )
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    opened_on = models.DateField(_("geopend op"), null=True, blank=True)
    closed_on = models.DateField(_("gesloten op"), null=True, blank=True)
    is_demo = models.BooleanField(_("demodata"), default=False)
    source = models.CharField(_("bron"), max_length=200, blank=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = _("vestiging")
        verbose_name_plural = _("vestigingen")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True)
                | models.Q(opened_on__isnull=True)
                | models.Q(closed_on__gte=models.F("opened_on")),
                name="branch_closed_after_opened",
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.kind:
            self.kind = kind_for_hours(float(self.staffed_hours_week))
        super().save(*args, **kwargs)

    def is_open_on(self, day) -> bool:
        return (self.opened_on is None or self.opened_on <= day) and (
            self.closed_on is None or self.closed_on > day
        )

    @property
    def is_volwaardig(self) -> bool:
        return self.kind == BranchKind.VESTIGING


class PostcodeArea(models.Model):
    """A 4-digit postcode area (PC4): where people live, for member municipalities and distances."""

    pc4 = models.CharField(_("PC4"), max_length=4, unique=True)
    inhabitants = models.PositiveIntegerField(_("inwoners"))
    inhabitants_0_17 = models.FloatField(_("inwoners 0–17 (schatting)"), default=0)
    # A point guaranteed inside the area (WGS84), used for distance work.
    lat = models.FloatField()
    lon = models.FloatField()
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, null=True, blank=True, related_name="postcode_areas"
    )

    class Meta:
        verbose_name = _("postcodegebied")
        verbose_name_plural = _("postcodegebieden")

    def __str__(self):
        return self.pc4
