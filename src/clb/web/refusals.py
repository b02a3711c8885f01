"""What the staff desk does with a refusal beyond showing its message, by the rooms' codes: one
table. A code not in it is shown as its message (with HTTP 422) and nothing more."""

from dataclasses import dataclass

from clb.circulation.errors import Code


@dataclass(frozen=True)
class DeskAnswer:
    # A copy someone else's hold needs: the desk has it in hand, so it goes to that hold at once,
    # and staff may lend it anyway (the override).
    set_aside_for_hold: bool = False
    # What was scanned into the item field may be a member's card: the next member at the desk.
    maybe_a_card: bool = False


ANSWERS: dict[str, DeskAnswer] = {
    Code.NEEDED_FOR_HOLD: DeskAnswer(set_aside_for_hold=True),
    Code.HELD_FOR_OTHER: DeskAnswer(set_aside_for_hold=True),
    Code.UNKNOWN_ITEM: DeskAnswer(maybe_a_card=True),
}


def answer(code: str) -> DeskAnswer:
    return ANSWERS.get(code, DeskAnswer())
