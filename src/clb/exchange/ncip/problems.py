"""Domain refusals as NCIP Problems: one table from the rooms' error codes to the problem types
of the NCIP 2.02 schemes (Implementation Profile 1), with the element at fault."""

from clb.errors import DomainError

from .messages import Problem

BY_CODE = {
    "unknown_patron": ("Unknown User", "UserId"),
    "wrong_pin": ("User Authentication Failed", "AuthenticationInput"),
    "pin_locked": ("User Authentication Failed", "AuthenticationInput"),
    "card_blocked": ("User Blocked", "UserId"),
    "membership_expired": ("User Blocked", "UserId"),
    "fees": ("User Blocked", "UserId"),
    "unknown_item": ("Unknown Item", "ItemId"),
    "withdrawn": ("Unknown Item", "ItemId"),
    "unknown_hold": ("Unknown Request", "RequestId"),
    "hold_closed": ("Request Already Processed", "RequestId"),
    "duplicate_hold": ("Duplicate Request", "RequestId"),
    "already_borrowed": ("Duplicate Request", "ItemId"),
    "holds_not_allowed": ("Item Does Not Circulate", "ItemId"),
    "not_holdable": ("Item Does Not Circulate", "ItemId"),
    "no_copies": ("Item Does Not Circulate", "BibliographicId"),
    "no_record": ("Unknown Item", "BibliographicId"),
    "not_loanable": ("Item Does Not Circulate", "ItemId"),
    "pickup_closed": ("Invalid Pickup Location", "PickupLocation"),
    "on_loan": ("Item Already Checked Out", "ItemId"),
    "already_on_loan_to_patron": ("Item Already Checked Out", "ItemId"),
    "held_for_other": ("Item Not Available By Need Before Date", "ItemId"),
    "item_hold_other": ("Item Not Available By Need Before Date", "ItemId"),
    "loan_limit": ("Maximum Check Outs Exceeded", "UserId"),
    "not_on_loan": ("Item Not Checked Out", "ItemId"),
    "not_your_loan": ("Item Not Checked Out To This User", "ItemId"),
    "renewal_limit": ("Maximum Renewals Exceeded", "ItemId"),
    "hold_waiting": ("Item Not Renewable", "ItemId"),
    "renewal_gains_nothing": ("Item Not Renewable", "ItemId"),
    "needed_for_hold": ("Item Not Available By Need Before Date", "ItemId"),
    "not_here": ("Item Not Available By Need Before Date", "ItemId"),
    "overall_limit": ("Maximum Check Outs Exceeded", "UserId"),
    "not_pickup_point": ("Invalid Pickup Location", "PickupLocation"),
    "no_membership": ("User Blocked", "UserId"),
    "barcode": ("Duplicate Item", "ItemId"),
    "title": ("Needed Data Missing", "ItemOptionalFields"),
    "item_type": ("Element Rule Violated", "ItemOptionalFields"),
}


def from_error(error: DomainError) -> Problem:
    code = error.field if error.code in ("catalogue", "error") and error.field else error.code
    problem_type, element = BY_CODE.get(code, ("Element Rule Violated", ""))
    return Problem(problem_type, str(error), element)
