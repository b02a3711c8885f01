"""Members who come in from another library system (a migration): checked against the same
rules as a registration at the desk, but an existing member is not refused for what the desk
would ask first (a guardian, a national card number): that is reported, and the member comes in.

Only members change these tables: the migration hands plain values and gets patrons back."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from clb import clock
from clb.network.models import Municipality, Organisation, PostcodeArea
from clb.statistics import events
from clb.statistics.models import EventAction

from . import cards, pins
from .errors import MemberError
from .models import (
    LedgerKind,
    LedgerLine,
    Membership,
    Patron,
    SubscriptionType,
    age_on,
)
from .services import (
    MEMBERSHIP_TERM_DAYS,
    check_birth_date,
    check_guardian,
    choose_subscription_type,
    normalise_postcode,
)

CONTACT_FIELDS = ("street", "postcode", "place", "email", "phone", "guardian_name",
                  "guardian_phone", "guardian_email", "keep_history")  # fmt: skip


@dataclass
class MemberData:
    """A member as another system describes one (plain values; see docs/migration.md)."""

    card_number: str
    first_name: str
    last_name: str
    birth_date: date | None
    postcode: str
    street: str = ""
    place: str = ""
    email: str = ""
    phone: str = ""
    guardian_name: str = ""
    guardian_phone: str = ""
    guardian_email: str = ""
    keep_history: bool = False
    pin_hash: str | None = None  # as members.pins.from_source made it; None: set at first use
    subscription_code: str = ""  # CLB's code of the organisation's subscription type
    started_on: date | None = None
    expires_on: date | None = None


@dataclass
class PreparedMember:
    data: MemberData
    postcode: str
    municipality_id: int | None
    subscription_type: SubscriptionType
    notes: list[tuple[str, str]] = field(default_factory=list)  # (field, what was done)


class Intake:
    """What checking many members needs once: the organisation's subscription types and the
    postcode areas."""

    def __init__(self, organisation: Organisation, at: datetime | None = None):
        self.organisation = organisation
        self.at = clock.now(at)
        self.day = clock.today(self.at)
        self.types = {t.code: t for t in SubscriptionType.objects.filter(organisation=organisation)}
        self.areas = dict(PostcodeArea.objects.values_list("pc4", "municipality_id"))
        self.municipalities = Municipality.objects.in_bulk()  # a new member's, for its event

    def prepare(self, data: MemberData) -> PreparedMember:
        """Raises MemberError (naming the field) for a member that cannot come in; what is
        changed on the way in is in the notes."""
        notes: list[tuple[str, str]] = []
        card = (data.card_number or "").strip()
        if not (1 <= len(card) <= 20) or any(c.isspace() for c in card):
            raise MemberError(
                _("Pasnummer '%(n)s' moet 1 tot 20 tekens zonder spaties hebben.") % {"n": card},
                field="card_number",
            )
        if not cards.is_valid_card_number(card):
            notes.append(("card_number", _("geen landelijk pasnummer (14 cijfers); behouden")))
        for name in ("first_name", "last_name"):
            if not (getattr(data, name) or "").strip():
                raise MemberError(_("Dit veld is verplicht."), field=name)
        check_birth_date(data.birth_date, self.day)
        postcode = normalise_postcode(data.postcode)
        municipality_id = self.areas.get(postcode[:4])
        if municipality_id is None:
            notes.append(
                ("postcode", _("postcode %(p)s bestaat niet (geen postcodegebied %(pc4)s); "
                               "lid zonder gemeente") % {"p": postcode, "pc4": postcode[:4]})
            )  # fmt: skip
        age = age_on(data.birth_date, self.day)
        try:
            check_guardian(data.birth_date, self.day, data.guardian_name, data.guardian_phone,
                           data.guardian_email)  # fmt: skip
        except MemberError as exc:  # a member already: comes in, the desk asks at the next visit
            notes.append((exc.field, _("%(why)s Overgenomen zonder; vraag ernaar bij het "
                                       "volgende bezoek.") % {"why": exc}))  # fmt: skip
        sub = self._subscription(data, age, notes)
        return PreparedMember(data, postcode, municipality_id, sub, notes)

    def _subscription(self, data: MemberData, age: int, notes) -> SubscriptionType:
        sub = self.types.get(data.subscription_code) if data.subscription_code else None
        if data.subscription_code and sub is None:
            raise MemberError(
                _("Abonnementsvorm '%(c)s' bestaat niet bij %(org)s.")
                % {"c": data.subscription_code, "org": self.organisation.code},
                field="subscription_type",
            )
        if sub is not None and age < 18 and sub.yearly_fee > 0:
            free = choose_subscription_type(self.organisation, data.birth_date, self.day)
            notes.append(
                ("subscription_type",
                 _("lid van %(a)s jaar met betaald abonnement '%(c)s': gratis jeugdabonnement "
                   "'%(f)s' (jeugd leest gratis, opgave 1)")
                 % {"a": age, "c": sub.code, "f": free.code})
            )  # fmt: skip
            return free
        if sub is not None and not sub.covers_age(age):
            fitting = choose_subscription_type(self.organisation, data.birth_date, self.day)
            notes.append(("subscription_type", _("'%(c)s' past niet bij leeftijd %(a)s: '%(f)s'")
                          % {"c": sub.code, "a": age, "f": fitting.code}))  # fmt: skip
            return fitting
        return sub or choose_subscription_type(self.organisation, data.birth_date, self.day)

    def _membership(self, patron_id: int, prepared: PreparedMember) -> Membership:
        started = prepared.data.started_on or self.day
        expires = prepared.data.expires_on or started + timedelta(days=MEMBERSHIP_TERM_DAYS)
        return Membership(
            patron_id=patron_id,
            organisation=self.organisation,
            subscription_type=prepared.subscription_type,
            started_on=started,
            expires_on=max(expires, started),
        )

    @transaction.atomic
    def add(self, prepared: list[PreparedMember], *, source: str) -> list[Patron]:
        """New members with their membership here, in one transaction; each gets an event of
        `source` (not counted as a registration: they registered long ago)."""
        patrons = Patron.objects.bulk_create(
            [
                Patron(
                    card_number=p.data.card_number.strip(),
                    first_name=p.data.first_name.strip(),
                    last_name=p.data.last_name.strip(),
                    birth_date=p.data.birth_date,
                    email=(p.data.email or "").strip(),
                    phone=(p.data.phone or "").strip()[:20],
                    street=(p.data.street or "").strip()[:200],
                    postcode=p.postcode,
                    place=(p.data.place or "").strip()[:100],
                    municipality=self.municipalities.get(p.municipality_id),
                    guardian_name=(p.data.guardian_name or "").strip()[:200],
                    guardian_phone=(p.data.guardian_phone or "").strip()[:20],
                    guardian_email=(p.data.guardian_email or "").strip(),
                    pin_hash=p.data.pin_hash or pins.not_set(),
                    keep_history=p.data.keep_history,
                    registered_by=self.organisation,
                )
                for p in prepared
            ]
        )
        if patrons and patrons[0].pk is None:  # a database that does not return keys
            by_card = dict(
                Patron.objects.filter(card_number__in=[p.card_number for p in patrons]).values_list(
                    "card_number", "pk"
                )
            )
            for patron in patrons:
                patron.pk = by_card[patron.card_number]
        Membership.objects.bulk_create(
            [self._membership(pa.pk, pr) for pa, pr in zip(patrons, prepared, strict=True)]
        )
        events.record_history(
            [events.Event(EventAction.MEMBER_REGISTERED, on=self.day,
                          organisation_id=self.organisation.pk, **p.statistics_traits(self.day))
             for p in patrons], source=source)  # fmt: skip
        return patrons

    @transaction.atomic
    def join(self, patron: Patron, prepared: PreparedMember) -> Membership | None:
        """A member known in CLB joins here with the dates the other system had; None when
        already a member here."""
        if Membership.objects.filter(patron=patron, organisation=self.organisation).exists():
            return None
        membership = self._membership(patron.pk, prepared)
        membership.save()
        return membership

    @transaction.atomic
    def update(self, changes: list[tuple[int, PreparedMember]]) -> dict[int, tuple]:
        """The contact details the other system has now (a second run after changes there),
        for many members at once: {patron id: (the patron, the names of the fields that
        changed)}; a member who is gone is left out."""
        patrons = Patron.objects.select_for_update().in_bulk([pid for pid, _p in changes])
        found, dirty, fields = {}, [], set()
        for pid, prepared in changes:
            patron = patrons.get(pid)
            if patron is None:
                continue
            values = {
                "street": prepared.data.street.strip()[:200],
                "postcode": prepared.postcode,
                "place": prepared.data.place.strip()[:100],
                "email": prepared.data.email.strip(),
                "phone": prepared.data.phone.strip()[:20],
                "guardian_name": prepared.data.guardian_name.strip()[:200],
                "guardian_phone": prepared.data.guardian_phone.strip()[:20],
                "guardian_email": prepared.data.guardian_email.strip(),
                "keep_history": prepared.data.keep_history,
            }
            changed = [name for name, value in values.items() if getattr(patron, name) != value]
            for name in changed:
                setattr(patron, name, values[name])
            if "postcode" in changed:
                patron.municipality_id = prepared.municipality_id
                changed.append("municipality")
            if changed:
                dirty.append(patron)
                fields.update(changed)
            found[pid] = (patron, changed)
        if dirty:
            Patron.objects.bulk_update(dirty, sorted(fields), batch_size=500)
        return found


def same_people(people: list[tuple[str, str, date, str]]) -> dict[tuple, list[Patron]]:
    """Members anywhere in the network with the name, birth date and postcode of each of these
    (first name, last name, birth date, postcode): perhaps the same person, for someone to
    decide (a migration never merges on this alone). Keyed by the case-folded tuple."""
    wanted = {(f.strip().casefold(), ln.strip().casefold(), b, p) for f, ln, b, p in people}
    found = defaultdict(list)
    if not wanted:
        return found
    candidates = (
        Patron.objects.filter(
            birth_date__in={w[2] for w in wanted}, postcode__in={w[3] for w in wanted}
        )
        .select_related("registered_by")
        .order_by("pk")
    )
    for patron in candidates:
        key = (patron.first_name.casefold(), patron.last_name.casefold(), patron.birth_date,
               patron.postcode)  # fmt: skip
        if key in wanted:
            found[key].append(patron)
    return found


def patron_state(patron: Patron) -> str:
    """What a migration brought in, to tell later whether anything happened to it since."""
    values = [patron.card_number, patron.first_name, patron.last_name, patron.birth_date,
              patron.postcode, patron.street, patron.email, patron.phone, patron.pin_hash,
              patron.blocked, patron.block_reason, patron.keep_history]  # fmt: skip
    return "|".join(str(v) for v in values)


@dataclass
class LedgerIn:
    """A line still open in the other system: a charge (amount > 0, a charge kind) or a credit
    the member had there (amount < 0, a payment)."""

    kind: str
    amount: Decimal
    created_at: datetime
    description: str = ""
    item_id: int | None = None
    patron: Patron | None = None


CHARGE_KINDS = {LedgerKind.FINE, LedgerKind.LOST, LedgerKind.SUBSCRIPTION, LedgerKind.HOLD_FEE}


def carry_over(organisation: Organisation, lines: list[LedgerIn]) -> list:
    """What members owe (or have in credit) with another system, into the ledger of this
    organisation at once; for each line, in order, the LedgerLine or the MemberError that
    refuses it."""
    results, new = [], []
    for line in lines:
        amount = Decimal(line.amount)
        if (
            amount == 0
            or (amount > 0) != (line.kind in CHARGE_KINDS)
            or (amount < 0 and line.kind != LedgerKind.PAYMENT)
        ):
            results.append(MemberError(
                _("Bedrag %(a)s past niet bij soort '%(k)s'.") % {"a": amount, "k": line.kind},
                field="amount"))  # fmt: skip
            continue
        made = LedgerLine(patron=line.patron, organisation=organisation, kind=line.kind,
                          amount=amount, description=line.description[:300],
                          item_id=line.item_id, created_at=line.created_at)  # fmt: skip
        results.append(made)
        new.append(made)
    LedgerLine.objects.bulk_create(new, batch_size=500)
    return results


@transaction.atomic
def remove_ledger_lines(line_ids) -> dict[int, str]:
    """Take out ledger lines a migration wrote, while nothing was booked after them for the
    same member and organisation (a payment since, say). Returns the lines that stay, {id: why}."""
    ids = set(line_ids)
    lines = list(LedgerLine.objects.select_for_update().select_related("patron").filter(pk__in=ids))
    latest = {}  # (patron, organisation) → the newest line not among these
    for key in (
        LedgerLine.objects.filter(patron__in={line.patron_id for line in lines})
        .exclude(pk__in=ids)
        .values_list("patron_id", "organisation_id")
        .annotate(newest=Max("pk"))
    ):
        latest[key[:2]] = key[2]
    kept = {
        line.pk: _("Er is sindsdien geboekt op de rekening van pas %(c)s.")
        % {"c": line.patron.card_number}
        for line in lines
        if latest.get((line.patron_id, line.organisation_id), 0) > line.pk
    }
    LedgerLine.objects.filter(pk__in=ids - set(kept)).delete()
    return kept


@transaction.atomic
def remove_memberships(patron_ids, organisation: Organisation) -> dict[int, str]:
    """Memberships a migration added to members CLB knew already."""
    Membership.objects.filter(patron_id__in=list(patron_ids), organisation=organisation).delete()
    return {}


@transaction.atomic
def remove_members(states: dict[int, str]) -> dict[int, str]:
    """Members a migration brought in, given as {id: the state it left them in}, while nothing
    happened to them since: unchanged, no loans, holds or ledger lines (the migration took its
    own out first), no other membership. Returns the members that stay, {id: why}."""
    patrons = list(Patron.objects.select_for_update().filter(pk__in=list(states)))
    ids = [p.pk for p in patrons]
    lent = set(Patron.objects.filter(pk__in=ids, loans__isnull=False).values_list("pk", flat=True))
    lent |= set(Patron.objects.filter(pk__in=ids, holds__isnull=False).values_list("pk", flat=True))
    booked = set(LedgerLine.objects.filter(patron__in=ids).values_list("patron_id", flat=True))
    elsewhere = set(
        Membership.objects.filter(patron__in=ids)
        .exclude(organisation=F("patron__registered_by"))
        .values_list("patron_id", flat=True)
    )
    kept = {}
    for patron in patrons:
        why = ""
        if patron_state(patron) != states[patron.pk]:
            why = _("gegevens sindsdien gewijzigd")
        elif patron.pk in lent:
            why = _("sindsdien geleend of gereserveerd")
        elif patron.pk in booked:
            why = _("sindsdien geboekt op de rekening")
        elif patron.pk in elsewhere:
            why = _("sindsdien ook lid elders")
        if why:
            kept[patron.pk] = _("Lid met pas %(c)s blijft: %(w)s.") % {
                "c": patron.card_number, "w": why,
            }  # fmt: skip
    Patron.objects.filter(pk__in=set(ids) - set(kept)).delete()
    return kept
