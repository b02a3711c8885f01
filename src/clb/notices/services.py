"""What the desk, Mijn Bibliotheek and the admin do with notices: see them, resend one, print
the letters of a branch, set a member's choices. Each action is one transaction."""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from clb import clock
from clb.errors import DomainError

from .audience import Audience
from .content import with_content
from .models import (
    OPTIONAL_KINDS,
    Channel,
    FailingAddress,
    Language,
    MemberSettings,
    Notice,
    NoticeLoan,
    OptOut,
    State,
)
from .queueing import new_message_id
from .rules import NoticeRules
from .sending import Templates, settle, store_texts


class NoticeError(DomainError):
    pass


def notices_of(patron):
    """Every notice a member was sent or is due to get, newest first."""
    return (
        Notice.objects.filter(patron=patron).select_related("branch").order_by("-created_at", "-id")
    )


def failing_address(patron) -> FailingAddress | None:
    if not patron.email:
        return None
    return FailingAddress.objects.filter(address=patron.email).first()


@transaction.atomic
def clear_failing_address(address: str) -> int:
    return FailingAddress.objects.filter(address=address).delete()[0]


@transaction.atomic
def resend(notice_id: int, *, patron, staff=None, at=None) -> Notice:
    """Queue a notice again as a new message, to the member's address now (or on paper); it is
    checked again before it goes, like any other, so nothing untrue is resent."""
    at = clock.now(at)
    original = Notice.objects.filter(pk=notice_id, patron=patron).first()
    if original is None:
        raise NoticeError(_("Dit bericht bestaat niet (meer)."), field="notice")
    if original.content_erased:
        raise NoticeError(
            _("Van dit bericht is de inhoud gewist (bewaartermijn); opnieuw sturen kan niet."),
            field="notice",
        )
    if original.state in (State.PENDING, State.SENDING):
        raise NoticeError(_("Dit bericht wacht nog op verzending."), field="notice")
    channel, address, language = Audience([patron.pk]).route(patron.pk, "resend")
    copy = Notice.objects.create(
        patron=patron,
        organisation_id=original.organisation_id,
        branch_id=original.branch_id,
        kind=original.kind,
        level=original.level,
        channel=channel,
        key=f"resend:{original.pk}:{new_message_id()}",
        hold_id=original.hold_id,
        membership_id=original.membership_id,
        ledger_line_id=original.ledger_line_id,
        about_day=original.about_day,
        reason=original.reason,
        language=language,
        to_address=address,
        message_id=new_message_id(),
        next_try_at=at,
        created_at=at,
        resent_from=original,
        requested_by=staff,
    )
    NoticeLoan.objects.bulk_create(
        NoticeLoan(notice=copy, loan_id=link.loan_id, due_at=link.due_at)
        for link in original.loan_links.all()
    )
    return copy


@dataclass(frozen=True)
class Letter:
    notice: Notice
    subject: str
    text: str


def letters_to_print(branch, *, at=None) -> list[Letter]:
    """The branch's printed notices still to print, each checked now: one that stopped being
    true (the item came back) is cancelled, not printed."""
    at = clock.now(at)
    letters = []
    waiting = with_content(
        Notice.objects.filter(branch=branch, channel=Channel.PRINT, state=State.PENDING)
    )
    rules, templates = NoticeRules(), Templates()
    for notice in waiting.order_by("created_at", "id"):
        message = settle(notice, at, rules, templates)
        if message is not None:
            letters.append(Letter(notice, message.subject, message.text))
    # The desk and Mijn Bibliotheek show the text as listed, stored for all letters at once.
    store_texts([letter.notice for letter in letters], State.PENDING)
    return letters


@transaction.atomic
def mark_printed(notice_ids, *, branch, staff=None, at=None) -> int:
    at = clock.now(at)
    return Notice.objects.filter(
        pk__in=notice_ids, branch=branch, channel=Channel.PRINT, state=State.PENDING
    ).update(state=State.SENT, sent_at=at, requested_by=staff)


def choices_of(patron) -> tuple[str, set[str]]:
    settings = MemberSettings.objects.filter(patron=patron).first()
    language = settings.language if settings else Language.DUTCH
    return language, set(OptOut.objects.filter(patron=patron).values_list("kind", flat=True))


@transaction.atomic
def set_choices(patron, *, language: str, opted_out) -> None:
    """The member's language for notices and the optional kinds they do not want."""
    if language not in Language.values:
        raise NoticeError(_("Kies Nederlands of Engels."), field="language")
    unknown = set(opted_out) - set(OPTIONAL_KINDS)
    if unknown:
        raise NoticeError(
            _("Deze berichten kunt u niet uitzetten: %(kinds)s") % {"kinds": ", ".join(sorted(unknown))},
            field="opted_out",
        )  # fmt: skip
    MemberSettings.objects.update_or_create(patron=patron, defaults={"language": language})
    OptOut.objects.filter(patron=patron).exclude(kind__in=opted_out).delete()
    for kind in opted_out:
        OptOut.objects.get_or_create(patron=patron, kind=kind)
