"""A migration run and the id map: which row of another system became which row of CLB."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    RUNNING = "running", _("bezig")
    DONE = "done", _("klaar")
    REHEARSED = "rehearsed", _("proefrun klaar (niets geschreven)")
    FAILED = "failed", _("mislukt")
    UNDONE = "undone", _("ongedaan gemaakt")
    PARTLY_UNDONE = "partly_undone", _("deels ongedaan gemaakt")


class MigrationRun(models.Model):
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("organisatie"),
    )  # fmt: skip
    package = models.CharField(_("pakket (map)"), max_length=500)
    dry_run = models.BooleanField(_("proefrun"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    started_at = models.DateTimeField(_("gestart op"))
    finished_at = models.DateTimeField(_("klaar op"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("gestart door"),
    )  # fmt: skip
    report_dir = models.CharField(_("rapport (map)"), max_length=500, blank=True)
    # Per file and outcome: {"patrons.csv": {"aangemaakt": 120, "geweigerd": 2}, …}
    counts = models.JSONField(_("aantallen"), default=dict, blank=True)
    message = models.TextField(_("melding"), blank=True)
    undone_at = models.DateTimeField(_("ongedaan gemaakt op"), null=True, blank=True)
    undo_report = models.TextField(_("wat niet ongedaan kon"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("migratierun")
        verbose_name_plural = _("migratieruns")

    def __str__(self):
        kind = _("proefrun") if self.dry_run else _("migratie")
        return f"{kind} {self.pk} ({self.organisation.code})"

    @property
    def source(self) -> str:
        return run_source(self.pk)


def run_source(run_id: int) -> str:
    """What the statistics events of a run carry as their source."""
    return f"migratie:{run_id}"


class Kind(models.TextChoices):
    RECORD = "record", _("titel")
    ITEM = "item", _("exemplaar")
    PATRON = "patron", _("lid")
    MEMBERSHIP = "membership", _("lidmaatschap (lid bestond al)")
    MEMBER_KEY = "member_key", _("landelijke sleutel van een lid")
    BLOCK = "block", _("blokkade")
    FEE = "fee", _("financiële regel")
    LOAN = "loan", _("uitlening")
    HOLD = "hold", _("reservering")
    ISIL = "isil", _("ISIL van de organisatie")


class IdMapEntry(models.Model):
    """One row of the package and what it is in CLB. `run` is the run that wrote it; `created`
    says whether that run created the CLB row (undo removes only those) or matched an existing
    one. `state` is the row as the run left it, so undo can tell whether anything happened
    to it since."""

    organisation = models.ForeignKey("network.Organisation", on_delete=models.PROTECT,
                                     related_name="+")  # fmt: skip
    kind = models.CharField(max_length=12, choices=Kind.choices)
    source_id = models.CharField(max_length=200)
    target_id = models.BigIntegerField()
    run = models.ForeignKey(MigrationRun, on_delete=models.PROTECT, related_name="entries")
    created = models.BooleanField(default=True)
    state = models.TextField(blank=True)

    class Meta:
        verbose_name = _("vertaling van een bron-id")
        verbose_name_plural = _("vertalingen van bron-id's")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "source_id"], name="one_target_per_source_row"
            )
        ]
        indexes = [models.Index(fields=["kind", "source_id"]), models.Index(fields=["run", "kind"])]

    def __str__(self):
        return f"{self.kind} {self.source_id} → {self.target_id}"
