"""The message queue, its rules (as data), templates, members' choices and the runs of the
scheduled jobs. Only clb.notices changes these tables."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clb.members.models import PatronCategory


class Kind(models.TextChoices):
    HOLD_READY = "hold_ready", _("reservering ligt klaar")
    HOLD_EXPIRED = "hold_expired", _("reservering niet opgehaald")
    PRE_DUE = "pre_due", _("inleverdatum nadert")
    OVERDUE = "overdue", _("te laat (aanmaning)")
    RENEWED = "renewed", _("automatisch verlengd")
    NOT_RENEWED = "not_renewed", _("niet automatisch verlengd")
    MEMBERSHIP_ENDING = "membership_ending", _("lidmaatschap loopt af")
    FEE_CHARGED = "fee_charged", _("kosten in rekening gebracht")


# A member may switch these off; the others concern something the library must tell.
OPTIONAL_KINDS = [
    Kind.PRE_DUE,
    Kind.RENEWED,
    Kind.HOLD_EXPIRED,
    Kind.MEMBERSHIP_ENDING,
    Kind.FEE_CHARGED,
]


class State(models.TextChoices):
    PENDING = "pending", _("wacht")
    SENDING = "sending", _("wordt verzonden")
    SENT = "sent", _("verzonden")
    FAILED = "failed", _("mislukt")
    CANCELLED = "cancelled", _("vervallen")


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    PRINT = "print", _("brief (afdrukken in de vestiging)")


class Language(models.TextChoices):
    DUTCH = "nl", _("Nederlands")
    ENGLISH = "en", _("Engels")


def _organisation_key(related_name: str):
    return models.ForeignKey(
        "network.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=_("organisatie (leeg = alle)"),
    )


class NoticePolicy(models.Model):
    """When an organisation tells its members what; a row without organisation is the national
    default. The organisation's own row wins."""

    organisation = _organisation_key("notice_policies")
    pre_due_days = models.PositiveSmallIntegerField(
        _("bericht … dagen voor de inleverdatum (0 = geen)"), default=3
    )
    membership_ending_days = models.PositiveSmallIntegerField(
        _("bericht … dagen voor het einde van het lidmaatschap (0 = geen)"), default=14
    )

    class Meta:
        verbose_name = _("berichtenbeleid")
        verbose_name_plural = _("berichtenbeleid")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"], name="one_notice_policy_per_organisation"
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(organisation__isnull=True),
                name="one_national_notice_policy",
            ),
        ]

    def __str__(self):
        return self.organisation.code if self.organisation_id else "*"


class OverdueLevel(models.Model):
    """An overdue notice (aanmaning): level n goes out `days` days after the due date and may
    block the card until the late items are back. An organisation with levels of its own uses
    only those; without, the national ones (no organisation)."""

    organisation = _organisation_key("overdue_levels")
    level = models.PositiveSmallIntegerField(_("niveau"), choices=[(1, "1"), (2, "2"), (3, "3")])
    days = models.PositiveSmallIntegerField(_("dagen na de inleverdatum"))
    blocks_card = models.BooleanField(_("blokkeert de pas"), default=False)

    class Meta:
        verbose_name = _("aanmaningsniveau")
        verbose_name_plural = _("aanmaningsniveaus")
        ordering = ["organisation", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "level"], name="one_overdue_level_per_organisation"
            ),
            models.UniqueConstraint(
                fields=["level"],
                condition=Q(organisation__isnull=True),
                name="one_national_overdue_level",
            ),
            models.CheckConstraint(condition=Q(days__gte=1), name="overdue_level_after_due"),
        ]

    def __str__(self):
        org = self.organisation.code if self.organisation_id else "*"
        return f"{org}: {self.level} ({self.days} d)"


class AutoRenewRule(models.Model):
    """Whether loans renew themselves, and how many days before their due date. Keys as in the
    loan rules (blank is every): the most specific row wins. Whether a renewal is allowed is
    still the loan rule's (renewals left, nobody waiting)."""

    organisation = _organisation_key("auto_renew_rules")
    patron_category = models.CharField(
        _("lenerscategorie (leeg = alle)"),
        max_length=10,
        choices=PatronCategory.choices,
        blank=True,
    )
    item_type = models.ForeignKey(
        "catalogue.ItemType",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("exemplaarsoort (leeg = alle)"),
    )
    active = models.BooleanField(_("automatisch verlengen"), default=True)
    days_before = models.PositiveSmallIntegerField(_("dagen voor de inleverdatum"), default=1)

    class Meta:
        verbose_name = _("regel automatisch verlengen")
        verbose_name_plural = _("regels automatisch verlengen")
        constraints = [
            models.UniqueConstraint(
                models.functions.Coalesce("organisation", models.Value(0)),
                "patron_category",
                models.functions.Coalesce("item_type", models.Value(0)),
                name="one_auto_renew_rule_per_key",
            )
        ]

    def __str__(self):
        org = self.organisation.code if self.organisation_id else "*"
        itype = self.item_type.code if self.item_type_id else "*"
        return f"{org} / {self.patron_category or '*'} / {itype}"


class NoticeTemplate(models.Model):
    """The text of one kind of notice in one language; an organisation's own row wins over the
    national one (no organisation), which wins over the text CLB ships (clb.notices.texts)."""

    organisation = _organisation_key("notice_templates")
    kind = models.CharField(_("soort bericht"), max_length=20, choices=Kind.choices)
    language = models.CharField(
        _("taal"), max_length=2, choices=Language.choices, default=Language.DUTCH
    )
    subject = models.CharField(_("onderwerp"), max_length=200)
    body = models.TextField(_("tekst"))

    class Meta:
        verbose_name = _("berichtsjabloon")
        verbose_name_plural = _("berichtsjablonen")
        constraints = [
            models.UniqueConstraint(
                models.functions.Coalesce("organisation", models.Value(0)),
                "kind",
                "language",
                name="one_template_per_key",
            )
        ]

    def __str__(self):
        org = self.organisation.code if self.organisation_id else "*"
        return f"{org} / {self.kind} / {self.language}"


class Notice(models.Model):
    """One message to one member: the queue's row. `key` makes queueing idempotent (what was
    queued once is not queued again); `message_id` makes sending so: a retry after a crash is
    the same message, which the receiving side recognises."""

    patron = models.ForeignKey(
        "members.Patron", on_delete=models.CASCADE, related_name="notices", verbose_name=_("lid")
    )
    organisation = models.ForeignKey(
        "network.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisatie"),
    )
    branch = models.ForeignKey(
        "network.Branch",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("vestiging (voor brieven)"),
    )
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(_("aanmaningsniveau"), default=0)
    channel = models.CharField(_("kanaal"), max_length=6, choices=Channel.choices)
    state = models.CharField(
        _("status"), max_length=10, choices=State.choices, default=State.PENDING
    )
    key = models.CharField(max_length=120, unique=True)
    hold = models.ForeignKey(
        "circulation.Hold",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reservering"),
    )
    membership = models.ForeignKey(
        "members.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lidmaatschap"),
    )
    ledger_line = models.ForeignKey(
        "members.LedgerLine",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("financiële regel"),
    )
    # The day the notice is about (a due date, the end of a membership): a notice about a day
    # that changed (a renewal) stopped being true.
    about_day = models.DateField(_("betreft datum"), null=True, blank=True)
    # Why a loan was not renewed, in the member's words (not_renewed notices).
    reason = models.CharField(_("reden"), max_length=300, blank=True)
    language = models.CharField(_("taal"), max_length=2, choices=Language.choices)
    to_address = models.EmailField(_("aan"), blank=True)
    subject = models.CharField(_("onderwerp"), max_length=200, blank=True)
    body = models.TextField(_("tekst"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=200, unique=True)
    tries = models.PositiveSmallIntegerField(_("pogingen"), default=0)
    next_try_at = models.DateTimeField(_("volgende poging"))
    claimed_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)  # host:pid of the worker
    last_error = models.CharField(_("laatste fout"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"))
    sent_at = models.DateTimeField(_("verzonden op"), null=True, blank=True)
    resent_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opnieuw verzonden van"),
    )
    requested_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opnieuw verzonden door"),
    )
    content_erased = models.BooleanField(_("inhoud gewist"), default=False)

    class Meta:
        verbose_name = _("bericht")
        verbose_name_plural = _("berichten")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "channel", "next_try_at"]),
            models.Index(fields=["patron", "created_at"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.patron_id} ({self.state})"


class NoticeLoan(models.Model):
    """A loan a notice is about, with its due date then: the same loan at the same due date is
    not told twice, and one that was returned or renewed drops out before sending."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="loan_links")
    loan = models.ForeignKey(
        "circulation.Loan", on_delete=models.CASCADE, related_name="+", verbose_name=_("uitlening")
    )
    due_at = models.DateTimeField(_("inleveren uiterlijk"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "loan"], name="notice_loan_once")]
        indexes = [models.Index(fields=["loan", "due_at"])]

    def __str__(self):
        return f"notice {self.notice_id}: loan {self.loan_id}"


class MemberSettings(models.Model):
    """A member's language for notices (Mijn Bibliotheek)."""

    patron = models.OneToOneField(
        "members.Patron", on_delete=models.CASCADE, related_name="+", verbose_name=_("lid")
    )
    language = models.CharField(
        _("taal van berichten"), max_length=2, choices=Language.choices, default=Language.DUTCH
    )

    class Meta:
        verbose_name = _("berichtinstelling")
        verbose_name_plural = _("berichtinstellingen")

    def __str__(self):
        return f"{self.patron_id}: {self.language}"


class OptOut(models.Model):
    """A kind of notice a member chose not to receive (only the optional kinds)."""

    patron = models.ForeignKey("members.Patron", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patron", "kind"], name="opt_out_once")]

    def __str__(self):
        return f"{self.patron_id}: {self.kind}"


class FailingAddress(models.Model):
    """An e-mail address the receiving server refused for good (a bounce): notices go on paper
    until the address is changed or staff clear it."""

    address = models.EmailField(_("e-mailadres"), unique=True)
    since = models.DateTimeField(_("sinds"))
    reason = models.CharField(_("antwoord van de mailserver"), max_length=500)

    class Meta:
        verbose_name = _("onbereikbaar e-mailadres")
        verbose_name_plural = _("onbereikbare e-mailadressen")

    def __str__(self):
        return self.address


class OverdueBlock(models.Model):
    """A card block an overdue level placed, so the job can lift it (and only it) once the late
    items are back; a block staff changed in between is theirs to lift."""

    patron = models.ForeignKey("members.Patron", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200)
    placed_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patron"],
                condition=Q(lifted_at__isnull=True),
                name="one_open_overdue_block",
            )
        ]

    def __str__(self):
        return f"{self.patron_id}: {self.reason}"


class RunState(models.TextChoices):
    RUNNING = "running", _("bezig")
    SUCCEEDED = "succeeded", _("gelukt")
    FAILED = "failed", _("mislukt")


class JobRun(models.Model):
    """One run of a scheduled job for one slot of its schedule (the moment it was due). At most
    one run per slot is running or has succeeded, whatever the number of workers."""

    job = models.CharField(_("taak"), max_length=40)
    slot = models.DateTimeField(_("gepland op"))
    state = models.CharField(_("status"), max_length=10, choices=RunState.choices)
    started_at = models.DateTimeField(_("begonnen"))
    finished_at = models.DateTimeField(_("klaar"), null=True, blank=True)
    counts = models.JSONField(_("aantallen"), default=dict, blank=True)
    error = models.TextField(_("fout"), blank=True)
    worker = models.CharField(_("werker"), max_length=100, blank=True)  # host:pid

    class Meta:
        verbose_name = _("taakuitvoering")
        verbose_name_plural = _("taakuitvoeringen")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "slot"],
                condition=~Q(state="failed"),
                name="one_good_run_per_slot",
            )
        ]
        indexes = [models.Index(fields=["job", "state", "slot"])]

    def __str__(self):
        return f"{self.job} {self.slot:%Y-%m-%d %H:%M} ({self.state})"
