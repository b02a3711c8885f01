"""Why members refuses something, as codes for machines next to the message for people. Each
interface maps the codes it treats specially in one table (SIP2, the desk, NCIP); the rest it
shows as the message."""

from enum import StrEnum

from clb.errors import DomainError


class Code(StrEnum):
    INPUT = "member"  # a value refused; the error's `field` names it
    UNKNOWN_PATRON = "unknown_patron"
    WRONG_PIN = "wrong_pin"
    PIN_LOCKED = "pin_locked"
    POSSIBLE_DUPLICATE = "possible_duplicate"
    NO_MEMBERSHIP = "no_membership"
    RENEWAL_TOO_EARLY = "renewal_too_early"
    # Borrowing blocks (members.borrowing_blocks): circulation refuses with these too.
    CARD_BLOCKED = "card_blocked"
    MEMBERSHIP_EXPIRED = "membership_expired"
    FEES = "fees"


class MemberError(DomainError):
    code = Code.INPUT
    codes = (Code,)
