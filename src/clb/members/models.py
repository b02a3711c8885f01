"""Patrons (one national card), memberships per organisation, and the fee ledger."""

from datetime import date
from decimal import Decimal

from django.db import models
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from clb.statistics.bands import band_for_age


class PatronCategory(models.TextChoices):
    YOUTH = "youth", _("jeugd (0–17)")
    ADULT = "adult", _("volwassene")
    SENIOR = "senior", _("senior")


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


class Patron(models.Model):
    card_number = models.CharField(_("pasnummer"), max_length=20, unique=True)
    first_name = models.CharField(_("voornaam"), max_length=100)
    last_name = models.CharField(_("achternaam"), max_length=150)
    birth_date = models.DateField(_("geboortedatum"))
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telefoon"), max_length=20, blank=True)
    street = models.CharField(_("adres"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=7)
    place = models.CharField(_("woonplaats"), max_length=100, blank=True)
    municipality = models.ForeignKey(
        "network.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gemeente"),
    )
    # A parent or guardian, required for members under GUARDIAN_AGE (members.services).
    guardian_name = models.CharField(_("ouder/verzorger"), max_length=200, blank=True)
    guardian_phone = models.CharField(_("telefoon ouder/verzorger"), max_length=20, blank=True)
    guardian_email = models.EmailField(_("e-mail ouder/verzorger"), blank=True)
    pin_hash = models.CharField(max_length=200, verbose_name=_("pincode (versleuteld)"))
    keep_history = models.BooleanField(_("leesgeschiedenis bewaren"), default=False)
    blocked = models.BooleanField(_("pas geblokkeerd"), default=False)
    block_reason = models.CharField(_("reden blokkade"), max_length=200, blank=True)
    registered_by = models.ForeignKey(
        "network.Organisation",
        on_delete=models.PROTECT,
        related_name="registered_patrons",
        verbose_name=_("ingeschreven bij"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("ingeschreven op"))

    class Meta:
        verbose_name = _("lid")
        verbose_name_plural = _("leden")
        indexes = [models.Index(fields=["last_name", "birth_date"])]

    def __str__(self):
        return f"{self.first_name} {self.last_name} ({self.card_number})"

    # Summaries of the PIN guards (PinGuard, one per channel), for the admin and the desk.
    @property
    def failed_pin_attempts(self) -> int:
        return sum(g.failures for g in self.pin_guards.all())

    @property
    def pin_locked_until(self):
        return max((g.locked_until for g in self.pin_guards.all() if g.locked_until), default=None)

    # Their labels where the admin shows them read-only.
    failed_pin_attempts.fget.short_description = _("verkeerde pincodes op rij")
    pin_locked_until.fget.short_description = _("pas vergrendeld tot")

    def statistics_traits(self, day: date) -> dict[str, str]:
        """All that an anonymous statistics event may say about this member on a day."""
        return {
            "age_band": band_for_age(age_on(self.birth_date, day) if self.birth_date else None),
            "municipality_code": self.municipality.code if self.municipality_id else "",
        }

    def balance(self, organisation=None) -> Decimal:
        lines = self.ledger_lines.all()
        if organisation is not None:
            lines = lines.filter(organisation=organisation)
        total = lines.aggregate(total=Sum("amount"))["total"] or Decimal("0")
        return Decimal(total).quantize(Decimal("0.01"))


class PinChannel(models.TextChoices):
    """Where a PIN is typed. Each has its own lock, so that guessing from the internet (cheap,
    anonymous) locks out only other strangers on the internet: not the member's own browser,
    which holds a token of an earlier right PIN, and not the kiosks in the library."""

    WEB = "web", _("internet")
    KNOWN_BROWSER = "known", _("eigen browser van het lid")
    KIOSK = "kiosk", _("zelfservice in de bibliotheek")


class PinGuard(models.Model):
    """Wrong PIN tries of one card through one channel, and the lock they caused."""

    patron = models.ForeignKey(
        Patron, on_delete=models.CASCADE, related_name="pin_guards", verbose_name=_("lid")
    )
    channel = models.CharField(_("kanaal"), max_length=10, choices=PinChannel.choices)
    failures = models.PositiveSmallIntegerField(_("verkeerde pogingen"), default=0)
    # Locks in a row since the last right PIN: each lasts twice as long as the one before.
    lockouts = models.PositiveSmallIntegerField(_("blokkades op rij"), default=0)
    locked_until = models.DateTimeField(_("geblokkeerd tot"), null=True, blank=True)

    class Meta:
        verbose_name = _("pincodeslot")
        verbose_name_plural = _("pincodesloten")
        constraints = [
            models.UniqueConstraint(fields=["patron", "channel"], name="one_pin_guard_per_channel")
        ]

    def __str__(self):
        return f"{self.patron_id} {self.channel}"


class SubscriptionType(models.Model):
    organisation = models.ForeignKey(
        "network.Organisation",
        on_delete=models.CASCADE,
        related_name="subscription_types",
        verbose_name=_("organisatie"),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("naam"), max_length=100)
    category = models.CharField(_("categorie"), max_length=10, choices=PatronCategory.choices)
    min_age = models.PositiveSmallIntegerField(_("vanaf leeftijd"), default=0)
    max_age = models.PositiveSmallIntegerField(_("tot leeftijd (exclusief)"), null=True, blank=True)
    yearly_fee = models.DecimalField(
        _("contributie per jaar (€)"), max_digits=7, decimal_places=2, default=Decimal("0")
    )
    # Youth reads free (covenant, opgave 1; by law since 1 July 2022). A fee on a youth type
    # needs an explicit decision, which the cockpit counts.
    youth_fee_confirmed = models.BooleanField(_("bewust contributie voor jeugd"), default=False)
    active = models.BooleanField(_("actief"), default=True)

    class Meta:
        verbose_name = _("abonnementsvorm")
        verbose_name_plural = _("abonnementsvormen")
        ordering = ["organisation", "min_age"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="subscription_code_unique"
            ),
            models.CheckConstraint(
                condition=~Q(category="youth") | Q(yearly_fee=0) | Q(youth_fee_confirmed=True),
                name="youth_free_unless_confirmed",
            ),
            models.CheckConstraint(condition=Q(yearly_fee__gte=0), name="fee_not_negative"),
        ]

    def __str__(self):
        return f"{self.name} ({self.organisation.code})"

    def covers_age(self, age: int) -> bool:
        return self.min_age <= age and (self.max_age is None or age < self.max_age)


class Membership(models.Model):
    patron = models.ForeignKey(Patron, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, related_name="memberships"
    )
    subscription_type = models.ForeignKey(SubscriptionType, on_delete=models.PROTECT)
    started_on = models.DateField(_("ingangsdatum"))
    expires_on = models.DateField(_("vervaldatum"))

    class Meta:
        verbose_name = _("lidmaatschap")
        verbose_name_plural = _("lidmaatschappen")
        constraints = [
            models.UniqueConstraint(
                fields=["patron", "organisation"], name="one_membership_per_org"
            )
        ]

    def __str__(self):
        return f"{self.patron} @ {self.organisation.code}"

    def is_valid_on(self, day: date) -> bool:
        return self.started_on <= day <= self.expires_on


class LedgerKind(models.TextChoices):
    FINE = "fine", _("te-laat-geld")
    LOST = "lost", _("vervanging vermist exemplaar")
    SUBSCRIPTION = "subscription", _("contributie")
    HOLD_FEE = "hold_fee", _("reserveringskosten")
    PAYMENT = "payment", _("betaling")
    WAIVER = "waiver", _("kwijtschelding")
    REFUND = "refund", _("terugbetaling")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("contant")
    CARD = "card", _("pinpas")
    TRANSFER = "transfer", _("overschrijving")
    ONLINE = "online", _("online betaling")


class LedgerLine(models.Model):
    """Charges are positive, payments and waivers negative; the balance is their sum."""

    patron = models.ForeignKey(
        Patron, on_delete=models.CASCADE, related_name="ledger_lines", verbose_name=_("lid")
    )
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, verbose_name=_("organisatie")
    )
    kind = models.CharField(max_length=20, choices=LedgerKind.choices, verbose_name=_("soort"))
    amount = models.DecimalField(max_digits=9, decimal_places=2, verbose_name=_("bedrag (€)"))
    description = models.CharField(max_length=300, blank=True, verbose_name=_("omschrijving"))
    loan = models.ForeignKey(
        "circulation.Loan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fees",
        verbose_name=_("uitlening"),
    )
    item = models.ForeignKey(
        "catalogue.Item",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("exemplaar"),
    )
    # How a payment was made (empty for charges and waivers).
    method = models.CharField(
        _("betaalwijze"), max_length=10, choices=PaymentMethod.choices, blank=True
    )
    created_at = models.DateTimeField(verbose_name=_("datum"))
    created_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("medewerker"),
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("financiële regel")
        verbose_name_plural = _("financiële regels")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind__in=["payment", "waiver"]) & Q(amount__lt=0))
                | (~Q(kind__in=["payment", "waiver"]) & Q(amount__gt=0)),
                name="ledger_sign_matches_kind",
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.amount}"
