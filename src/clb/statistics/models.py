"""The anonymous statistics: events, the tallies kept from them, member counts and the reporting
periods whose figures are final. Written by circulation and members with plain values (events.py,
counts.py), read by the cockpit and the cost model. Nothing here names a person, an item or a time
of day, and this room imports no room above it."""

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


class CountedEvents(models.Manager):
    """Events the figures count: those of actions in CLB, not of history brought in."""

    def get_queryset(self):
        return super().get_queryset().filter(source="")


class CirculationEvent(models.Model):
    """One anonymous line per circulation action: enough for every indicator, nothing that
    identifies a person (no patron, no item, no time of day).

    `source` names where an event came from when it is not an action in CLB: a migration from
    another system ("migratie:RUN") writes one for every loan, hold and member it brings in,
    so what came in can be traced and taken out again, but no figure counts it (`objects`
    leaves them out; `everything` has them all)."""

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
    source = models.CharField(max_length=40, blank=True, default="", db_default="")

    objects = CountedEvents()
    everything = models.Manager()  # noqa: DJ012 (a second manager, not a field)

    class Meta:
        indexes = [models.Index(fields=["organisation", "occurred_on"])]
        base_manager_name = "everything"

    def __str__(self):
        return f"{self.occurred_on} {self.action}"


class ArchivedMonth(models.Model):
    """A month whose raw events were archived (`clb archive-events`, archive.py): its figures
    live on in the tallies and, for rebuilding them, in ArchivedCount."""

    month = models.DateField(unique=True, verbose_name=_("maand"))  # its first day
    archived_at = models.DateTimeField(verbose_name=_("gearchiveerd op"))
    events = models.BigIntegerField(default=0, verbose_name=_("gebeurtenissen"))
    exported_to = models.CharField(max_length=500, blank=True, verbose_name=_("bestand"))

    class Meta:
        ordering = ["month"]
        verbose_name = _("gearchiveerde maand")
        verbose_name_plural = _("gearchiveerde maanden")

    def __str__(self):
        return f"{self.month:%Y-%m}"


class ArchivedCount(models.Model):
    """The events of an archived month, grouped by every dimension a tally keeps: what `clb
    rebuild-tallies` reads for that month instead of its raw events (those without a source).
    History a migration brought in (with its source) is kept apart: never counted in the
    tallies, but `clb invariants` adds its renewals up against the loans, and undoing that
    migration takes it out again."""

    month = models.DateField()
    action = models.CharField(max_length=20, choices=EventAction.choices)
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    branch = models.ForeignKey(
        "network.Branch", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    audience = models.CharField(max_length=8, blank=True)
    material_type = models.CharField(max_length=12, blank=True)
    municipality_code = models.CharField(max_length=6, blank=True)
    age_band = models.CharField(max_length=8, blank=True)
    source = models.CharField(max_length=40, blank=True, default="", db_default="")
    n = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["month"])]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.action}: {self.n}"


# --- aggregates kept up to date as events arrive (see tallies.py) -----------------------------
# Their grain is the half-year, the cockpit's smallest period: a national half-year is a few
# tens of thousands of rows instead of tens of millions of events.


class PlaceTally(models.Model):
    """Events per half-year where they happened: branch, lending organisation, what was lent.

    `municipality_code` is the municipality of the branch, kept on the row so that the cockpit
    reads a region without joining branches and municipalities. It is not part of the key: it
    follows the branch. A branch that moves to another municipality (or whose municipality
    merges into a new one) takes its rows along - the figures of every open period count its
    events where the branch is now, as the cockpit's branch figures do (follow_branches());
    closed periods keep their frozen figures (cockpit/closing.py). `clb rebuild-tallies`
    recomputes it from the branches as they are, and `clb invariants` reports a row that
    differs from its branch."""

    half_year = models.DateField()  # 1 January or 1 July
    action = models.CharField(max_length=20, choices=EventAction.choices)
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    branch = models.ForeignKey("network.Branch", on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(max_length=8, blank=True)
    material_type = models.CharField(max_length=12, blank=True)
    municipality_code = models.CharField(max_length=6, blank=True, default="", db_default="")
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
        # Regions read the tally by the branch's municipality.
        indexes = [models.Index(fields=["municipality_code", "half_year"])]

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
    """Anonymous head count of valid memberships on a day (counts.py; members takes the count).

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
