"""Tables of the cost model.

The model itself (building blocks, levels, cost drivers, parameters with source and year) is
versioned data: a model file is loaded once into the tables below as a ModelVersion and never
changed afterwards, so a saved scenario keeps the model it was computed with. Scenarios are the
only rows people create."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ModelVersion(models.Model):
    version = models.CharField(_("versie"), max_length=20, unique=True)
    title = models.CharField(_("titel"), max_length=200)
    note = models.TextField(_("toelichting"), blank=True)
    checksum = models.CharField(
        max_length=64, verbose_name=_("controlegetal")
    )  # sha256 of the file's canonical JSON
    size_class_source = models.CharField(
        max_length=300, blank=True, verbose_name=_("bron grootteklassen")
    )
    # Named scenarios of the model, in order: [{"code", "name", "description",
    # "levels": [[block, [levels]]]}]
    presets = models.JSONField(_("voorkeuzes"), default=list, blank=True)
    loaded_at = models.DateTimeField(_("geladen op"))
    is_current = models.BooleanField(_("in gebruik"), default=False)

    class Meta:
        ordering = ["-loaded_at"]
        verbose_name = _("versie kostenmodel")
        verbose_name_plural = _("versies kostenmodel")
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="one_current_costmodel"
            )
        ]

    def __str__(self):
        return self.version


class Parameter(models.Model):
    model_version = models.ForeignKey(
        ModelVersion,
        on_delete=models.CASCADE,
        related_name="parameters",
        verbose_name=_("modelversie"),
    )
    code = models.CharField(_("code"), max_length=60)
    name = models.CharField(_("naam"), max_length=200)
    group = models.CharField(_("groep"), max_length=60)
    value = models.DecimalField(_("waarde"), max_digits=16, decimal_places=6)
    unit = models.CharField(_("eenheid"), max_length=60)
    year = models.PositiveSmallIntegerField(_("jaar"))
    source = models.TextField(_("bron"))
    is_estimate = models.BooleanField(_("schatting"))
    minimum = models.DecimalField(
        max_digits=16, decimal_places=6, null=True, blank=True, verbose_name=_("minimum")
    )
    maximum = models.DecimalField(
        max_digits=16, decimal_places=6, null=True, blank=True, verbose_name=_("maximum")
    )
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("volgorde"))

    class Meta:
        ordering = ["model_version", "position"]
        verbose_name = _("parameter")
        verbose_name_plural = _("parameters")
        constraints = [
            models.UniqueConstraint(fields=["model_version", "code"], name="costmodel_param_once")
        ]

    def __str__(self):
        return self.code


class Variable(models.Model):
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="variables"
    )
    code = models.CharField(max_length=60)
    kind = models.CharField(max_length=12)
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=60, blank=True)
    source = models.TextField(blank=True)
    expression = models.JSONField(null=True, blank=True)
    default = models.JSONField(null=True, blank=True)
    # "huidig" variables: the national estimate of today's figure and its reasoning
    estimate = models.JSONField(_("landelijke schatting"), null=True, blank=True)
    estimate_note = models.TextField(_("toelichting schatting"), blank=True)
    counts_people = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["model_version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["model_version", "code"], name="costmodel_var_once")
        ]

    def __str__(self):
        return self.code


class Indicator(models.Model):
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField(max_length=60)
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=60, blank=True)
    cockpit_formula = models.CharField(max_length=200, blank=True)
    cockpit_scale = models.CharField(max_length=60, blank=True)
    cockpit_note = models.CharField(max_length=200, blank=True)
    counts_people = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["model_version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["model_version", "code"], name="costmodel_ind_once")
        ]

    def __str__(self):
        return self.code


class Block(models.Model):
    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="blocks")
    code = models.CharField(_("code"), max_length=60)
    name = models.CharField(_("naam"), max_length=200)
    function = models.CharField(_("Wsob-functie of convenanttaak"), max_length=300)
    priority = models.PositiveSmallIntegerField(_("prioriteit"))
    description = models.TextField(blank=True)
    active_if = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["model_version", "priority"]
        verbose_name = _("bouwsteen")
        verbose_name_plural = _("bouwstenen")
        constraints = [
            models.UniqueConstraint(fields=["model_version", "code"], name="costmodel_block_once")
        ]

    def __str__(self):
        return self.name


class Level(models.Model):
    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="levels")
    code = models.CharField(max_length=60)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    tier = models.PositiveSmallIntegerField(null=True, blank=True)  # None: the current level
    is_current = models.BooleanField(default=False)
    is_off = models.BooleanField(default=False)
    extends = models.CharField(max_length=60, blank=True)
    sets = models.JSONField(default=dict)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["block", "position"]
        constraints = [
            models.UniqueConstraint(fields=["block", "code"], name="costmodel_level_once")
        ]

    def __str__(self):
        return f"{self.block.code}.{self.code}"


class Driver(models.Model):
    """A cost driver: quantity (an expression over variables and parameters) × price. Without a
    level it applies to every level of the block that is not "off"."""

    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="drivers")
    level = models.ForeignKey(
        Level, on_delete=models.CASCADE, null=True, blank=True, related_name="drivers"
    )
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(max_length=200)
    kind = models.CharField(max_length=12)
    unit = models.CharField(max_length=60)
    quantity = models.JSONField()
    price = models.JSONField()

    class Meta:
        ordering = ["block", "position"]

    def __str__(self):
        return self.label


class YieldRule(models.Model):
    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="yield_rules")
    level = models.ForeignKey(
        Level, on_delete=models.CASCADE, null=True, blank=True, related_name="yield_rules"
    )
    position = models.PositiveSmallIntegerField(default=0)
    indicator = models.CharField(max_length=60)
    quantity = models.JSONField()

    class Meta:
        ordering = ["block", "position"]

    def __str__(self):
        return self.indicator


class OneOffRule(models.Model):
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="one_off_rules"
    )
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(max_length=200)
    unit = models.CharField(max_length=60, blank=True)
    quantity = models.JSONField()
    price = models.JSONField()

    class Meta:
        ordering = ["model_version", "position"]

    def __str__(self):
        return self.label


class SizeClass(models.Model):
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="size_classes"
    )
    position = models.PositiveSmallIntegerField(default=0)
    low = models.PositiveIntegerField()
    high = models.PositiveIntegerField(null=True, blank=True)
    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["model_version", "position"]

    def __str__(self):
        return self.name


class Rule(models.Model):
    """Fixed settings of the model that a scenario may not override (privacy threshold, window)."""

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="rules")
    code = models.CharField(max_length=60)
    value = models.DecimalField(max_digits=16, decimal_places=6)
    unit = models.CharField(max_length=60, blank=True)
    year = models.PositiveSmallIntegerField()
    source = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model_version", "code"], name="costmodel_rule_once")
        ]

    def __str__(self):
        return self.code


class Scenario(models.Model):
    """A saved choice: an area, a level per building block and parameter overrides."""

    name = models.CharField(_("naam"), max_length=200)
    notes = models.TextField(_("toelichting"), blank=True)
    municipality_codes = models.JSONField(_("gemeenten"))  # CBS codes
    # Set when the area is the working area of an organisation (for its name and access).
    organisation = models.ForeignKey(
        "network.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisatie"),
    )
    levels = models.JSONField(_("niveaus per bouwsteen"))
    overrides = models.JSONField(_("aangepaste parameters"), default=dict, blank=True)
    budget = models.DecimalField(
        _("budget (€ per jaar)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    current_subsidy = models.DecimalField(
        _("huidige subsidie (€ per jaar)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    model_version = models.ForeignKey(
        ModelVersion,
        on_delete=models.PROTECT,
        null=True,
        related_name="scenarios",
        verbose_name=_("modelversie"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gemaakt door"),
    )
    created_at = models.DateTimeField(verbose_name=_("gemaakt op"))
    updated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("gewijzigd op"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("kostenscenario")
        verbose_name_plural = _("kostenscenario's")

    def __str__(self):
        return self.name
