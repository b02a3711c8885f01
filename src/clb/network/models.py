"""The library network: provinces, municipalities, organisations and their branches."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from .isil import MAX_LENGTH as ISIL_LENGTH
from .isil import validate_dutch as validate_isil


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
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        related_name="municipalities",
        verbose_name=_("provincie"),
    )
    inhabitants = models.PositiveIntegerField(_("inwoners"))
    inhabitants_0_17 = models.PositiveIntegerField(_("inwoners 0–17"), default=0)
    # True when 0–17 is derived (PC4 age groups scaled to the CBS total), not counted.
    inhabitants_0_17_estimated = models.BooleanField(
        default=True, verbose_name=_("inwoners 0–17 geschat")
    )
    reference_date = models.DateField(_("peildatum"))
    area_km2 = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True, verbose_name=_("oppervlakte (km²)")
    )
    centroid_lat = models.FloatField(
        null=True, blank=True, verbose_name=_("middelpunt (breedtegraad)")
    )
    centroid_lon = models.FloatField(
        null=True, blank=True, verbose_name=_("middelpunt (lengtegraad)")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("gemeente")
        verbose_name_plural = _("gemeenten")

    def __str__(self):
        return f"{self.name} ({self.code})"


def isil_field():
    """The agency id in SRU, OAI-PMH and NCIP; empty (NULL) until the KB's code is known."""
    return models.CharField(
        "ISIL",
        max_length=ISIL_LENGTH,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_isil],
        help_text=_(
            "International Standard Identifier for Libraries (ISO 15511), bijv. NL-0123456789"
        ),
    )


def clean_isil(instance) -> None:
    """Normalise an entered ISIL and refuse one that an organisation or branch already has
    (case-insensitively: ISO 15511 does not distinguish case)."""
    from django.core.exceptions import ValidationError

    from . import isil

    if not instance.isil:
        instance.isil = None
        return
    try:
        instance.isil = isil.check(instance.isil, dutch=True)
    except ValidationError as exc:
        raise ValidationError({"isil": exc.messages}) from exc
    for model in (Organisation, Branch):
        taken = model.objects.filter(isil__iexact=instance.isil)
        if isinstance(instance, model) and instance.pk:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            raise ValidationError(
                {"isil": _("ISIL %(isil)s is al in gebruik.") % {"isil": instance.isil}}
            )


class OrganisationQuerySet(models.QuerySet):
    def public(self):
        """Organisations the public sees: not the placeholders that hold real locations until a
        branch list links them to their library."""
        return self.filter(is_placeholder=False)


class Organisation(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    isil = isil_field()
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
    source = models.CharField(_("bron"), max_length=200, blank=True)
    # "Nog te koppelen organisatie (…)": holds locations whose library is not known yet.
    is_placeholder = models.BooleanField(_("nog te koppelen (niet openbaar)"), default=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("bibliotheekorganisatie")
        verbose_name_plural = _("bibliotheekorganisaties")

    def __str__(self):
        return self.name

    def clean(self):
        clean_isil(self)


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


class BranchQuerySet(models.QuerySet):
    def public(self):
        """Branches of organisations the public sees."""
        return self.filter(organisation__is_placeholder=False)

    def open_on(self, day):
        return self.filter(
            models.Q(opened_on__isnull=True) | models.Q(opened_on__lte=day),
            models.Q(closed_on__isnull=True) | models.Q(closed_on__gt=day),
        )

    def pickup_points(self, day):
        """Where members may collect holds on this day."""
        return self.public().open_on(day).filter(is_pickup_point=True)


class Branch(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="branches",
        verbose_name=_("organisatie"),
    )
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    isil = isil_field()
    kind = models.CharField(_("soort"), max_length=20, choices=BranchKind.choices)
    staffed_hours_week = models.DecimalField(
        _("bemande uren per week"), max_digits=5, decimal_places=1, default=Decimal("0")
    )
    has_own_collection = models.BooleanField(_("eigen collectie"), default=True)
    street = models.CharField(_("adres"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=7, blank=True)
    place = models.CharField(_("plaats"), max_length=100, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="branches",
        null=True,
        blank=True,
        verbose_name=_("gemeente"),
    )
    lat = models.FloatField(null=True, blank=True, verbose_name=_("breedtegraad"))
    lon = models.FloatField(null=True, blank=True, verbose_name=_("lengtegraad"))
    opened_on = models.DateField(_("geopend op"), null=True, blank=True)
    closed_on = models.DateField(_("gesloten op"), null=True, blank=True)
    is_demo = models.BooleanField(_("demodata"), default=False)
    source = models.CharField(_("bron"), max_length=200, blank=True)
    # Members may choose it to collect holds (a location of unknown kind is not, until known).
    is_pickup_point = models.BooleanField(_("afhaalpunt voor reserveringen"), default=True)

    objects = BranchQuerySet.as_manager()

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

    def clean(self):
        clean_isil(self)

    def is_open_on(self, day) -> bool:
        return (self.opened_on is None or self.opened_on <= day) and (
            self.closed_on is None or self.closed_on > day
        )

    @property
    def serves_pickup(self) -> bool:
        return self.is_pickup_point and not self.organisation.is_placeholder

    @property
    def is_volwaardig(self) -> bool:
        return self.kind == BranchKind.VESTIGING


class PostcodeArea(models.Model):
    """A 4-digit postcode area (PC4): where people live, for member municipalities and distances."""

    pc4 = models.CharField(_("PC4"), max_length=4, unique=True)
    inhabitants = models.PositiveIntegerField(_("inwoners"))
    inhabitants_0_17 = models.FloatField(_("inwoners 0–17 (schatting)"), default=0)
    # A point guaranteed inside the area (WGS84), used for distance work.
    lat = models.FloatField(verbose_name=_("breedtegraad"))
    lon = models.FloatField(verbose_name=_("lengtegraad"))
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="postcode_areas",
        verbose_name=_("gemeente"),
    )

    class Meta:
        verbose_name = _("postcodegebied")
        verbose_name_plural = _("postcodegebieden")

    def __str__(self):
        return self.pc4
