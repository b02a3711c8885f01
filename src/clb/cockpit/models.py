"""What the cockpit reads: anonymous events, never patrons."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventAction(models.TextChoices):
    CHECKOUT = "checkout"
    CHECKIN = "checkin"
    RENEW = "renew"
    HOLD_PLACED = "hold_placed"
    HOLD_CAPTURED = "hold_captured"
    HOLD_FULFILLED = "hold_fulfilled"
    HOLD_EXPIRED = "hold_expired"
    HOLD_CANCELLED = "hold_cancelled"
    LOST = "lost"
    MEMBER_REGISTERED = "member_registered"


class CirculationEvent(models.Model):
    """One anonymous line per circulation action: enough for every indicator, nothing that
    identifies a person (no patron, no item, no time of day)."""

    occurred_on = models.DateField(db_index=True)
    action = models.CharField(max_length=20, choices=EventAction.choices)
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    branch = models.ForeignKey(
        "network.Branch", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    item_type = models.CharField(max_length=30, blank=True)
    material_type = models.CharField(max_length=12, blank=True)
    audience = models.CharField(max_length=8, blank=True)
    age_band = models.CharField(max_length=8, blank=True)
    municipality_code = models.CharField(max_length=6, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "occurred_on"])]

    def __str__(self):
        return f"{self.occurred_on} {self.action}"


# --- aggregates kept up to date as events arrive (see tallies.py) -----------------------------
# Their grain is the half-year, the cockpit's smallest period: a national half-year is a few
# tens of thousands of rows instead of tens of millions of events.


class PlaceTally(models.Model):
    """Events per half-year where they happened: branch, lending organisation, what was lent."""

    half_year = models.DateField()  # 1 January or 1 July
    action = models.CharField(max_length=20, choices=EventAction.choices)
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    branch = models.ForeignKey("network.Branch", on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(max_length=8, blank=True)
    material_type = models.CharField(max_length=12, blank=True)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "half_year",
                    "action",
                    "organisation",
                    "branch",
                    "audience",
                    "material_type",
                ],
                name="place_tally_key",
            )
        ]

    def __str__(self):
        return f"{self.half_year} {self.action} branch {self.branch_id}: {self.n}"


class ResidenceTally(models.Model):
    """Events per half-year by who acted, anonymously: where they live and their age band."""

    half_year = models.DateField()
    action = models.CharField(max_length=20, choices=EventAction.choices)
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    municipality_code = models.CharField(max_length=6, blank=True)
    age_band = models.CharField(max_length=8, blank=True)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["half_year", "action", "organisation", "municipality_code", "age_band"],
                name="residence_tally_key",
            )
        ]
        # Regions read the tally by where people live.
        indexes = [models.Index(fields=["municipality_code", "half_year"])]

    def __str__(self):
        return f"{self.half_year} {self.action} {self.municipality_code}: {self.n}"


class MemberCount(models.Model):
    """Anonymous head count of valid memberships on a day (see snapshots.py).

    `memberships` counts memberships of the organisation; `patrons` counts each person once
    nationally (in the row of their first organisation), so summing `patrons` over organisations
    gives people, and summing `memberships` over one organisation gives its members."""

    taken_on = models.DateField(db_index=True)
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    municipality_code = models.CharField(max_length=6, blank=True)
    age_band = models.CharField(max_length=8, blank=True)
    memberships = models.PositiveIntegerField(default=0)
    patrons = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["taken_on", "organisation", "municipality_code", "age_band"],
                name="member_count_key",
            )
        ]

    def __str__(self):
        return f"{self.taken_on} {self.municipality_code} {self.age_band}: {self.patrons}"


class MemberCountRun(models.Model):
    """That a member count was taken on a day (even one that found nobody)."""

    taken_on = models.DateField(unique=True, verbose_name=_("peildatum"))
    taken_at = models.DateTimeField(verbose_name=_("geteld op"))
    memberships = models.PositiveIntegerField(default=0, verbose_name=_("lidmaatschappen"))

    class Meta:
        verbose_name = _("ledentelling")
        verbose_name_plural = _("ledentellingen")

    def __str__(self):
        return f"{self.taken_on}: {self.memberships}"


class ClosedPeriod(models.Model):
    """A half-year or year whose figures are final: frozen, and closed to new registrations."""

    code = models.CharField(_("periode"), max_length=7, unique=True)  # 2025-H1 or 2025
    closed_at = models.DateTimeField(_("afgesloten op"))
    closed_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("afgesloten door"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("afgesloten periode")
        verbose_name_plural = _("afgesloten perioden")

    def __str__(self):
        return self.code


class FrozenMeasures(models.Model):
    """The measure values of one region in a closed period, as they were when it closed; final
    figures are computed from these, so later corrections of reference data do not move them."""

    period = models.CharField(max_length=7)
    region = models.CharField(max_length=50)
    values = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "region"], name="frozen_measures_key")
        ]

    def __str__(self):
        return f"{self.period} {self.region}"


class Simulation(models.Model):
    """Statistics that did not happen: an anonymous year simulated for one organisation by
    `clb load-demo --national`, so that an installation without the real network still shows a
    country. Its tallies and member counts carry the organisation; this row says they are
    simulated, so every page and file that shows them says "gesimuleerd", and `clb load-demo
    --remove-national` can take them out again."""

    organisation = models.OneToOneField(
        "network.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    # Made for the simulation (and removed with it), or an organisation that was already there.
    created_organisation = models.BooleanField(default=False)
    # Municipality codes whose figures include the simulated ones.
    municipalities = models.JSONField(default=list)
    # Members per municipality and age band ({"GM0363": {"20-64": 1234}}): added to every member
    # count taken while the simulation exists (snapshots.take_member_snapshot).
    members = models.JSONField(default=dict)
    source = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("gesimuleerde statistiek")
        verbose_name_plural = _("gesimuleerde statistieken")

    def __str__(self):
        return f"simulatie {self.organisation_id}"
