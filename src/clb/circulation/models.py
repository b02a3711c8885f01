"""Loan rules (data), loans, holds and transits. Only circulation.services changes these."""

from decimal import Decimal

from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from clb.members.models import PatronCategory


class HoldRefund(models.TextChoices):
    """When a cancelled hold's fee is given back."""

    NEVER = "never", _("nooit")
    UNTIL_READY = "until_ready", _("zolang er nog niets klaarligt")
    ALWAYS = "always", _("altijd")


def _organisation_key(related_name: str):
    """The organisation key of a rule table: blank (NULL) is every organisation."""
    return models.ForeignKey(
        "network.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=_("organisatie (leeg = alle)"),
    )


def _category_key():
    """The patron-category key of a rule table: blank is every category."""
    return models.CharField(
        _("lenerscategorie (leeg = alle)"),
        max_length=10,
        choices=PatronCategory.choices,
        blank=True,
    )


class LoanRule(models.Model):
    """One row of the rule table. Blank keys are wildcards; the most specific match wins,
    organisation weighing most, then item type, then patron category (see rules.resolve)."""

    organisation = _organisation_key("loan_rules")
    patron_category = _category_key()
    item_type = models.ForeignKey(
        "catalogue.ItemType",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("exemplaarsoort (leeg = alle)"),
    )
    loan_days = models.PositiveSmallIntegerField(_("uitleentermijn (dagen)"), default=21)
    renewals = models.PositiveSmallIntegerField(_("aantal verlengingen"), default=2)
    loan_limit = models.PositiveSmallIntegerField(_("maximum aantal uitleningen"), default=20)
    fine_per_day = models.DecimalField(
        _("te-laat-geld per dag (€)"), max_digits=6, decimal_places=2, default=Decimal("0.25")
    )
    fine_cap = models.DecimalField(
        _("maximum te-laat-geld per exemplaar (€)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("5.00"),
    )
    holds_allowed = models.BooleanField(_("reserveren toegestaan"), default=True)
    hold_fee = models.DecimalField(
        _("reserveringskosten (€)"), max_digits=6, decimal_places=2, default=Decimal("0")
    )
    hold_fee_refund = models.CharField(
        _("reserveringskosten terug bij annuleren"),
        max_length=12,
        choices=HoldRefund.choices,
        default=HoldRefund.UNTIL_READY,
    )

    class Meta:
        verbose_name = _("uitleenregel")
        verbose_name_plural = _("uitleenregels")
        constraints = [
            # Wildcards are NULL, and NULLs never collide in a plain unique index: coalesce them.
            models.UniqueConstraint(
                Coalesce("organisation", Value(0)),
                "patron_category",
                Coalesce("item_type", Value(0)),
                name="one_rule_per_key",
            ),
            models.CheckConstraint(
                condition=Q(fine_per_day__gte=0) & Q(fine_cap__gte=0) & Q(hold_fee__gte=0),
                name="rule_amounts_not_negative",
            ),
        ]

    def __str__(self):
        org = self.organisation.code if self.organisation_id else "*"
        itype = self.item_type.code if self.item_type_id else "*"
        return f"{org} / {self.patron_category or '*'} / {itype}"


class CategoryLimit(models.Model):
    """An overall limit on all loans of a patron category at one lending organisation, on top
    of each rule's own limit. Blank keys are wildcards; the most specific row wins
    (organisation before category); no row means no overall limit."""

    organisation = _organisation_key("category_limits")
    patron_category = _category_key()
    max_loans = models.PositiveSmallIntegerField(_("maximum aantal uitleningen samen"))

    class Meta:
        verbose_name = _("totaal aantal uitleningen")
        verbose_name_plural = _("totaal aantal uitleningen")
        constraints = [
            models.UniqueConstraint(
                Coalesce("organisation", Value(0)),
                "patron_category",
                name="one_category_limit_per_key",
            )
        ]

    def __str__(self):
        org = self.organisation.code if self.organisation_id else "*"
        return f"{org} / {self.patron_category or '*'}: {self.max_loans}"


class LoanQuerySet(models.QuerySet):
    def open(self):
        """Not returned yet."""
        return self.filter(returned_at__isnull=True)

    def returned(self):
        return self.filter(returned_at__isnull=False)


class Loan(models.Model):
    item = models.ForeignKey(
        "catalogue.Item",
        on_delete=models.PROTECT,
        related_name="loans",
        verbose_name=_("exemplaar"),
    )
    # Cleared on anonymisation unless the patron keeps reading history.
    patron = models.ForeignKey(
        "members.Patron",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="loans",
        verbose_name=_("lid"),
    )
    organisation = models.ForeignKey(
        "network.Organisation",
        on_delete=models.PROTECT,
        related_name="loans",
        help_text="the lending organisation, whose rules apply",
        verbose_name=_("uitlenende organisatie"),
    )
    branch = models.ForeignKey(
        "network.Branch",
        on_delete=models.PROTECT,
        related_name="loans",
        verbose_name=_("uitgeleend in"),
    )
    patron_category = models.CharField(
        max_length=10, choices=PatronCategory.choices, verbose_name=_("lenerscategorie")
    )
    checked_out_at = models.DateTimeField(verbose_name=_("uitgeleend op"))
    due_at = models.DateTimeField(verbose_name=_("inleveren uiterlijk"))
    renewals = models.PositiveSmallIntegerField(default=0, verbose_name=_("aantal keer verlengd"))
    returned_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ingeleverd op"))
    return_branch = models.ForeignKey(
        "network.Branch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ingeleverd in"),
    )
    anonymised = models.BooleanField(default=False, verbose_name=_("geanonimiseerd"))

    objects = LoanQuerySet.as_manager()

    class Meta:
        verbose_name = _("uitlening")
        verbose_name_plural = _("uitleningen")
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(returned_at__isnull=True),
                name="one_open_loan_per_item",
            )
        ]
        indexes = [
            models.Index(fields=["patron", "returned_at"]),
            models.Index(fields=["returned_at", "anonymised"]),
        ]

    def __str__(self):
        return f"loan {self.pk} of item {self.item_id}"

    @property
    def is_open(self) -> bool:
        return self.returned_at is None


class HoldStatus(models.TextChoices):
    WAITING = "waiting", _("wacht")
    IN_TRANSIT = "in_transit", _("onderweg naar afhaalpunt")
    READY = "ready", _("ligt klaar")
    FULFILLED = "fulfilled", _("opgehaald")
    CANCELLED = "cancelled", _("geannuleerd")
    EXPIRED = "expired", _("niet opgehaald")


ACTIVE_HOLD = [HoldStatus.WAITING, HoldStatus.IN_TRANSIT, HoldStatus.READY]
CAPTURED_HOLD = [HoldStatus.IN_TRANSIT, HoldStatus.READY]


class HoldQuerySet(models.QuerySet):
    def active(self):
        """Not fulfilled, cancelled or expired: waiting, on its way or ready."""
        return self.filter(status__in=ACTIVE_HOLD)

    def waiting(self):
        return self.filter(status=HoldStatus.WAITING)

    def captured(self, item):
        """The hold this copy is set aside for (on its way or on the hold shelf): one at most."""
        return self.filter(captured_item=item, status__in=CAPTURED_HOLD)

    def ready_for(self, item):
        """The hold this copy lies ready for on a hold shelf."""
        return self.filter(captured_item=item, status=HoldStatus.READY)


class Hold(models.Model):
    """A title-level hold (item empty) or an item-level hold. Its queue position is derived from
    placed_at and id, never stored."""

    patron = models.ForeignKey(
        "members.Patron", on_delete=models.CASCADE, related_name="holds", verbose_name=_("lid")
    )
    record = models.ForeignKey(
        "catalogue.BibRecord",
        on_delete=models.PROTECT,
        related_name="holds",
        verbose_name=_("titel"),
    )
    item = models.ForeignKey(
        "catalogue.Item",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="only for item-level holds",
        verbose_name=_("exemplaar (reservering op exemplaar)"),
    )
    pickup_branch = models.ForeignKey(
        "network.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("afhaalpunt")
    )
    status = models.CharField(
        max_length=12,
        choices=HoldStatus.choices,
        default=HoldStatus.WAITING,
        verbose_name=_("status"),
    )
    placed_at = models.DateTimeField(verbose_name=_("geplaatst op"))
    captured_item = models.ForeignKey(
        "catalogue.Item",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("apart gelegd exemplaar"),
    )
    captured_at = models.DateTimeField(null=True, blank=True, verbose_name=_("apart gelegd op"))
    ready_at = models.DateTimeField(null=True, blank=True, verbose_name=_("klaar op"))
    expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("op de plank tot"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("afgesloten op"))
    # The fee charged when it was placed, so a cancellation can give back exactly that.
    fee_line = models.ForeignKey(
        "members.LedgerLine",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reserveringskosten"),
    )

    objects = HoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("reservering")
        verbose_name_plural = _("reserveringen")
        ordering = ["placed_at", "id"]
        constraints = [
            # A captured copy serves one hold.
            models.UniqueConstraint(
                fields=["captured_item"],
                condition=Q(status__in=CAPTURED_HOLD),
                name="captured_item_serves_one_hold",
            ),
            # A captured hold has its copy; a waiting one has none.
            models.CheckConstraint(
                condition=~Q(status__in=CAPTURED_HOLD) | Q(captured_item__isnull=False),
                name="captured_hold_has_item",
            ),
            models.CheckConstraint(
                condition=~Q(status=HoldStatus.WAITING) | Q(captured_item__isnull=True),
                name="waiting_hold_has_no_item",
            ),
        ]
        indexes = [models.Index(fields=["record", "status", "placed_at"])]

    def __str__(self):
        return f"hold {self.pk} on record {self.record_id} ({self.status})"


class Transit(models.Model):
    class Reason(models.TextChoices):
        HOLD = "hold", _("reservering")
        # Set aside on a shelf for a hold, still to be fetched (the pull list).
        PAGE = "page", _("reservering, uit de kast halen")
        HOME = "home", _("terug naar eigen vestiging")

    item = models.ForeignKey(
        "catalogue.Item",
        on_delete=models.PROTECT,
        related_name="transits",
        verbose_name=_("exemplaar"),
    )
    from_branch = models.ForeignKey(
        "network.Branch",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("van vestiging"),
    )
    to_branch = models.ForeignKey(
        "network.Branch",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("naar vestiging"),
    )
    reason = models.CharField(max_length=8, choices=Reason.choices, verbose_name=_("reden"))
    hold = models.ForeignKey(
        Hold, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("reservering")
    )
    created_at = models.DateTimeField(verbose_name=_("aangemaakt op"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("verzonden op"))
    received_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ontvangen op"))

    class Meta:
        verbose_name = _("transport")
        verbose_name_plural = _("transporten")
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(received_at__isnull=True),
                name="one_open_transit_per_item",
            )
        ]

    def __str__(self):
        return f"transit of item {self.item_id} to {self.to_branch_id}"
