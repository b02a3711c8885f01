"""Messages about the connection itself: login (93), status (99) and end of a patron's session (35)."""

import time

from django.db import DatabaseError, connection
from django.utils.translation import gettext as _

from .. import services as kiosks
from . import spec
from .codec import Reply
from .context import Context
from .values import yn


def login(ctx: Context) -> Reply:
    session, request = ctx.session, ctx.request
    account = kiosks.log_in(
        request.get("CN"),
        request.exact("CO"),
        at=ctx.now,
        peer=session.peer,
        plain_text=request.fixed["uid_algorithm"] == "0" and request.fixed["pwd_algorithm"] == "0",
    )
    session.kiosk = account
    if account is not None:
        session.charset = account.charset
        session.account_checked_at = time.monotonic()
        session.failed_logins = 0
    else:
        session.failed_logins += 1
    return Reply("94", {"ok": "1" if account else "0"})


def database_reachable() -> bool:
    """Whether this worker can reach the database now. A kiosk asks (message 99) to decide
    between working online and storing transactions offline, so the answer must be true."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


def sc_status(ctx: Context) -> Reply:
    session, request = ctx.session, ctx.request
    width = request.fixed["max_print_width"]
    session.print_width = int(width) if width.isdigit() else 0
    online = database_reachable()
    logged_in = session.kiosk is not None
    from .dispatch import SUPPORTED  # the routing table itself: BX promises what is answered

    supported = "".join(yn(code in SUPPORTED) for code in spec.SUPPORTED_MESSAGES_ORDER)
    return Reply(
        "98",
        {
            "online_status": yn(online),
            "checkin_ok": yn(logged_in and online),
            "checkout_ok": yn(logged_in and online),
            "acs_renewal_policy": "Y",
            "status_update_ok": "N",
            "offline_ok": "Y",
            "timeout_period": "060",  # tenths of a second
            "retries_allowed": "003",
            "date_time_sync": ctx.sip_now,
            "protocol_version": "2.00",
        },
        [
            ("AO", session.institution),
            ("AM", session.organisation.name if logged_in else None),
            ("BX", supported),
            ("AN", session.branch.code if logged_in else None),
            ("AF", _status_message(session, online)),
        ],
    )


def _status_message(session, online: bool) -> str | None:
    if not online:
        return _("Geen verbinding met de bibliotheek; de zuil werkt offline.")
    return None if session.kiosk is not None else _("Log eerst in (bericht 93).")


def end_session(ctx: Context) -> Reply:
    ctx.session.language = spec.UNKNOWN_LANGUAGE
    return Reply(
        "36",
        {"end_session": "Y", "transaction_date": ctx.sip_now},
        [("AO", ctx.institution), ("AA", ctx.card), ("AF", _("Tot ziens!"))],
    )
