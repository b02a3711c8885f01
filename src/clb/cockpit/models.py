"""What the cockpit keeps of its own: the final figures of closed periods. Everything it counts
it reads from the statistics room, never from patrons."""

from django.db import models


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
