"""Everything that changes patrons, memberships and the fee ledger. One transaction per action."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache

from django.db import transaction
from django.db.models import Case, CharField, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.nl import postcode as nl_postcode

from clb import clock, formatting
from clb.network.models import Municipality, Organisation, PostcodeArea
from clb.statistics import counts as statistics_counts
from clb.statistics import events as statistics
from clb.statistics.bands import AGE_BANDS, UNKNOWN
from clb.statistics.models import EventAction

from . import cards, pins, signals
from .errors import Code, MemberError
from .models import (
    LedgerKind,
    LedgerLine,
    Membership,
    Patron,
    PatronCategory,
    PaymentMethod,
    PinChannel,
    PinGuard,
    SubscriptionType,
    age_on,
)

# Five wrong PINs on a channel lock it; each lock in a row lasts twice the one before, up to a
# day: 15 min, 30 min, 1 h … 16 h, then 24 h each. A 4-digit PIN then takes over a year to try
# through at half the PINs, per channel; the right PIN starts the escalation over.
MAX_PIN_ATTEMPTS = 5
PIN_LOCK = timedelta(minutes=15)
MAX_PIN_LOCK = timedelta(hours=24)
MEMBERSHIP_TERM_DAYS = 365
# Members younger than this are registered with a parent or guardian.
GUARDIAN_AGE = 16
# Nobody at the desk is older: an older birth date is a typing error (1025 for 1952).
MAX_AGE = 120


# --- validation -------------------------------------------------------------------------------


def normalise_postcode(value: str) -> str:
    try:
        return nl_postcode.validate(value or "")
    except StdnumError as exc:
        raise MemberError(
            _("Postcode '%(value)s' is geen geldige Nederlandse postcode (1234 AB).")
            % {"value": value},
            field="postcode",
        ) from exc


def _check_pin(pin: str, field: str = "pin") -> None:
    if not (pin and pin.isdigit() and 4 <= len(pin) <= 6):
        raise MemberError(_("De pincode moet uit 4 tot 6 cijfers bestaan."), field=field)


def check_birth_date(birth_date: date | None, day: date) -> None:
    if birth_date is None:
        raise MemberError(_("Vul de geboortedatum in."), field="birth_date")
    if birth_date > day:
        raise MemberError(_("De geboortedatum ligt in de toekomst."), field="birth_date")
    if age_on(birth_date, day) > MAX_AGE:
        raise MemberError(
            _("Geboortedatum %(d)s is niet aannemelijk (ouder dan %(max)s jaar).")
            % {"d": formatting.day(birth_date), "max": MAX_AGE},
            field="birth_date",
        )


def check_guardian(birth_date: date, day: date, name: str, phone: str, email: str) -> None:
    """A member under GUARDIAN_AGE has a parent or guardian the library can reach."""
    if age_on(birth_date, day) >= GUARDIAN_AGE:
        return
    if not (name or "").strip():
        raise MemberError(
            _("Een lid jonger dan %(age)s jaar heeft een ouder of verzorger nodig.")
            % {"age": GUARDIAN_AGE},
            field="guardian_name",
        )
    if not ((phone or "").strip() or (email or "").strip()):
        raise MemberError(
            _("Vul een telefoonnummer of e-mailadres van de ouder of verzorger in."),
            field="guardian_phone",
        )


def possible_duplicates(first_name: str, last_name: str, birth_date: date, email: str = ""):
    """Patrons anywhere in the network who may be this person: the same name and birth date,
    or the same e-mail address."""
    same = Q(
        first_name__iexact=first_name.strip(),
        last_name__iexact=last_name.strip(),
        birth_date=birth_date,
    )
    if (email or "").strip():
        same |= Q(email__iexact=email.strip())
    return Patron.objects.filter(same).order_by("pk")


class PossibleDuplicate(MemberError):
    """Registration stopped: this may be a member already. Staff open that member, or register
    anyway with a reason."""

    code = Code.POSSIBLE_DUPLICATE

    def __init__(self, patrons: list[Patron]):
        super().__init__(
            _(
                "Mogelijk is deze persoon al lid (zelfde naam en geboortedatum of zelfde "
                "e-mailadres). Open het bestaande lid, of schrijf toch in met een reden."
            ),
            field="duplicate_reason",
        )
        self.patrons = patrons


def municipality_for_postcode(postcode: str) -> Municipality | None:
    area = PostcodeArea.objects.select_related("municipality").filter(pc4=postcode[:4]).first()
    return area.municipality if area else None


# --- patrons and memberships ------------------------------------------------------------------


def choose_subscription_type(organisation: Organisation, birth_date: date, day: date):
    age = age_on(birth_date, day)
    for sub in SubscriptionType.objects.filter(organisation=organisation, active=True):
        if sub.covers_age(age):
            return sub
    raise MemberError(
        _("%(org)s heeft geen abonnementsvorm voor leeftijd %(age)s.")
        % {"org": organisation.name, "age": age},
        field="subscription_type",
    )


@transaction.atomic
def register_patron(
    *,
    organisation: Organisation,
    first_name: str,
    last_name: str,
    birth_date: date,
    postcode: str,
    pin: str,
    email: str = "",
    phone: str = "",
    street: str = "",
    place: str = "",
    subscription_type: SubscriptionType | None = None,
    keep_history: bool = False,
    card_number: str | None = None,
    guardian_name: str = "",
    guardian_phone: str = "",
    guardian_email: str = "",
    duplicate_reason: str | None = None,
    branch=None,
    staff=None,
    at: datetime | None = None,
) -> Patron:
    """Register a new member. A possible duplicate (see possible_duplicates) stops the
    registration with PossibleDuplicate unless a duplicate_reason says why it is someone else."""
    at = clock.now(at)
    day = clock.today(at)
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if not (value or "").strip():
            raise MemberError(_("Dit veld is verplicht."), field=field)
    check_birth_date(birth_date, day)
    check_guardian(birth_date, day, guardian_name, guardian_phone, guardian_email)
    postcode = normalise_postcode(postcode)
    _check_pin(pin)
    if card_number is None:
        card_number = cards.new_card_number()
        while Patron.objects.filter(card_number=card_number).exists():
            card_number = cards.new_card_number()
    elif not cards.is_valid_card_number(card_number):
        raise MemberError(
            _("Pasnummer %(n)s is ongeldig.") % {"n": card_number}, field="card_number"
        )
    elif Patron.objects.filter(card_number=card_number).exists():
        raise MemberError(
            _("Pasnummer %(n)s bestaat al.") % {"n": card_number}, field="card_number"
        )
    if subscription_type is None:
        subscription_type = choose_subscription_type(organisation, birth_date, day)
    elif subscription_type.organisation_id != organisation.pk:
        raise MemberError(
            _("Abonnementsvorm hoort niet bij deze organisatie."), field="subscription_type"
        )
    elif not subscription_type.covers_age(age_on(birth_date, day)):
        raise MemberError(
            _("Abonnementsvorm past niet bij de leeftijd."), field="subscription_type"
        )
    if duplicate_reason is not None and not duplicate_reason.strip():
        raise MemberError(
            _("Zeg waarom dit een ander is dan het bestaande lid."), field="duplicate_reason"
        )
    if duplicate_reason is None:
        duplicates = list(possible_duplicates(first_name, last_name, birth_date, email))
        if duplicates:
            raise PossibleDuplicate(duplicates)
    patron = Patron.objects.create(
        card_number=card_number,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        birth_date=birth_date,
        email=email,
        phone=phone,
        street=street,
        postcode=postcode,
        place=place,
        municipality=municipality_for_postcode(postcode),
        pin_hash=pins.hash_pin(pin),
        keep_history=keep_history,
        registered_by=organisation,
        guardian_name=guardian_name.strip(),
        guardian_phone=guardian_phone.strip(),
        guardian_email=guardian_email.strip(),
    )
    _start_membership(patron, organisation, subscription_type, day, at, staff)
    statistics.record(
        EventAction.MEMBER_REGISTERED,
        on=day,
        organisation_id=organisation.pk,
        branch_id=branch.pk if branch else None,
        **patron.statistics_traits(day),
    )
    return patron


def _start_membership(patron, organisation, subscription_type, day, at, staff) -> Membership:
    membership = Membership.objects.create(
        patron=patron,
        organisation=organisation,
        subscription_type=subscription_type,
        started_on=day,
        expires_on=day + timedelta(days=MEMBERSHIP_TERM_DAYS),
    )
    _charge_subscription(patron, organisation, subscription_type, at, staff)
    return membership


def _charge_subscription(patron, organisation, subscription_type, at, staff) -> None:
    if subscription_type.yearly_fee > 0:
        charge(
            patron,
            organisation,
            LedgerKind.SUBSCRIPTION,
            subscription_type.yearly_fee,
            description=subscription_type.name,
            at=at,
            staff=staff,
        )


@transaction.atomic
def join_organisation(
    patron: Patron, organisation: Organisation, *, staff=None, at=None
) -> Membership:
    at = clock.now(at)
    day = clock.today(at)
    if Membership.objects.filter(patron=patron, organisation=organisation).exists():
        raise MemberError(
            _("Al lid bij %(org)s.") % {"org": organisation.name}, field="organisation"
        )
    sub = choose_subscription_type(organisation, patron.birth_date, day)
    return _start_membership(patron, organisation, sub, day, at, staff)


@dataclass(frozen=True)
class RenewalTerms:
    """What renewing a membership now would do, for the confirmation staff see first."""

    membership: Membership
    allowed: bool
    opens_on: date  # the first day renewal is possible (the window before expiry)
    new_expiry: date
    subscription_type: SubscriptionType
    fee: Decimal
    message: str = ""


def renewal_terms(
    patron: Patron, organisation: Organisation, *, at=None, lock: bool = False
) -> RenewalTerms:
    """A new term from the later of today and the old expiry, under the type that fits the
    patron's age now (a child who turned 18 moves to an adult type) — possible from the
    organisation's window before expiry on, and any time after it."""
    day = clock.today(clock.now(at))
    memberships = Membership.objects.select_related("organisation", "subscription_type")
    if lock:
        memberships = memberships.select_for_update(of=("self",))
    try:
        membership = memberships.get(patron=patron, organisation=organisation)
    except Membership.DoesNotExist as exc:
        raise MemberError(
            _("Geen lidmaatschap bij %(org)s.") % {"org": organisation.name},
            code=Code.NO_MEMBERSHIP,
        ) from exc
    sub = choose_subscription_type(organisation, patron.birth_date, day)
    opens_on = membership.expires_on - timedelta(days=organisation.renewal_window_days)
    allowed = day >= opens_on
    message = (
        ""
        if allowed
        else _(
            "Het lidmaatschap loopt tot %(expires)s; verlengen kan vanaf %(opens)s "
            "(%(days)s dagen voor de vervaldatum)."
        )
        % {
            "expires": formatting.day(membership.expires_on),
            "opens": formatting.day(opens_on),
            "days": organisation.renewal_window_days,
        }
    )
    return RenewalTerms(
        membership=membership,
        allowed=allowed,
        opens_on=opens_on,
        new_expiry=max(day, membership.expires_on) + timedelta(days=MEMBERSHIP_TERM_DAYS),
        subscription_type=sub,
        fee=sub.yearly_fee,
        message=message,
    )


@transaction.atomic
def renew_membership(
    patron: Patron, organisation: Organisation, *, staff=None, at=None
) -> Membership:
    """Renew on the terms of renewal_terms; refused before the window opens, so a second click
    never charges a second year."""
    at = clock.now(at)
    terms = renewal_terms(patron, organisation, at=at, lock=True)
    if not terms.allowed:
        raise MemberError(terms.message, code=Code.RENEWAL_TOO_EARLY)
    membership = terms.membership
    membership.subscription_type = terms.subscription_type
    membership.expires_on = terms.new_expiry
    membership.save(update_fields=["subscription_type", "expires_on"])
    _charge_subscription(patron, organisation, terms.subscription_type, at, staff)
    return membership


# What the desk may change of a member's details (name and birth date are corrected by the
# administration, the card and PIN have their own actions).
EDITABLE = (
    "street",
    "postcode",
    "place",
    "email",
    "phone",
    "guardian_name",
    "guardian_phone",
    "guardian_email",
)


@transaction.atomic
def update_patron(patron: Patron, *, staff=None, at=None, **changes) -> list[str]:
    """Change a member's address and contact details. Returns the names of the fields that
    changed (for the audit log); the postcode also sets the municipality again."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise MemberError(
            _("%(f)s kan hier niet gewijzigd worden.") % {"f": unknown[0]}, field=unknown[0]
        )
    patron = Patron.objects.select_for_update().get(pk=patron.pk)
    values = {name: (value or "").strip() for name, value in changes.items()}
    if "postcode" in values:
        values["postcode"] = normalise_postcode(values["postcode"])
    merged = {name: values.get(name, getattr(patron, name)) for name in EDITABLE}
    check_guardian(
        patron.birth_date,
        clock.today(at),
        merged["guardian_name"],
        merged["guardian_phone"],
        merged["guardian_email"],
    )
    changed = [name for name, value in values.items() if value != getattr(patron, name)]
    for name in changed:
        setattr(patron, name, values[name])
    fields = list(changed)
    if "postcode" in changed:
        patron.municipality = municipality_for_postcode(patron.postcode)
        fields.append("municipality")
    if fields:
        patron.save(update_fields=fields)
    return sorted(str(Patron._meta.get_field(name).verbose_name) for name in changed)


@transaction.atomic
def change_subscription_type(
    patron: Patron, organisation: Organisation, subscription_type: SubscriptionType, *, at=None
) -> Membership:
    """Another subscription type (the member's category) at this organisation, for the rest of
    the current term; its fee is charged from the next renewal on."""
    try:
        membership = Membership.objects.select_for_update().get(
            patron=patron, organisation=organisation
        )
    except Membership.DoesNotExist as exc:
        raise MemberError(
            _("Geen lidmaatschap bij %(org)s.") % {"org": organisation.name},
            field="subscription_type",
        ) from exc
    if subscription_type.organisation_id != organisation.pk or not subscription_type.active:
        raise MemberError(
            _("Abonnementsvorm hoort niet bij deze organisatie."), field="subscription_type"
        )
    if not subscription_type.covers_age(age_on(patron.birth_date, clock.today(at))):
        raise MemberError(
            _("Abonnementsvorm past niet bij de leeftijd."), field="subscription_type"
        )
    membership.subscription_type = subscription_type
    membership.save(update_fields=["subscription_type"])
    return membership


def find_patron(card_number: str, *, lock: bool = False) -> Patron:
    patrons = Patron.objects.select_related("municipality")
    if lock:
        patrons = patrons.select_for_update(of=("self",))
    try:
        return patrons.get(card_number=(card_number or "").strip())
    except Patron.DoesNotExist as exc:
        raise MemberError(
            _("Onbekende pas: %(card)s") % {"card": card_number},
            code=Code.UNKNOWN_PATRON,
            field="card_number",
        ) from exc


@cache
def _nobodys_pin() -> str:
    """A PIN hash of no card, for checking a PIN typed with a card number that does not exist."""
    return pins.hash_pin("000000")


def pin_lock_period(lockouts: int) -> timedelta:
    return min(PIN_LOCK * 2 ** (max(lockouts, 1) - 1), MAX_PIN_LOCK)


def known_browser_token(patron: Patron) -> str:
    """Proof that a browser logged in to this card with its current PIN: kept there in a cookie,
    it lets the member in past a lock strangers caused (PinChannel.KNOWN_BROWSER). Derived from
    the PIN's hash, so a new PIN makes every earlier token worthless."""
    return salted_hmac("clb.members.known-browser", f"{patron.pk}:{patron.pin_hash}").hexdigest()


def _is_known_browser(patron: Patron, tokens) -> bool:
    mine = known_browser_token(patron)
    return any(constant_time_compare(mine, str(token)) for token in tokens or ())


def verify_pin(
    card_number: str,
    pin: str,
    *,
    at: datetime | None = None,
    channel: str = PinChannel.WEB,
    known_tokens=(),
) -> Patron:
    """Check a PIN typed on `channel` (a browser presenting `known_tokens` of this card is the
    member's own). Five wrong tries lock the card on that channel, longer each time (see
    MAX_PIN_ATTEMPTS). The failure count commits in its own transaction before the error is
    raised, so callers must not wrap this in a transaction of their own that a wrong PIN would
    roll back."""
    at = clock.now(at)
    try:
        patron = find_patron(card_number)
    except MemberError:
        pins.pin_matches(pin or "", _nobodys_pin())  # the same work: timing tells nothing
        raise
    if channel == PinChannel.WEB and _is_known_browser(patron, known_tokens):
        channel = PinChannel.KNOWN_BROWSER
    with transaction.atomic():
        patron = Patron.objects.select_for_update().get(pk=patron.pk)  # one try at a time
        guard, _created = PinGuard.objects.get_or_create(patron=patron, channel=channel)
        if guard.locked_until and guard.locked_until > at:
            outcome = "locked"
        elif pins.pin_matches(pin or "", patron.pin_hash):
            outcome = "ok"
            if guard.failures or guard.lockouts or guard.locked_until:
                guard.failures, guard.lockouts, guard.locked_until = 0, 0, None
                guard.save()
        else:
            outcome = "wrong"
            guard.failures += 1
            if guard.failures >= MAX_PIN_ATTEMPTS:
                guard.failures = 0
                guard.lockouts += 1
                guard.locked_until = at + pin_lock_period(guard.lockouts)
                signals.pin_locked.send(
                    Patron,
                    patron=patron,
                    channel=channel,
                    lockouts=guard.lockouts,
                    until=guard.locked_until,
                )
            guard.save()
    if outcome == "locked":
        raise MemberError(
            _(
                "Te vaak een verkeerde pincode. Probeer het later opnieuw of vraag het aan de balie."
            ),
            code=Code.PIN_LOCKED,
            field="pin",
        )
    if outcome == "wrong":
        raise _WrongPin()
    return patron


class _WrongPin(MemberError):
    code = Code.WRONG_PIN

    def __init__(self):
        super().__init__(_("Verkeerde pincode."), field="pin")


def change_pin(patron: Patron, old_pin: str, new_pin: str, *, at=None) -> None:
    """The member's own change, logged in: the session already proved the PIN once, so the old
    PIN is checked as from the member's own browser."""
    _check_pin(new_pin, field="new_pin")
    verify_pin(patron.card_number, old_pin, at=at, channel=PinChannel.KNOWN_BROWSER)
    Patron.objects.filter(pk=patron.pk).update(pin_hash=pins.hash_pin(new_pin))


@transaction.atomic
def set_pin(patron: Patron, new_pin: str, *, staff=None) -> None:
    """Desk reset of a forgotten PIN (the patron shows ID at the desk): every lock lifted, and
    every browser that knew the old PIN forgotten."""
    _check_pin(new_pin)
    Patron.objects.filter(pk=patron.pk).update(pin_hash=pins.hash_pin(new_pin))
    PinGuard.objects.filter(patron=patron).delete()


@transaction.atomic
def set_blocked(patron: Patron, blocked: bool, reason: str = "", *, staff=None) -> None:
    if blocked and not reason.strip():
        raise MemberError(_("Geef een reden voor de blokkade."), field="block_reason")
    Patron.objects.filter(pk=patron.pk).update(
        blocked=blocked, block_reason=reason if blocked else ""
    )


# --- categories and blocks --------------------------------------------------------------------


def valid_membership(patron: Patron, day: date) -> Membership | None:
    return (
        patron.memberships.select_related("subscription_type")
        .filter(started_on__lte=day, expires_on__gte=day)
        .order_by("-expires_on")
        .first()
    )


_UNSET = object()


def patron_category(patron: Patron, day: date, membership=_UNSET) -> str:
    """Youth by age whatever the subscription says; otherwise the category of the membership."""
    if age_on(patron.birth_date, day) < 18:
        return PatronCategory.YOUTH
    if membership is _UNSET:
        membership = valid_membership(patron, day)
    if membership and membership.subscription_type.category != PatronCategory.YOUTH:
        return membership.subscription_type.category
    return PatronCategory.ADULT


@dataclass(frozen=True)
class Block:
    code: Code
    message: str


def borrowing_blocks(
    patron: Patron, lending_organisation: Organisation, day: date, membership=_UNSET
) -> list[Block]:
    """Why this patron may not borrow at the lending organisation today (empty: may borrow).
    One card for the whole network: any valid membership counts; fees count network-wide
    against the lending organisation's threshold."""
    blocks = []
    if patron.blocked:
        blocks.append(
            Block(Code.CARD_BLOCKED, _("Pas geblokkeerd: %(r)s") % {"r": patron.block_reason})
        )
    if membership is _UNSET:
        membership = valid_membership(patron, day)
    if membership is None:
        blocks.append(Block(Code.MEMBERSHIP_EXPIRED, _("Lidmaatschap verlopen of niet gevonden.")))
    owed = balance(patron)
    overdue = _past_grace(patron, owed, day, lending_organisation.fee_grace_days)
    if overdue > lending_organisation.fee_block_threshold:
        blocks.append(
            Block(
                Code.FEES,
                _("Openstaand bedrag %(owed)s is hoger dan %(max)s.")
                % {
                    "owed": formatting.money(overdue),
                    "max": formatting.money(lending_organisation.fee_block_threshold),
                },
            )
        )
    return blocks


def _past_grace(patron: Patron, owed: Decimal, day: date, grace_days: int) -> Decimal:
    """The part of what is owed that is older than the grace days. Payments settle the oldest
    charges first, so that is the balance less the charges made within the grace days."""
    if owed <= 0:
        return Decimal("0")
    since = day - timedelta(days=grace_days)
    recent = sum(
        (
            line.amount
            for line in patron.ledger_lines.filter(amount__gt=0).only("amount", "created_at")
            if clock.today(line.created_at) >= since
        ),
        Decimal("0"),
    )
    return max(Decimal("0"), owed - recent)


# --- fee ledger -------------------------------------------------------------------------------


def balance(patron: Patron, organisation: Organisation | None = None) -> Decimal:
    return patron.balance(organisation)


def charge(
    patron, organisation, kind, amount, *, description="", loan=None, item=None, staff=None, at=None
):
    amount = Decimal(amount)
    if amount <= 0:
        raise MemberError(_("Een bedrag moet groter dan nul zijn."), field="amount")
    return LedgerLine.objects.create(
        patron=patron,
        organisation=organisation,
        kind=kind,
        amount=amount,
        description=description,
        loan=loan,
        item=item,
        created_at=clock.now(at),
        created_by=staff,
    )


@transaction.atomic
def pay(
    patron: Patron,
    organisation: Organisation,
    amount,
    *,
    kind=LedgerKind.PAYMENT,
    method: str = "",
    staff=None,
    at=None,
    description: str = "",
) -> LedgerLine:
    """A payment (or, with kind=WAIVER, a waiver) against what the patron owes this organisation.
    A payment records how it was paid (`method`, a PaymentMethod) when the payer says so."""
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    except ArithmeticError as exc:
        raise MemberError(_("Ongeldig bedrag: %(a)s") % {"a": amount}, field="amount") from exc
    if kind not in (LedgerKind.PAYMENT, LedgerKind.WAIVER):
        raise MemberError(_("Onbekende soort betaling."), field="kind")
    if method and (kind != LedgerKind.PAYMENT or method not in PaymentMethod.values):
        raise MemberError(_("Onbekende betaalwijze: %(m)s") % {"m": method}, field="method")
    Patron.objects.select_for_update().filter(pk=patron.pk).first()  # serialise payments per patron
    owed = balance(patron, organisation)
    if amount <= 0:
        raise MemberError(_("Een bedrag moet groter dan nul zijn."), field="amount")
    if amount > owed:
        raise MemberError(
            _("Bedrag %(a)s is hoger dan het openstaande saldo %(o)s.")
            % {"a": formatting.money(amount), "o": formatting.money(owed)},
            field="amount",
        )
    return LedgerLine.objects.create(
        patron=patron,
        organisation=organisation,
        kind=kind,
        amount=-amount,
        description=description,
        method=method,
        created_at=clock.now(at),
        created_by=staff,
    )


def write_off(
    patron: Patron, organisation: Organisation, amount, *, reason: str, staff=None, at=None
) -> LedgerLine:
    """Forgive (part of) what is owed, with the reason on the ledger line for whoever looks later."""
    reason = (reason or "").strip()
    if not reason:
        raise MemberError(_("Geef een reden voor het kwijtschelden."), field="reason")
    return pay(
        patron,
        organisation,
        amount,
        kind=LedgerKind.WAIVER,
        staff=staff,
        at=at,
        description=reason[:300],
    )


def waive_replacement(item, *, description: str, staff=None, at=None) -> Decimal:
    """A lost copy that turns up: what its borrower still owes for the replacement is waived
    (as far as it is still owed: a replacement already paid stays paid). Returns the amount."""
    line = (
        LedgerLine.objects.filter(item=item, kind=LedgerKind.LOST)
        .select_related("patron", "organisation")
        .order_by("-created_at")
        .first()
    )
    if line is None:
        return Decimal("0")
    amount = min(balance(line.patron, line.organisation), line.amount)
    if amount > 0:
        pay(
            line.patron,
            line.organisation,
            amount,
            kind=LedgerKind.WAIVER,
            staff=staff,
            at=at,
            description=description,
        )
    return max(amount, Decimal("0"))


def forget_loans(loan_ids) -> int:
    """The ledger stops saying which loan and copy a line was for: the loans were anonymised,
    and a fine must not tell what someone read. Returns how many lines changed."""
    return LedgerLine.objects.filter(loan_id__in=list(loan_ids)).update(loan=None, item=None)


def refund(charge_line: LedgerLine, amount, *, description: str, staff=None, at=None):
    """Give back (part of) a charge on the ledger it was made on. Unlike a waiver of what is
    owed, this may leave the patron in credit: the charge may have been paid already."""
    amount = Decimal(amount)
    if not (0 < amount <= charge_line.amount):
        raise MemberError(_("Ongeldig bedrag: %(a)s") % {"a": amount}, field="amount")
    return LedgerLine.objects.create(
        patron_id=charge_line.patron_id,
        organisation_id=charge_line.organisation_id,
        kind=LedgerKind.WAIVER,
        amount=-amount,
        description=description[:300],
        created_at=clock.now(at),
        created_by=staff,
    )


# --- the anonymous member count ----------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age_band_expression(day: date) -> Case:
    """The age band in SQL: born after (day − high years) means younger than `high`."""
    whens = [
        When(
            patron__birth_date__gt=_years_before(day, high),
            patron__birth_date__lte=_years_before(day, low),
            then=Value(code),
        )
        for low, high, code in AGE_BANDS
    ]
    return Case(*whens, default=Value(UNKNOWN), output_field=CharField())


@transaction.atomic
def take_member_snapshot(*, on: date | None = None, at=None) -> int:
    """Count valid memberships on a day per organisation, municipality of residence and age band
    — what an event carries, in one GROUP BY — and hand the counts to the statistics (replacing
    an earlier count of that day). Returns the number of memberships counted. Run daily or at
    least on the last day of each half-year (`clb snapshot-members`)."""
    day = on or clock.today(at)
    valid = Q(started_on__lte=day, expires_on__gte=day)
    first_org = (
        Membership.objects.filter(valid, patron=OuterRef("patron"))
        .order_by("organisation_id")
        .values("organisation_id")[:1]
    )
    rows = (
        Membership.objects.filter(valid)
        .annotate(
            band=_age_band_expression(day),
            home=Coalesce(F("patron__municipality__code"), Value("")),
            first=Subquery(first_org),
        )
        .values("organisation_id", "home", "band")
        .annotate(
            memberships=Count("id"),
            patrons=Count("id", filter=Q(organisation_id=F("first"))),
        )
        .order_by()
    )
    counts = [
        statistics_counts.MemberCountRow(
            organisation_id=r["organisation_id"],
            municipality_code=r["home"],
            age_band=r["band"],
            memberships=r["memberships"],
            patrons=r["patrons"],
        )
        for r in rows
    ]
    return statistics_counts.replace_member_counts(day, counts, taken_at=clock.now(at))


# --- privacy ----------------------------------------------------------------------------------


def record_history_choice(patron: Patron, keep: bool) -> None:
    """Whether the patron keeps their reading history. Circulation's set_keep_history is the
    action (opting out also forgets the loans, which are circulation's)."""
    Patron.objects.filter(pk=patron.pk).update(keep_history=keep)
    patron.keep_history = keep


def export_data(patron: Patron) -> dict:
    """Everything CLB holds about this patron (AVG right of access)."""
    return {
        "patron": {
            "card_number": patron.card_number,
            "first_name": patron.first_name,
            "last_name": patron.last_name,
            "birth_date": patron.birth_date.isoformat(),
            "email": patron.email,
            "phone": patron.phone,
            "street": patron.street,
            "postcode": patron.postcode,
            "place": patron.place,
            "guardian_name": patron.guardian_name,
            "guardian_phone": patron.guardian_phone,
            "guardian_email": patron.guardian_email,
            "municipality": patron.municipality.code if patron.municipality_id else None,
            "keep_history": patron.keep_history,
            "blocked": patron.blocked,
            "registered_at": patron.created_at.isoformat(),
        },
        "memberships": [
            {
                "organisation": m.organisation.name,
                "subscription": m.subscription_type.name,
                "started_on": m.started_on.isoformat(),
                "expires_on": m.expires_on.isoformat(),
            }
            for m in patron.memberships.select_related("organisation", "subscription_type")
        ],
        "loans": [
            {
                "title": loan.item.record.title,
                "barcode": loan.item.barcode,
                "checked_out_at": loan.checked_out_at.isoformat(),
                "due_at": loan.due_at.isoformat(),
                "returned_at": loan.returned_at.isoformat() if loan.returned_at else None,
            }
            for loan in patron.loans.select_related("item__record").order_by("checked_out_at")
        ],
        "holds": [
            {
                "title": hold.record.title,
                "status": hold.status,
                "placed_at": hold.placed_at.isoformat(),
                "pickup_branch": hold.pickup_branch.name,
            }
            for hold in patron.holds.select_related("record", "pickup_branch")
        ],
        "ledger": [
            {
                "date": line.created_at.isoformat(),
                "kind": line.kind,
                "amount": str(line.amount),
                "description": line.description,
            }
            for line in patron.ledger_lines.all()
        ],
    }
