"""The exchange room's own tables: partner systems that may call NCIP, and request counters for
the per-address rate limits of every protocol endpoint."""

from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.utils.translation import gettext_lazy as _

from clb.network.isil import MAX_LENGTH as ISIL_LENGTH
from clb.network.isil import validate as validate_isil

HASHER = "clb_kiosk_pbkdf2"  # long machine secrets: the kiosk hasher's cost fits


class PartnerAgency(models.Model):
    """Another library system (or a CLB organisation acting as one) that sends NCIP messages.
    It authenticates with a secret that only counts for its own ISIL (FromAgencyId), and may
    address only the organisations listed (none listed: every organisation)."""

    isil = models.CharField(
        "ISIL",
        max_length=ISIL_LENGTH,
        unique=True,
        validators=[validate_isil],
        help_text=_("ISIL van het systeem dat berichten stuurt (FromAgencyId)"),
    )
    name = models.CharField(_("naam"), max_length=200)
    secret_hash = models.CharField(_("geheim (versleuteld)"), max_length=200, editable=False)
    organisations = models.ManyToManyField(
        "network.Organisation",
        blank=True,
        related_name="+",
        verbose_name=_("mag berichten sturen aan"),
        help_text=_("Leeg: alle organisaties."),
    )
    active = models.BooleanField(_("actief"), default=True)
    last_seen_at = models.DateTimeField(_("laatste bericht"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("partnersysteem (NCIP)")
        verbose_name_plural = _("partnersystemen (NCIP)")
        ordering = ["isil"]

    def __str__(self):
        return f"{self.name} ({self.isil})"

    def set_secret(self, raw: str) -> None:
        self.secret_hash = make_password(raw, hasher=HASHER)

    def check_secret(self, raw: str) -> bool:
        return bool(self.secret_hash) and bool(raw) and check_password(raw, self.secret_hash)

    def may_address(self, organisation) -> bool:
        scope = list(self.organisations.values_list("pk", flat=True))
        return not scope or organisation.pk in scope


class RequestCount(models.Model):
    """Requests of one client address to one protocol in one time window."""

    key = models.CharField(max_length=120)
    window = models.BigIntegerField()  # window number: epoch seconds // window length
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="exchange_count_once")
        ]

    def __str__(self):
        return f"{self.key}@{self.window}: {self.count}"


class Scope(models.TextChoices):
    """What a token may do. A member token (card + PIN) carries `patron:self` and, of the
    reading scopes, those its app has."""

    CATALOGUE_READ = "catalogue:read", _("catalogus doorzoeken en titels lezen")
    AVAILABILITY_READ = "availability:read", _("beschikbaarheid per vestiging")
    PATRON_SELF = "patron:self", _("leden loggen in met pas en pincode (eigen gegevens)")
    PATRON_VALIDATE = "patron:validate", _("passen controleren (geldig, leeftijdsgroep)")
    STATS_READ = "stats:read", _("voorlopige cijfers van de cockpit")


class ApiClient(models.Model):
    """An app or partner system that calls the REST API on behalf of one organisation. Its
    tokens are made in the admin or with `clb api-token` and shown once."""

    organisation = models.ForeignKey(
        "network.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisatie"),
    )
    name = models.CharField(
        _("naam"), max_length=120, help_text=_("Zo staat deze toepassing in het logboek.")
    )
    scopes = models.JSONField(_("rechten"), default=list, blank=True)
    allowed_origins = models.TextField(
        _("toegestane herkomst (CORS)"),
        blank=True,
        help_text=_(
            "Eén per regel, bijv. https://app.bibliotheek.nl: webpagina's van die adressen "
            "mogen de API vanuit de browser aanroepen. Leeg: geen."
        ),
    )
    network_wide = models.BooleanField(
        _("leden van het hele netwerk"),
        default=False,
        help_text=_(
            "Alleen landelijk beheer: deze toepassing mag leden van alle organisaties bedienen "
            "(zoals de online bibliotheek). Anders alleen leden van de eigen organisatie."
        ),
    )
    region_code = models.CharField(
        _("cockpitregio"),
        max_length=10,
        blank=True,
        help_text=_(
            "Alleen landelijk beheer: voorlopige cijfers van deze regio (NL, PVxx, GMxxxx). "
            "Leeg: die van de eigen organisatie. Definitieve cijfers zijn voor iedereen."
        ),
    )
    active = models.BooleanField(_("actief"), default=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("API-toepassing")
        verbose_name_plural = _("API-toepassingen")
        ordering = ["organisation__name", "name"]

    def __str__(self):
        return self.name

    def origins(self) -> list[str]:
        return [
            line.strip().rstrip("/") for line in self.allowed_origins.splitlines() if line.strip()
        ]


class ApiToken(models.Model):
    """A bearer token: the app's own (`patron` empty) or a member's, exchanged for card + PIN.
    Only a digest is kept; the token itself is shown once when it is made."""

    client = models.ForeignKey(
        ApiClient, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("toepassing")
    )
    patron = models.ForeignKey(
        "members.Patron",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lid"),
    )
    digest = models.CharField(
        _("vingerafdruk (SHA-256)"), max_length=64, unique=True, editable=False
    )
    hint = models.CharField(_("begint met"), max_length=16, editable=False)
    scopes = models.JSONField(_("rechten"), default=list)
    created_at = models.DateTimeField(_("uitgegeven op"))
    expires_at = models.DateTimeField(_("verloopt op"))
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("laatst gebruikt"), null=True, blank=True)
    issued_by = models.CharField(_("uitgegeven door"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("API-token")
        verbose_name_plural = _("API-tokens")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self):
        return f"{self.hint}… ({self.client})"
