"""Messages about the connection itself: login (93), status (99) and end of a patron's session (35)."""

import time

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


def sc_status(ctx: Context) -> Reply:
    session, request = ctx.session, ctx.request
    width = request.fixed["max_print_width"]
    session.print_width = int(width) if width.isdigit() else 0
    logged_in = session.kiosk is not None
    from .dispatch import SUPPORTED  # the routing table itself: BX promises what is answered

    supported = "".join(yn(code in SUPPORTED) for code in spec.SUPPORTED_MESSAGES_ORDER)
    return Reply(
        "98",
        {
            "online_status": "Y",
            "checkin_ok": yn(logged_in),
            "checkout_ok": yn(logged_in),
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
            ("AF", None if logged_in else _("Log eerst in (bericht 93).")),
        ],
    )


def end_session(ctx: Context) -> Reply:
    ctx.session.language = spec.UNKNOWN_LANGUAGE
    return Reply(
        "36",
        {"end_session": "Y", "transaction_date": ctx.sip_now},
        [("AO", ctx.institution), ("AA", ctx.card), ("AF", _("Tot ziens!"))],
    )
