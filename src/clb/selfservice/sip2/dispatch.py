"""Which handler answers which request, in which language."""

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from . import hold_fee_messages, item_messages, patron_messages, session_messages, spec
from .codec import Reply, Request
from .context import Context, Session

Handler = Callable[[Context], Reply]

HANDLERS: dict[str, Handler] = {
    "93": session_messages.login,
    "99": session_messages.sc_status,
    "35": session_messages.end_session,
    "23": patron_messages.patron_status_request,
    "25": patron_messages.patron_enable,
    "63": patron_messages.patron_information,
    "01": patron_messages.block_patron,
    "11": item_messages.checkout,
    "09": item_messages.checkin,
    "29": item_messages.renew,
    "65": item_messages.renew_all,
    "17": item_messages.item_information,
    "19": item_messages.item_status_update,
    "15": hold_fee_messages.hold,
    "37": hold_fee_messages.fee_paid,
}

# Answered with a refusal only: recognised, so they get an answer, but not offered (BX says N).
NOT_OFFERED = {"01", "19"}
# What message 98 announces; 97 (resend) is handled by the server itself.
SUPPORTED = (set(HANDLERS) - NOT_OFFERED) | {"97"}


def dispatch(session: Session, request: Request, now: datetime) -> Reply:
    """Answer one request. Runs in a worker thread: the services use the synchronous ORM."""
    if "language" in request.fixed and request.fixed["language"] in spec.LANGUAGES:
        session.language = request.fixed["language"]
    language = spec.LANGUAGES.get(session.language, settings.LANGUAGE_CODE)
    with translation.override(language):
        return HANDLERS[request.code](Context(session, request, now))


def refuse_after_failure(session: Session, request: Request, now: datetime) -> Reply:
    """The answer when a handler failed unexpectedly: a protocol-valid "no" for this request,
    so the kiosk shows a message instead of retrying a request that will fail again."""
    language = spec.LANGUAGES.get(session.language, settings.LANGUAGE_CODE)
    with translation.override(language):
        return Context(session, request, now).refuse(
            _("Dit lukt nu niet. Probeer het later opnieuw of vraag het aan de balie.")
        )
