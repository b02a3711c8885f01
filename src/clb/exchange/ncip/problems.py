"""Domain refusals as NCIP Problems: one table from the rooms' error codes to the problem types
of the NCIP 2.02 schemes (Implementation Profile 1), with the element at fault."""

from clb.circulation.errors import Code
from clb.errors import DomainError
from clb.members.errors import Code as MemberCode

from .messages import Problem

BY_CODE = {
    MemberCode.UNKNOWN_PATRON: ("Unknown User", "UserId"),
    MemberCode.WRONG_PIN: ("User Authentication Failed", "AuthenticationInput"),
    MemberCode.PIN_LOCKED: ("User Authentication Failed", "AuthenticationInput"),
    MemberCode.CARD_BLOCKED: ("User Blocked", "UserId"),
    MemberCode.MEMBERSHIP_EXPIRED: ("User Blocked", "UserId"),
    MemberCode.FEES: ("User Blocked", "UserId"),
    Code.UNKNOWN_ITEM: ("Unknown Item", "ItemId"),
    Code.WITHDRAWN: ("Unknown Item", "ItemId"),
    Code.UNKNOWN_HOLD: ("Unknown Request", "RequestId"),
    Code.HOLD_CLOSED: ("Request Already Processed", "RequestId"),
    Code.DUPLICATE_HOLD: ("Duplicate Request", "RequestId"),
    Code.ALREADY_BORROWED: ("Duplicate Request", "ItemId"),
    Code.HOLDS_NOT_ALLOWED: ("Item Does Not Circulate", "ItemId"),
    Code.NOT_HOLDABLE: ("Item Does Not Circulate", "ItemId"),
    Code.NO_COPIES: ("Item Does Not Circulate", "BibliographicId"),
    Code.NO_RECORD: ("Unknown Item", "BibliographicId"),
    Code.NOT_LOANABLE: ("Item Does Not Circulate", "ItemId"),
    Code.PICKUP_CLOSED: ("Invalid Pickup Location", "PickupLocation"),
    Code.ON_LOAN: ("Item Already Checked Out", "ItemId"),
    Code.ALREADY_ON_LOAN_TO_PATRON: ("Item Already Checked Out", "ItemId"),
    Code.HELD_FOR_OTHER: ("Item Not Available By Need Before Date", "ItemId"),
    Code.LOAN_LIMIT: ("Maximum Check Outs Exceeded", "UserId"),
    Code.NOT_ON_LOAN: ("Item Not Checked Out", "ItemId"),
    Code.NOT_YOUR_LOAN: ("Item Not Checked Out To This User", "ItemId"),
    Code.RENEWAL_LIMIT: ("Maximum Renewals Exceeded", "ItemId"),
    Code.HOLD_WAITING: ("Item Not Renewable", "ItemId"),
    Code.RENEWAL_GAINS_NOTHING: ("Item Not Renewable", "ItemId"),
    Code.NEEDED_FOR_HOLD: ("Item Not Available By Need Before Date", "ItemId"),
    Code.NOT_HERE: ("Item Not Available By Need Before Date", "ItemId"),
    Code.OVERALL_LIMIT: ("Maximum Check Outs Exceeded", "UserId"),
    Code.NOT_PICKUP_POINT: ("Invalid Pickup Location", "PickupLocation"),
    MemberCode.NO_MEMBERSHIP: ("User Blocked", "UserId"),
}
# The catalogue's refusals carry no code of their own, but the field at fault.
BY_FIELD = {
    "barcode": ("Duplicate Item", "ItemId"),
    "title": ("Needed Data Missing", "ItemOptionalFields"),
    "item_type": ("Element Rule Violated", "ItemOptionalFields"),
}
DEFAULT = ("Element Rule Violated", "")


def from_error(error: DomainError) -> Problem:
    if error.code in ("catalogue", "error") and error.field:
        problem_type, element = BY_FIELD.get(error.field, DEFAULT)
    else:
        problem_type, element = BY_CODE.get(error.code, DEFAULT)
    return Problem(problem_type, str(error), element)
