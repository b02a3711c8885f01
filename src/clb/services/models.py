"""Registration of the library's social tasks (maatschappelijke opgaven): contacts at the
Informatiepunt Digitale Overheid, activities and courses, and staff per year.

Nothing here identifies a visitor: a contact is a date, a place, a channel, themes and an outcome;
an activity carries head counts per target group, never names."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    DESK = "balie", _("balie (inloop)")
    APPOINTMENT = "afspraak", _("op afspraak")
    PHONE = "telefoon", _("telefoon")
    EMAIL = "email", _("e-mail")
    ONLINE = "online", _("online / chat")


class Theme(models.TextChoices):
    DIGID = "digid", _("DigiD")
    ALLOWANCES = "toeslagen", _("toeslagen")
    TAXES = "belastingen", _("belastingen")
    CARE = "zorg", _("zorg")
    PENSION = "pensioen_aow", _("pensioen / AOW")
    WORK = "werk_uitkering", _("werk en uitkering")
    DRIVING_LICENCE = "rijbewijs", _("rijbewijs")
    FINES = "boetes", _("boetes")
    STUDENT_FINANCE = "studiefinanciering", _("studiefinanciering")
    OTHER = "overig", _("overig")


class GovernmentBody(models.TextChoices):
    LOGIUS = "logius", _("Logius (DigiD)")
    TAX = "belastingdienst", _("Belastingdienst")
    ALLOWANCES = "toeslagen", _("Dienst Toeslagen")
    UWV = "uwv", _("UWV")
    SVB = "svb", _("SVB")
    DUO = "duo", _("DUO")
    CJIB = "cjib", _("CJIB")
    RDW = "rdw", _("RDW / CBR")
    CAK = "cak", _("CAK / zorgverzekeraar")
    MUNICIPALITY = "gemeente", _("gemeente")
    OTHER = "overig", _("andere overheidsorganisatie")


# The body a theme usually concerns: the default when staff do not say otherwise.
BODY_FOR_THEME = {
    Theme.DIGID: GovernmentBody.LOGIUS,
    Theme.ALLOWANCES: GovernmentBody.ALLOWANCES,
    Theme.TAXES: GovernmentBody.TAX,
    Theme.CARE: GovernmentBody.CAK,
    Theme.PENSION: GovernmentBody.SVB,
    Theme.WORK: GovernmentBody.UWV,
    Theme.DRIVING_LICENCE: GovernmentBody.RDW,
    Theme.FINES: GovernmentBody.CJIB,
    Theme.STUDENT_FINANCE: GovernmentBody.DUO,
    Theme.OTHER: GovernmentBody.OTHER,
}


class Referral(models.TextChoices):
    GOVERNMENT = "overheid", _("de betrokken overheidsorganisatie")
    MUNICIPALITY = "gemeente", _("gemeente (sociaal loket)")
    SOCIAL_ADVICE = "sociaal_raadslid", _("sociaal raadslid / formulierenhulp")
    DEBT_HELP = "schuldhulp", _("schuldhulpverlening")
    LANGUAGE = "taalhuis", _("Taalhuis")
    COURSE = "cursus", _("cursus (Digisterker, Klik & Tik)")
    OTHER = "overig", _("andere organisatie")


class IdoContact(models.Model):
    """One question at the Informatiepunt Digitale Overheid. No personal data by design."""

    organisation = models.ForeignKey(
        "network.Organisation",
        on_delete=models.PROTECT,
        related_name="ido_contacts",
        verbose_name=_("organisatie"),
    )
    branch = models.ForeignKey(
        "network.Branch",
        on_delete=models.PROTECT,
        related_name="ido_contacts",
        verbose_name=_("vestiging"),
    )
    occurred_on = models.DateField(_("datum"))
    channel = models.CharField(_("kanaal"), max_length=10, choices=Channel.choices)
    government_body = models.CharField(
        _("overheidsorganisatie"), max_length=20, choices=GovernmentBody.choices
    )
    helped = models.BooleanField(_("geholpen"), default=True)
    referred_to = models.CharField(
        _("doorverwezen naar"), max_length=20, choices=Referral.choices, blank=True
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("geregistreerd door"),
    )
    registered_at = models.DateTimeField(verbose_name=_("geregistreerd op"))

    class Meta:
        verbose_name = _("IDO-contact")
        verbose_name_plural = _("IDO-contacten")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["occurred_on", "organisation"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(helped=True) | ~models.Q(referred_to=""),
                name="ido_contact_has_outcome",
            )
        ]

    def __str__(self):
        return f"{self.occurred_on} {self.get_channel_display()}"

    @property
    def referred(self) -> bool:
        return bool(self.referred_to)


class IdoContactTheme(models.Model):
    """A contact's question themes, one row each, so themes count with a plain GROUP BY."""

    contact = models.ForeignKey(IdoContact, on_delete=models.CASCADE, related_name="themes")
    theme = models.CharField(_("thema"), max_length=20, choices=Theme.choices)

    class Meta:
        verbose_name = _("thema")
        verbose_name_plural = _("thema's")
        constraints = [models.UniqueConstraint(fields=["contact", "theme"], name="ido_theme_once")]

    def __str__(self):
        return self.get_theme_display()


class WsobFunction(models.TextChoices):
    """The five functions of the library law (Wsob, art. 5)."""

    KNOWLEDGE = "kennis_informatie", _("kennis en informatie")
    EDUCATION = "ontwikkeling_educatie", _("ontwikkeling en educatie")
    READING = "lezen_literatuur", _("lezen en literatuur")
    MEETING = "ontmoeting_debat", _("ontmoeting en debat")
    ARTS = "kunst_cultuur", _("kunst en cultuur")


class Programme(models.TextChoices):
    DIGISTERKER = "digisterker", _("Digisterker")
    KLIK_TIK = "klik_tik", _("Klik & Tik")
    TAALHUIS = "taalhuis", _("Taalhuis")
    BOEKSTART = "boekstart", _("BoekStart")
    DBOS = "dbos", _("de Bibliotheek op school")
    DEBATE = "debat", _("debat")
    EXHIBITION = "tentoonstelling", _("tentoonstelling")
    LECTURE = "lezing", _("lezing / voorstelling")
    OTHER = "overig", _("overig")


# Defaults per programme: (Wsob function, is a course). Staff may choose otherwise.
PROGRAMME_DEFAULTS = {
    Programme.DIGISTERKER: (WsobFunction.EDUCATION, True),
    Programme.KLIK_TIK: (WsobFunction.EDUCATION, True),
    Programme.TAALHUIS: (WsobFunction.EDUCATION, True),
    Programme.BOEKSTART: (WsobFunction.READING, False),
    Programme.DBOS: (WsobFunction.READING, False),
    Programme.DEBATE: (WsobFunction.MEETING, False),
    Programme.EXHIBITION: (WsobFunction.ARTS, False),
    Programme.LECTURE: (WsobFunction.ARTS, False),
    Programme.OTHER: (WsobFunction.KNOWLEDGE, False),
}


class TargetGroup(models.TextChoices):
    CHILDREN = "kinderen", _("kinderen (0–11)")
    YOUNG = "jongeren", _("jongeren (12–17)")
    ADULTS = "volwassenen", _("volwassenen")
    SENIORS = "senioren", _("senioren (65+)")
    LOW_LITERACY = "laaggeletterden", _("laaggeletterden")
    NEWCOMERS = "nieuwkomers", _("nieuwkomers")
    PARENTS = "ouders", _("ouders en verzorgers")
    PROFESSIONALS = "professionals", _("leerkrachten en professionals")


class Activity(models.Model):
    """An activity or course; it counts in the period of its first day."""

    organisation = models.ForeignKey(
        "network.Organisation",
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("organisatie"),
    )
    branch = models.ForeignKey(
        "network.Branch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("vestiging"),
    )
    # Where it took place; the branch's municipality unless held elsewhere (a school).
    municipality = models.ForeignKey(
        "network.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("gemeente"),
    )
    programme = models.CharField(_("programma"), max_length=20, choices=Programme.choices)
    title = models.CharField(_("titel"), max_length=200, blank=True)
    wsob_function = models.CharField(_("Wsob-functie"), max_length=25, choices=WsobFunction.choices)
    is_course = models.BooleanField(_("cursus"), default=False)
    starts_on = models.DateField(_("eerste dag"))
    ends_on = models.DateField(_("laatste dag"), null=True, blank=True)
    sessions = models.PositiveIntegerField(
        _("bijeenkomsten"), default=1, validators=[MinValueValidator(1)]
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("geregistreerd door"),
    )
    registered_at = models.DateTimeField(verbose_name=_("geregistreerd op"))

    class Meta:
        verbose_name = _("activiteit")
        verbose_name_plural = _("activiteiten")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["starts_on", "organisation"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="activity_ends_after_start",
            ),
            models.CheckConstraint(condition=models.Q(sessions__gte=1), name="activity_sessions"),
        ]

    def __str__(self):
        return self.title or self.get_programme_display()

    @property
    def participants_total(self) -> int:
        return sum(p.count for p in self.participants.all())


class ParticipantCount(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="participants")
    target_group = models.CharField(
        pgettext_lazy("participants", "doelgroep"), max_length=20, choices=TargetGroup.choices
    )
    count = models.PositiveIntegerField(_("deelnemers"))

    class Meta:
        verbose_name = _("deelnemers")
        verbose_name_plural = _("deelnemers")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "target_group"], name="participants_once_per_group"
            )
        ]

    def __str__(self):
        return f"{self.get_target_group_display()}: {self.count}"


class StaffYear(models.Model):
    """Staff and volunteers of one organisation in one year (Wsob questionnaire "personeel")."""

    organisation = models.ForeignKey(
        "network.Organisation",
        on_delete=models.PROTECT,
        related_name="staff_years",
        verbose_name=_("organisatie"),
    )
    year = models.PositiveSmallIntegerField(_("jaar"))
    staff_persons = models.PositiveIntegerField(_("medewerkers (personen)"))
    staff_fte = models.DecimalField(
        _("medewerkers (fte)"), max_digits=8, decimal_places=1, default=Decimal("0")
    )
    volunteers = models.PositiveIntegerField(_("vrijwilligers"), default=0)
    staff_trained = models.PositiveIntegerField(_("medewerkers bijgeschoold"), default=0)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("geregistreerd door"),
    )
    registered_at = models.DateTimeField(verbose_name=_("geregistreerd op"))

    class Meta:
        verbose_name = _("personeel per jaar")
        verbose_name_plural = _("personeel per jaar")
        ordering = ["organisation", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="staff_year_once"),
            models.CheckConstraint(
                condition=models.Q(staff_trained__lte=models.F("staff_persons")),
                name="trained_not_more_than_staff",
            ),
            models.CheckConstraint(condition=models.Q(staff_fte__gte=0), name="fte_not_negative"),
        ]

    def __str__(self):
        return f"{self.organisation} {self.year}"


# --- tallies for the cockpit, kept up to date by services.py in the same transaction ----------
# Their grain is the half-year; the cockpit reads these instead of scanning every registration.


class IdoTally(models.Model):
    """IDO contacts per half-year and branch, counted per value of each dimension separately
    (channel, government body, helped, referral, theme): the cockpit breaks contacts down by one
    dimension at a time, and their cross product would be as large as the contacts themselves."""

    half_year = models.DateField()
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    branch = models.ForeignKey("network.Branch", on_delete=models.PROTECT, related_name="+")
    dimension = models.CharField(max_length=20)
    value = models.CharField(max_length=20)
    # The branch's municipality, kept on the row as on statistics.PlaceTally (same rule: it
    # follows the branch, see there).
    municipality_code = models.CharField(max_length=6, blank=True, default="", db_default="")
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["half_year", "dimension", "organisation", "branch", "value"],
                name="ido_tally_key",
            )
        ]
        indexes = [models.Index(fields=["municipality_code", "half_year"])]

    def __str__(self):
        return f"{self.half_year} {self.branch_id} {self.dimension}={self.value}: {self.n}"


class ActivityTally(models.Model):
    half_year = models.DateField()
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    municipality = models.ForeignKey(
        "network.Municipality", on_delete=models.PROTECT, related_name="+"
    )
    programme = models.CharField(max_length=20)
    wsob_function = models.CharField(max_length=25)
    is_course = models.BooleanField()
    n = models.BigIntegerField(default=0)  # activities
    sessions = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "half_year",
                    "organisation",
                    "municipality",
                    "programme",
                    "wsob_function",
                    "is_course",
                ],
                name="activity_tally_key",
            )
        ]

    def __str__(self):
        return f"{self.half_year} {self.programme}: {self.n}"


class ParticipantTally(models.Model):
    half_year = models.DateField()
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    municipality = models.ForeignKey(
        "network.Municipality", on_delete=models.PROTECT, related_name="+"
    )
    programme = models.CharField(max_length=20)
    wsob_function = models.CharField(max_length=25)
    is_course = models.BooleanField()
    target_group = models.CharField(max_length=20)
    n = models.BigIntegerField(default=0)  # participants

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "half_year",
                    "organisation",
                    "municipality",
                    "programme",
                    "wsob_function",
                    "is_course",
                    "target_group",
                ],
                name="participant_tally_key",
            )
        ]

    def __str__(self):
        return f"{self.half_year} {self.programme} {self.target_group}: {self.n}"
