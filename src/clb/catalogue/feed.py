"""What changed, for those who keep a copy of the catalogue: harvesters (OAI-PMH) and the
national catalogue's daily holdings synchronisation. Read-only; the stamps and tombstones are
written by the triggers of catalogue.changes.

Lists are ordered by record id (never by time): ids do not change, so a harvest that walks them
with a cursor skips nothing and repeats nothing while records change under it. A record that
changes after the harvest's upper time bound drops out of this harvest and is in the next one."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Exists, OuterRef

from .changes import GONE
from .models import BibRecord, Item, ItemStatus, ItemTombstone, RecordTombstone


@dataclass(frozen=True)
class Change:
    record_id: int
    changed_at: datetime
    deleted: bool = False
    replaced_by: int | None = None
    material_type: str = ""
    organisations: tuple[int, ...] = ()  # a tombstone's: whose copies moved away in a merge


def _window(queryset, column: str, since, until):
    if since is not None:
        queryset = queryset.filter(**{f"{column}__gte": since})
    if until is not None:
        queryset = queryset.filter(**{f"{column}__lt": until})
    return queryset


def changes(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    organisation_id: int | None = None,
    material_type: str | None = None,
    after_id: int = 0,
    limit: int = 100,
    holdings_only: bool = False,
) -> tuple[list[Change], int | None]:
    """Records and tombstones with since <= changed < until (either bound optional), of one
    organisation's copies or one material type, after a record id: (page, next cursor or None
    when this was the last page). A tombstone belongs to an organisation's set when that
    organisation's copies moved away in a merge, or when it is not known whose copies it had."""
    records = _window(BibRecord.objects.filter(id__gt=after_id), "changed_at", since, until)
    tombs = _window(
        RecordTombstone.objects.filter(record_id__gt=after_id), "deleted_at", since, until
    )
    if organisation_id is not None:
        held = Item.objects.filter(record=OuterRef("pk"), organisation_id=organisation_id)
        records = records.filter(Exists(held.filter(ill_lender="")))
    elif holdings_only:
        held = Item.objects.filter(record=OuterRef("pk"), ill_lender="")
        records = records.filter(Exists(held))
    if material_type is not None:
        records = records.filter(material_type=material_type)
        tombs = tombs.filter(material_type=material_type)
    found = [
        Change(pk, at, material_type=kind)
        for pk, at, kind in records.order_by("id").values_list("id", "changed_at", "material_type")[
            :limit
        ]
    ]
    bound = found[-1].record_id if len(found) == limit else None
    tomb_rows = list(
        tombs.order_by("record_id").values_list(
            "record_id", "deleted_at", "replaced_by_id", "material_type", "organisation_ids"
        )[:limit]
    )
    if len(tomb_rows) == limit:
        last = tomb_rows[-1][0]
        bound = last if bound is None else min(bound, last)
    for pk, at, replaced_by, kind, organisations in tomb_rows:
        if organisation_id is None or not organisations or organisation_id in organisations:
            found.append(Change(pk, at, True, replaced_by, kind, tuple(organisations or ())))
    found.sort(key=lambda c: c.record_id)
    if bound is not None:
        found = [c for c in found if c.record_id <= bound]
    page = found[:limit]
    if len(found) > limit:
        return page, page[-1].record_id
    return page, bound


def change_of(record_id: int) -> Change | None:
    record = BibRecord.objects.filter(pk=record_id).values_list("changed_at", "material_type")
    if record:
        return Change(record_id, record[0][0], material_type=record[0][1])
    tomb = RecordTombstone.objects.filter(record_id=record_id).first()
    if tomb is None:
        return None
    return Change(
        record_id,
        tomb.deleted_at,
        True,
        tomb.replaced_by_id,
        tomb.material_type,
        tuple(tomb.organisation_ids or ()),
    )


def _rows(sql: str, record_ids: list[int]) -> list[tuple]:
    """A query over the copies of these records, straight through the cursor: a harvest page
    reads thousands of rows, and the ORM's per-value converters cost more than the query."""
    if not record_ids:
        return []
    marks = ", ".join(["%s"] * len(record_ids))
    with connection.cursor() as cursor:
        cursor.execute(sql.format(ids=marks), list(record_ids))
        return cursor.fetchall()


def organisations_holding(record_ids: list[int]) -> dict[int, set[int]]:
    """Which organisations have copies (of their own, not borrowed ones) of these records."""
    found: dict[int, set[int]] = {pk: set() for pk in record_ids}
    rows = _rows(
        "SELECT DISTINCT record_id, organisation_id FROM catalogue_item "
        "WHERE record_id IN ({ids}) AND ill_lender = ''",
        record_ids,
    )
    for record_id, organisation_id in rows:
        found[record_id].add(organisation_id)
    return found


@dataclass(frozen=True)
class Copy:
    record_id: int
    barcode: str
    organisation_id: int
    home_branch_id: int
    current_branch_id: int
    call_number: str
    item_type: str
    status: str
    changed_at: datetime
    created_at: datetime

    @property
    def in_collection(self) -> bool:
        return self.status not in GONE

    @property
    def available(self) -> bool:
        return self.status == ItemStatus.AVAILABLE


_COPY_FIELDS = (
    "record_id",
    "barcode",
    "organisation_id",
    "home_branch_id",
    "current_branch_id",
    "call_number",
    "item_type__code",
    "status",
    "changed_at",
    "created_at",
)


def copies(record_ids: list[int]) -> dict[int, list[Copy]]:
    """The copies in the collection (not withdrawn, lost or missing; not borrowed from another
    library) of these records, with their live status, by record."""
    found: dict[int, list[Copy]] = {pk: [] for pk in record_ids}
    rows = (
        Item.objects.filter(record_id__in=record_ids, ill_lender="")
        .exclude(status__in=GONE)
        .order_by("organisation_id", "barcode")
        .values_list(*_COPY_FIELDS)
    )
    for row in rows:
        found[row[0]].append(Copy(*row))
    return found


@dataclass(frozen=True)
class DeletedCopy:
    record_id: int
    barcode: str
    deleted_at: datetime


def changed_copies(
    organisation_id: int, *, since: datetime | None, until: datetime, chunk: int = 1000
) -> Iterator[Copy | DeletedCopy]:
    """An organisation's copies whose holdings changed in [since, until), then those deleted in
    that window; walked in chunks by id so memory stays flat."""
    items = _window(
        Item.objects.filter(organisation_id=organisation_id, ill_lender=""),
        "changed_at",
        since,
        until,
    )
    last = 0
    while True:
        rows = list(
            items.filter(id__gt=last).order_by("id").values_list("id", *_COPY_FIELDS)[:chunk]
        )
        if not rows:
            break
        last = rows[-1][0]
        for row in rows:
            yield Copy(*row[1:])
    tombs = _window(
        ItemTombstone.objects.filter(organisation_id=organisation_id), "deleted_at", since, until
    )
    for record_id, barcode, at in (
        tombs.order_by("id")
        .values_list("record_id", "barcode", "deleted_at")
        .iterator(chunk_size=chunk)
    ):
        yield DeletedCopy(record_id, barcode, at)


# Organisations and branches by ISIL (their code while they have none), read in the same query.
_HOLDINGS_SQL = (
    "SELECT i.record_id, i.organisation_id, coalesce(o.isil, o.code), "
    "coalesce(b.isil, b.code), count(*), "
    f"sum(CASE WHEN i.status = '{ItemStatus.AVAILABLE.value}' THEN 1 ELSE 0 END) "
    "FROM catalogue_item i JOIN network_organisation o ON o.id = i.organisation_id "
    "JOIN network_branch b ON b.id = i.home_branch_id "
    "WHERE i.record_id IN ({ids}) AND i.ill_lender = '' "
    f"AND i.status NOT IN ({', '.join(repr(g) for g in GONE)}) "
    "GROUP BY i.record_id, i.organisation_id, o.isil, o.code, i.home_branch_id, b.isil, b.code "
    "ORDER BY i.record_id, i.organisation_id, i.home_branch_id"
)


@dataclass(frozen=True)
class Holding:
    """One organisation's copies of a record in the collection, and how many are on the shelf
    now."""

    organisation_id: int
    organisation: str  # ISIL, or code while it has none
    branches: tuple[str, ...]  # the home branches of those copies, likewise
    copies: int
    available: int


def holdings(record_ids: list[int]) -> dict[int, list[Holding]]:
    """Per record, per organisation: copies in the collection (not withdrawn, lost or missing;
    not borrowed from another library) and those available now. One grouped query."""
    rows = _rows(_HOLDINGS_SQL, record_ids)
    grouped: dict[tuple[int, int, str], list] = {}
    for record_id, organisation_id, organisation, branch, n, free in rows:
        grouped.setdefault((record_id, organisation_id, organisation), []).append((branch, n, free))
    found: dict[int, list[Holding]] = {pk: [] for pk in record_ids}
    for (record_id, organisation_id, organisation), parts in grouped.items():
        found[record_id].append(
            Holding(
                organisation_id,
                organisation,
                tuple(b for b, _n, _free in parts),
                sum(n for _b, n, _free in parts),
                sum(free for _b, _n, free in parts),
            )
        )
    return found
