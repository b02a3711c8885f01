"""What a handler works with: the kiosk's session, the request, the moment, and the shared
ways to identify a patron and to refuse a request with a protocol-valid answer."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from clb.catalogue.models import Item
from clb.circulation import services as circulation
from clb.errors import DomainError
from clb.members import services as members
from clb.members.models import Patron, PinChannel
from clb.network.models import Branch, Organisation

from ..models import KioskAccount
from . import refusals, spec
from .codec import Reply, Request
from .values import ALL_PRIVILEGES_DENIED, count, parse_sip_date, sip_date


@dataclass
class Session:
    """One kiosk connection: who logged in, what it asked last, how it wants its text."""

    peer: str
    clock: Callable[[], datetime]
    charset: str = "utf-8"
    kiosk: KioskAccount | None = None
    language: str = spec.UNKNOWN_LANGUAGE  # of the patron at the kiosk, from 23/63 until 35
    print_width: int = 0  # from message 99; 0 when the kiosk did not say
    failed_logins: int = 0
    last_request: bytes | None = None
    last_response: bytes | None = None
    messages: int = 0
    account_checked_at: float = 0.0  # time.monotonic() of the last look at the kiosk account

    @property
    def branch(self) -> Branch:
        return self.kiosk.branch

    @property
    def organisation(self) -> Organisation:
        return self.kiosk.branch.organisation

    @property
    def institution(self) -> str:
        return self.kiosk.branch.organisation.code if self.kiosk else ""

    def __str__(self) -> str:
        return f"{self.peer} ({self.kiosk.login})" if self.kiosk else self.peer


@dataclass(frozen=True)
class Identity:
    """The patron a request names and whether the PIN checked out: True, False, or None when
    no PIN was given and none was needed."""

    patron: Patron | None
    pin_ok: bool | None
    message: str = ""

    @property
    def trusted(self) -> bool:
        """May act on the card: borrow, return, renew (a kiosk without a PIN pad allows it)."""
        return self.patron is not None and self.pin_ok is not False

    @property
    def proven(self) -> bool:
        """May see who the card belongs to, what they owe and borrow: only with the right PIN,
        because anyone who knows a card number can type it."""
        return self.patron is not None and self.pin_ok is True


@dataclass
class Context:
    session: Session
    request: Request
    now: datetime
    _identity: Identity | None = field(default=None, init=False, repr=False)

    @property
    def sip_now(self) -> str:
        return sip_date(self.now)

    @property
    def institution(self) -> str:
        return self.session.institution

    @property
    def card(self) -> str:
        return self.request.get("AA")

    @property
    def barcode(self) -> str:
        return self.request.get("AB")

    @property
    def language(self) -> str:
        value = self.request.fixed.get("language", self.session.language)
        return value if value.isdigit() else spec.UNKNOWN_LANGUAGE

    def identify(self) -> Identity:
        """The patron of field AA, with the PIN of field AD checked when one was typed or this
        kiosk requires one. Wrong PINs count towards the card's lockout, wherever typed; a
        request's PIN is checked (and counted) once however often it is asked about."""
        if self._identity is None:
            self._identity = self._identify()
        return self._identity

    def _identify(self) -> Identity:
        try:
            patron = members.find_patron(self.card)
        except DomainError as exc:
            return Identity(None, None, str(exc))
        if not self.request.given("AD"):
            if self.session.kiosk.require_pin:
                return Identity(patron, False, _("Voer uw pincode in."))
            return Identity(patron, None)
        try:
            members.verify_pin(
                self.card, self.request.get("AD"), at=self.now, channel=PinChannel.KIOSK
            )
        except DomainError as exc:
            return Identity(patron, False, str(exc))
        return Identity(patron, True)

    def unproven_refusal(self, error: DomainError) -> str:
        """The text of a refusal. Without a right PIN, a refusal for the card's standing (a
        block, fees) does not say what it is: the amount owed and a block's reason are
        personal."""
        if refusals.answer(error.code).personal and not self.identify().proven:
            return _("U kunt hier nu niet lenen. Voer uw pincode in of vraag het aan de balie.")
        return str(error)

    def pin_refusal(self) -> str | None:
        """Why a transaction may not go ahead on the PIN's account, or None. Without a PIN typed
        and none required nothing is checked: the services still check the card itself."""
        if not self.request.given("AD") and not self.session.kiosk.require_pin:
            return None
        who = self.identify()
        return None if who.trusted else who.message

    def circulate(self, action, date_field: str, **arguments):
        """Run a circulation action (checkout, checkin, renew) for this request. Online it is
        dated by the server's clock, read by the service once it holds its locks. With "no
        block" set the kiosk did it offline and reports it afterwards (store and forward): it
        is dated when it happened, if circulation finds that moment possible."""
        if self.request.fixed.get("no_block") != "Y":
            return action(at=self.session.clock, **arguments)
        return circulation.record_offline(
            action,
            done_at=parse_sip_date(self.request.fixed.get(date_field, "")),
            now=self.session.clock,
            **arguments,
        )

    def title_of(self, barcode: str) -> str:
        title = Item.objects.filter(barcode=barcode).values_list("record__title", flat=True)
        return title.first() or ""

    def refuse(self, message: str, **fields) -> Reply:
        return refusal(self, message, **fields)


# Fixed fields of a "no" to each request: nothing done, nothing unlocked, privileges denied.
_REFUSED = {
    "94": {"ok": "0"},
    "98": {
        "online_status": "N", "checkin_ok": "N", "checkout_ok": "N", "acs_renewal_policy": "N",
        "status_update_ok": "N", "offline_ok": "N", "timeout_period": "000",
        "retries_allowed": "000", "protocol_version": "2.00",
    },
    "64": {"patron_status": ALL_PRIVILEGES_DENIED, **{
        name: count(0) for name in ("hold_items_count", "overdue_items_count",
        "charged_items_count", "fine_items_count", "recall_items_count", "unavailable_holds_count")
    }},
    "24": {"patron_status": ALL_PRIVILEGES_DENIED},
    "26": {"patron_status": ALL_PRIVILEGES_DENIED},
    "12": {"ok": "0", "renewal_ok": "N", "magnetic_media": "U", "desensitize": "N"},
    "30": {"ok": "0", "renewal_ok": "N", "magnetic_media": "U", "desensitize": "N"},
    "10": {"ok": "0", "resensitize": "N", "magnetic_media": "U", "alert": "N"},
    "66": {"ok": "0", "renewed_count": count(0), "unrenewed_count": count(0)},
    "18": {"circulation_status": spec.CIRCULATION_OTHER, "security_marker": spec.SECURITY_OTHER,
           "fee_type": spec.FEE_OTHER},
    "16": {"ok": "0", "available": "N"},
    "38": {"payment_accepted": "N"},
    "36": {"end_session": "N"},
    "20": {"item_properties_ok": "0"},
}  # fmt: skip


def refusal(ctx: Context, message: str, **fields) -> Reply:
    """A valid answer to any request that says no, with the reason on the kiosk's screen.
    Required fields echo the request; `fields` adds or overrides variable fields."""
    code = spec.RESPONSE_TO[ctx.request.code]
    fixed = dict(_REFUSED[code])
    for name, _width in spec.RESPONSE_LAYOUT[code]:
        if name in ("transaction_date", "date_time_sync"):
            fixed[name] = ctx.sip_now
        elif name == "language":
            fixed[name] = ctx.language
    echoed = {"AO": ctx.institution, "BX": "N" * len(spec.SUPPORTED_MESSAGES_ORDER)}
    values = [(tag, echoed.get(tag, ctx.request.get(tag))) for tag in spec.RESPONSE_REQUIRED[code]]
    values = [(tag, fields.pop(tag, value)) for tag, value in values]
    return Reply(code, fixed, [*values, *fields.items(), ("AF", message)])
