"""Why circulation refuses something, as codes for machines next to the message for people. Each
interface maps the codes it treats specially in one table (SIP2, the desk, NCIP); the rest it
shows as the message."""

from enum import StrEnum

from clb.errors import DomainError
from clb.members.errors import Code as MemberCode


class Code(StrEnum):
    UNKNOWN_ITEM = "unknown_item"
    BAD_TRANSITION = "bad_transition"
    NO_RULE = "no_rule"
    # checkout
    ON_LOAN = "on_loan"
    ALREADY_ON_LOAN_TO_PATRON = "already_on_loan_to_patron"
    NOT_LOANABLE = "not_loanable"
    NOT_HERE = "not_here"
    HELD_FOR_OTHER = "held_for_other"
    NEEDED_FOR_HOLD = "needed_for_hold"
    HOLD_CHANGED = "hold_changed"
    LOAN_LIMIT = "loan_limit"
    OVERALL_LIMIT = "overall_limit"
    # checkin, transits
    WITHDRAWN = "withdrawn"
    UNKNOWN_TRANSIT = "unknown_transit"
    NOT_FROM_HERE = "not_from_here"
    # lost
    NOT_LENDER = "not_lender"
    # renewal
    NOT_ON_LOAN = "not_on_loan"
    NOT_YOUR_LOAN = "not_your_loan"
    RENEWAL_LIMIT = "renewal_limit"
    HOLD_WAITING = "hold_waiting"
    RENEWAL_GAINS_NOTHING = "renewal_gains_nothing"
    # a kiosk's offline transaction reported later (record_offline)
    OFFLINE_DATE = "offline_date"
    # holds
    NOT_HOLDABLE = "not_holdable"
    NO_RECORD = "no_record"
    PICKUP_CLOSED = "pickup_closed"
    NOT_PICKUP_POINT = "not_pickup_point"
    NO_COPIES = "no_copies"
    HOLDS_NOT_ALLOWED = "holds_not_allowed"
    DUPLICATE_HOLD = "duplicate_hold"
    ALREADY_BORROWED = "already_borrowed"
    UNKNOWN_HOLD = "unknown_hold"
    HOLD_CLOSED = "hold_closed"


class CirculationError(DomainError):
    code = "circulation"
    # A member's borrowing block refuses a loan, a renewal or a hold with its own code.
    codes = (Code, MemberCode)
