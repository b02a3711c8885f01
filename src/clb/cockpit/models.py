"""What the cockpit keeps of its own: the final figures of closed periods. Everything it counts
it reads from the statistics room, never from patrons."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
