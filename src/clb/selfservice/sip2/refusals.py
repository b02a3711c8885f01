"""What a kiosk does with a refusal beyond showing its message, by the rooms' codes: one table.
A code not in it is shown as its message and nothing more."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from clb.circulation.errors import Code
from clb.members.errors import Code as MemberCode

from . import spec


@dataclass(frozen=True)
class KioskAnswer:
    advice: str = ""  # added to the message on the screen
    renew_instead: bool = False  # a checkout of one's own loan renews it, if the kiosk allows
    denies: frozenset[int] = frozenset()  # patron status flags a block sets besides borrowing
    # The reason is about the patron, not the copy (members.borrowing_blocks): without a right
    # PIN the kiosk does not say it, as the amount owed or a block's reason are personal.
    personal: bool = False


TO_DESK = KioskAnswer(advice=_("Geef het exemplaar af bij de balie."))

ANSWERS: dict[str, KioskAnswer] = {
    Code.ALREADY_ON_LOAN_TO_PATRON: KioskAnswer(renew_instead=True),
    # Only staff may lend a copy someone else waits for: the kiosk sends it there.
    Code.NEEDED_FOR_HOLD: TO_DESK,
    Code.HELD_FOR_OTHER: TO_DESK,
    MemberCode.CARD_BLOCKED: KioskAnswer(personal=True),
    MemberCode.MEMBERSHIP_EXPIRED: KioskAnswer(personal=True),
    MemberCode.FEES: KioskAnswer(
        personal=True, denies=frozenset({spec.EXCESSIVE_FINES, spec.EXCESSIVE_FEES})
    ),
}


def answer(code: str) -> KioskAnswer:
    return ANSWERS.get(code, KioskAnswer())
