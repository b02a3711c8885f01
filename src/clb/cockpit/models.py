"""What the cockpit reads: anonymous events, never patrons."""

from django.db import models


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
