"""The national catalogue: bibliographic records shared by all, items owned by one organisation."""

from decimal import Decimal

from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    YOUTH = "youth", _("jeugd")
    ADULT = "adult", _("volwassenen")


class MaterialType(models.TextChoices):
    BOOK = "book", _("boek")
    EBOOK = "ebook", _("e-book")
    AUDIOBOOK = "audiobook", _("luisterboek")
    DVD = "dvd", _("dvd")
    MUSIC = "music", _("muziek")
    MAGAZINE = "magazine", _("tijdschrift")
    GAME = "game", _("spel")
    OTHER = "other", _("overig")


def _key_index(field: str, name: str) -> models.Index:
    return models.Index(fields=[field], name=name)


# Keys that are only ever compared whole (=, IN, = ANY; see catalogue.importer._among and
# search's title_key) have a plain index, declared here rather than by db_index: for a
# db_index CharField Django adds on PostgreSQL a second, `_like` index (varchar_pattern_ops) for
# LIKE 'prefix%', which no query of these keys makes and which every insert kept up to date
# too (migration 0012 dropped them).
KEY_INDEXES = {
    "bibrecord": [
        _key_index("isbn", "catalogue_record_isbn"),
        _key_index("match_key", "catalogue_record_match_key"),
        _key_index("fingerprint", "catalogue_record_fingerprint"),
    ],
    "recordisbn": [_key_index("isbn13", "catalogue_isbn_isbn13")],
    "mergelog": [_key_index("fingerprint", "catalogue_merge_fingerprint")],
    "searchentry": [_key_index("title_key", "catalogue_entry_title_key")],
}


class BibRecord(models.Model):
    title = models.CharField(_("titel"), max_length=500)
    subtitle = models.CharField(_("ondertitel"), max_length=500, blank=True)
    authors = models.JSONField(_("auteurs"), default=list, blank=True)  # main author first
    publisher = models.CharField(_("uitgever"), max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(_("jaar"), null=True, blank=True, db_index=True)
    isbn = models.CharField(_("ISBN-13"), max_length=13, blank=True)  # indexed: KEY_INDEXES
    language = models.CharField(_("taal"), max_length=3, blank=True)  # MARC/ISO 639-2 code
    material_type = models.CharField(
        _("materiaalsoort"), max_length=12, choices=MaterialType.choices, default=MaterialType.BOOK
    )
    audience = models.CharField(
        _("doelgroep"), max_length=8, choices=Audience.choices, default=Audience.ADULT
    )
    subjects = models.JSONField(_("onderwerpen"), default=list, blank=True)
    series = models.JSONField(_("reeks"), default=list, blank=True)
    control_number = models.CharField(_("controlenummer"), max_length=64, blank=True)
    # Normalised title + main author + year + material: the dedup key when there is no ISBN.
    match_key = models.CharField(
        max_length=200, blank=True, verbose_name=_("ontdubbelsleutel")
    )  # indexed: KEY_INDEXES
    raw_marc = models.TextField(_("MARC (MARCXML)"), blank=True)
    # SHA-1 of raw_marc (without holdings): the same description imported again is this record.
    fingerprint = models.CharField(
        max_length=40, blank=True, verbose_name=_("vingerafdruk (MARC)")
    )  # indexed: KEY_INDEXES
    # 020 values that are not valid ISBNs, kept as cataloguers typed them.
    invalid_isbns = models.JSONField(_("ongeldige ISBN's"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("aangemaakt op"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("gewijzigd op"))
    # When the record or its holdings last changed (harvesting's datestamp). Moved by database
    # triggers (catalogue.changes) on every write of the record and of its copies' holdings
    # data, however made; a writer that sets it explicitly keeps its value.
    changed_at = models.DateTimeField(
        _("titel of bezit gewijzigd op"), default=timezone.now, db_default=Now(), editable=False
    )

    class Meta:
        verbose_name = _("titelbeschrijving")
        verbose_name_plural = _("titelbeschrijvingen")
        indexes = [
            models.Index(fields=["changed_at", "id"], name="catalogue_record_changed"),
            *KEY_INDEXES["bibrecord"],
        ]

    def __str__(self):
        return self.title

    @property
    def main_author(self) -> str:
        return self.authors[0] if self.authors else ""


class ItemType(models.Model):
    """National list of item types, the third key of loan rules."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("naam"), max_length=100)
    material_type = models.CharField(
        max_length=12,
        choices=MaterialType.choices,
        default=MaterialType.BOOK,
        verbose_name=_("materiaalsoort"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("exemplaarsoort")
        verbose_name_plural = _("exemplaarsoorten")

    def __str__(self):
        return self.name


class ItemStatus(models.TextChoices):
    AVAILABLE = "available", _("beschikbaar")
    ON_LOAN = "on_loan", _("uitgeleend")
    ON_HOLD_SHELF = "on_hold_shelf", _("op reserveringsplank")
    IN_TRANSIT = "in_transit", _("onderweg")
    LOST = "lost", _("vermist (verloren)")
    CLAIMED_RETURNED = "claimed_returned", _("volgens lener ingeleverd")
    MISSING = "missing", _("zoek")
    WITHDRAWN = "withdrawn", _("afgeschreven")
    IN_REPAIR = "in_repair", _("in reparatie")


class Item(models.Model):
    barcode = models.CharField(_("barcode"), max_length=32, unique=True)
    record = models.ForeignKey(
        BibRecord, on_delete=models.PROTECT, related_name="items", verbose_name=_("titel")
    )
    organisation = models.ForeignKey(
        "network.Organisation",
        on_delete=models.PROTECT,
        related_name="items",
        verbose_name=_("organisatie"),
    )
    home_branch = models.ForeignKey(
        "network.Branch",
        on_delete=models.PROTECT,
        related_name="home_items",
        verbose_name=_("eigen vestiging"),
    )
    current_branch = models.ForeignKey(
        "network.Branch",
        on_delete=models.PROTECT,
        related_name="current_items",
        verbose_name=_("nu in vestiging"),
    )
    item_type = models.ForeignKey(
        ItemType, on_delete=models.PROTECT, related_name="items", verbose_name=_("exemplaarsoort")
    )
    audience = models.CharField(
        max_length=8, choices=Audience.choices, default=Audience.ADULT, verbose_name=_("doelgroep")
    )
    # Changed only through circulation.state (the item state machine).
    status = models.CharField(
        _("status"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.AVAILABLE
    )
    replacement_price = models.DecimalField(
        _("vervangingsprijs"), max_digits=8, decimal_places=2, default=Decimal("20.00")
    )
    call_number = models.CharField(_("plaatsingscode"), max_length=60, blank=True)
    # ISIL of the library this copy is borrowed from (interlibrary loan, NCIP AcceptItem): a
    # temporary copy that serves one patron's hold and is withdrawn when it is returned.
    ill_lender = models.CharField(
        _("geleend van (ISIL)"), max_length=16, blank=True, default="", db_default=""
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("aangemaakt op"))
    # When the holdings data of this copy last changed (not its loan status); kept by triggers.
    changed_at = models.DateTimeField(
        _("bezit gewijzigd op"), default=timezone.now, db_default=Now(), editable=False
    )

    class Meta:
        verbose_name = _("exemplaar")
        verbose_name_plural = _("exemplaren")
        indexes = [
            models.Index(fields=["record", "status"]),
            models.Index(fields=["current_branch", "status"]),
            models.Index(fields=["organisation", "changed_at"], name="catalogue_item_changed"),
        ]

    def __str__(self):
        return f"{self.barcode} ({self.record_id})"

    def statistics_traits(self) -> dict[str, str]:
        """All that an anonymous statistics event may say about this copy."""
        return {
            "item_type": self.item_type.code,
            "material_type": self.item_type.material_type,
            "audience": self.audience,
        }


class RecordIsbn(models.Model):
    """Every valid ISBN of a record, as ISBN-13: the first key of deduplication."""

    record = models.ForeignKey(BibRecord, on_delete=models.CASCADE, related_name="isbns")
    isbn13 = models.CharField(max_length=13)  # indexed: KEY_INDEXES

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "isbn13"], name="isbn_once_per_record")
        ]
        indexes = KEY_INDEXES["recordisbn"]

    def __str__(self):
        return self.isbn13


class MergeLog(models.Model):
    """An imported record merged into an existing national record. Undo restores the imported
    description as a record of its own and moves the items that came with it."""

    target = models.ForeignKey(
        BibRecord, on_delete=models.CASCADE, related_name="merges", verbose_name=_("behouden titel")
    )
    matched_on = models.CharField(
        max_length=20, verbose_name=_("samengevoegd op grond van")
    )  # "isbn" or "title_key"
    source = models.CharField(
        max_length=300, verbose_name=_("samengevoegde titel")
    )  # file and record number
    control_number = models.CharField(max_length=64, blank=True, verbose_name=_("controlenummer"))
    raw_marc = models.TextField(verbose_name=_("MARC (MARCXML)"))
    fingerprint = models.CharField(
        max_length=40, blank=True, verbose_name=_("vingerafdruk (MARC)")
    )  # indexed: KEY_INDEXES
    item_barcodes = models.JSONField(default=list, verbose_name=_("barcodes van de exemplaren"))
    organisation = models.ForeignKey(
        "network.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisatie"),
    )
    merged_at = models.DateTimeField(verbose_name=_("samengevoegd op"))
    undone_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ongedaan gemaakt op"))
    undone_into = models.ForeignKey(
        BibRecord,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hersteld als"),
    )

    class Meta:
        ordering = ["-merged_at"]
        verbose_name = _("samenvoeging")
        verbose_name_plural = _("samenvoegingen")
        indexes = KEY_INDEXES["mergelog"]

    def __str__(self):
        return f"merge into {self.target_id} ({self.matched_on})"


class SearchEntry(models.Model):
    """A record as the search reads it: what is filtered, faceted and sorted on, next to the
    full-text document (on PostgreSQL a `document tsvector` column that the ORM never sees; on
    SQLite the FTS5 table catalogue_search_fts). Written only by database triggers (see
    search_schema), so every change to a record or its copies, however made, reaches it."""

    record = models.OneToOneField(
        BibRecord,
        primary_key=True,
        on_delete=models.DO_NOTHING,  # the trigger on catalogue_bibrecord removes the entry
        db_constraint=False,
        related_name="search_entry",
    )
    year = models.PositiveSmallIntegerField(null=True)
    material_type = models.CharField(max_length=12)
    audience = models.CharField(max_length=8)
    language = models.CharField(max_length=3)
    copies = models.PositiveIntegerField(default=0)  # items that are not withdrawn
    # text.title_key; indexed: KEY_INDEXES
    title_key = models.CharField(max_length=200, default="")

    class Meta:
        indexes = KEY_INDEXES["searchentry"]

    def __str__(self):
        return f"search entry {self.record_id}"


class SearchWord(models.Model):
    """Every word that occurs in the search index (folded, unstemmed): the vocabulary that
    one-typo correction chooses from."""

    word = models.CharField(max_length=60, primary_key=True)
    length = models.PositiveSmallIntegerField(db_index=True)

    def __str__(self):
        return self.word


class RecordTombstone(models.Model):
    """A record that no longer exists, so harvesters learn of it (OAI-PMH deletedRecord
    "persistent"). Written by a trigger on every delete of a record, however made; a merge adds
    the record that replaced it and the organisations whose copies moved there."""

    record_id = models.BigIntegerField(primary_key=True)
    deleted_at = models.DateTimeField(db_index=True)
    title = models.CharField(max_length=500, blank=True)
    material_type = models.CharField(max_length=12, blank=True)
    replaced_by_id = models.BigIntegerField(null=True, blank=True)
    organisation_ids = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("verwijderde titelbeschrijving")
        verbose_name_plural = _("verwijderde titelbeschrijvingen")

    def __str__(self):
        return f"{self.record_id} ({self.title})"


class ItemTombstone(models.Model):
    """A copy that no longer exists (deleted, not withdrawn), for the holdings feed."""

    barcode = models.CharField(max_length=32)
    record_id = models.BigIntegerField()
    organisation_id = models.BigIntegerField()
    deleted_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["organisation_id", "deleted_at"])]

    def __str__(self):
        return self.barcode
