"""Security alerts for an organisation's administrators (shown on the audit log page and in the
admin): a staff account stopped after too many wrong passwords, and a member's card locked again
and again — its PIN under attack, or a member who needs the desk. The one place that writes them."""

import logging

from django.contrib.auth import get_user_model
from django.dispatch import receiver
from django.utils.translation import gettext as _

from clb import clock, formatting
from clb.members.cards import shelf_code
from clb.members.models import PinChannel
from clb.members.signals import pin_locked

from . import throttle
from .models import SecurityAlert

log = logging.getLogger("clb.security")
# The first locks of a card are the member mistyping; from the third in a row someone is trying.
MEMBER_ALERT_FROM_LOCKOUT = 3


def staff_account_locked(username: str, failures: int, addresses: int) -> None:
    user = get_user_model().objects.filter(username__iexact=username).first()
    detail = _(
        "%(n)s mislukte pogingen in %(m)s minuten vanaf %(a)s adressen; inloggen met dit "
        "account is tot het eind van dat kwartier geblokkeerd."
    ) % {"n": failures, "m": int(throttle.WINDOW.total_seconds() // 60), "a": addresses}
    _write(
        SecurityAlert.Kind.STAFF_ACCOUNT, user.organisation_id if user else None, username, detail
    )
    log.warning(
        "staff account %r locked: %s failures from %s addresses", username, failures, addresses
    )


@receiver(pin_locked)
def _member_pin_locked(sender, patron, channel, lockouts, until, **kwargs):
    if lockouts < MEMBER_ALERT_FROM_LOCKOUT:
        return
    detail = _(
        "Pincode %(n)s keer op rij geblokkeerd via %(channel)s, nu tot %(until)s. Mogelijk "
        "probeert iemand pincodes; een nieuwe pincode aan de balie heft alle blokkades op."
    ) % {
        "n": lockouts,
        "channel": PinChannel(channel).label,
        "until": formatting.moment(until),
    }
    _write(SecurityAlert.Kind.MEMBER_PIN, patron.registered_by_id, shelf_code(patron), detail)
    log.warning("card %s locked %s times in a row on %s", shelf_code(patron), lockouts, channel)


def _write(kind, organisation_id, subject: str, detail: str) -> SecurityAlert:
    return SecurityAlert.objects.create(
        at=clock.now(),
        kind=kind,
        organisation_id=organisation_id,
        subject=subject[:150],
        detail=detail[:300],
    )
