"""The member PIN lockout (issue 12 item 9): it escalates, so a 4-digit PIN cannot be tried through
in days from however many addresses; and it is kept per channel, so whoever guesses from the
internet locks only the internet for strangers, not the member's own browser or the kiosks.

The clock is injected (`at=`): the lock periods are real durations, not sleeps."""

from datetime import timedelta

import pytest

from clb.members import models
from clb.members import services as members
from clb.members.errors import MemberError
from tests.factories import T0, make_patron

pytestmark = pytest.mark.django_db
WEB, KNOWN, KIOSK = "web", "known", "kiosk"  # models.PinChannel


def guard(patron, channel):
    return models.PinGuard.objects.get(patron=patron, channel=channel)


def wrong(patron, at, channel=WEB, times=1) -> str:
    code = ""
    for _ in range(times):
        with pytest.raises(MemberError) as err:
            members.verify_pin(patron.card_number, "0000", at=at, channel=channel)
        code = err.value.code
    return code


def right(patron, at, channel=WEB, **kw):
    return members.verify_pin(patron.card_number, "4321", at=at, channel=channel, **kw)


def test_a_second_lock_lasts_longer_than_the_first(net):
    """Through the service alone: after a first lock of 15 minutes, the next one is longer."""
    patron = make_patron(net.org_a, pin="4321")
    for _ in range(5):
        with pytest.raises(MemberError):
            members.verify_pin(patron.card_number, "0000", at=T0)
    second = T0 + timedelta(minutes=15, seconds=1)
    for _ in range(5):
        with pytest.raises(MemberError):
            members.verify_pin(patron.card_number, "0000", at=second)
    with pytest.raises(MemberError) as err:
        members.verify_pin(patron.card_number, "4321", at=second + timedelta(minutes=16))
    assert err.value.code == "pin_locked"
    later = second + timedelta(minutes=30)
    assert members.verify_pin(patron.card_number, "4321", at=later) == patron


def test_each_lock_lasts_twice_as_long_up_to_a_day(net):
    patron = make_patron(net.org_a, pin="4321")
    at = T0
    periods = []
    for _lock in range(10):
        assert wrong(patron, at, times=5) in ("wrong_pin", "pin_locked")
        until = guard(patron, WEB).locked_until
        periods.append(until - at)
        assert wrong(patron, until - timedelta(seconds=1)) == "pin_locked"
        at = until  # the first moment it may be tried again
    minutes = [int(p.total_seconds() // 60) for p in periods]
    assert minutes == [15, 30, 60, 120, 240, 480, 960, 1440, 1440, 1440]
    # Tries in the lock are not counted, and the right PIN is refused in it too.
    with pytest.raises(MemberError) as err:
        right(patron, at - timedelta(minutes=1))
    assert err.value.code == "pin_locked"
    assert right(patron, at) == patron  # after it: in, and the escalation starts over
    assert guard(patron, WEB).lockouts == 0


def test_a_four_digit_pin_cannot_be_tried_through_in_a_month(net):
    """Everything an attacker can try in 30 days against one card, per channel they can reach:
    the internet and the kiosks (a known browser needs the right PIN first)."""
    patron = make_patron(net.org_a, pin="4321")
    tried = 0
    for channel in (WEB, KIOSK):
        at, end = T0, T0 + timedelta(days=30)
        while at < end:
            for _ in range(5):
                wrong(patron, at, channel)
                tried += 1
            at = guard(patron, channel).locked_until
    assert tried <= 400  # of 10,000 four-digit PINs: under 4 % a month, ~1.5 years for half
    assert tried >= 2 * 5 * 30  # the member keeps a few tries a day on each channel


def test_strangers_on_the_internet_do_not_lock_the_member_out(net):
    patron = make_patron(net.org_a, pin="4321")
    wrong(patron, T0, WEB, times=5)
    with pytest.raises(MemberError):
        right(patron, T0 + timedelta(minutes=1))  # a new browser: locked
    assert right(patron, T0 + timedelta(minutes=1), KIOSK) == patron  # at the library: fine
    # The member's own browser carries the token of an earlier login with this PIN.
    token = members.known_browser_token(patron)
    assert right(patron, T0 + timedelta(minutes=1), known_tokens=["nonsense", token]) == patron
    # A known browser has its own budget: it cannot be used to guess past the lock either.
    wrong(patron, T0 + timedelta(minutes=2), KNOWN, times=5)
    with pytest.raises(MemberError):
        right(patron, T0 + timedelta(minutes=3), known_tokens=[token])


def test_a_new_pin_ends_the_known_browsers_and_every_lock(net):
    patron = make_patron(net.org_a, pin="4321")
    token = members.known_browser_token(patron)
    for channel in (WEB, KIOSK):
        wrong(patron, T0, channel, times=5)
    members.set_pin(patron, "1357")
    patron.refresh_from_db()
    assert not models.PinGuard.objects.filter(patron=patron, locked_until__isnull=False).exists()
    assert members.known_browser_token(patron) != token
    assert members.verify_pin(patron.card_number, "1357", at=T0, channel=WEB) == patron


def test_repeated_locks_raise_an_alert_for_the_home_organisation(net):
    from clb.members.signals import pin_locked

    patron = make_patron(net.org_a, pin="4321")
    heard = []

    def listener(sender, patron, channel, lockouts, until, **kwargs):
        heard.append((patron.pk, channel, lockouts, until))

    pin_locked.connect(listener)
    try:
        at = T0
        for _ in range(3):
            wrong(patron, at, times=5)
            at = guard(patron, WEB).locked_until
    finally:
        pin_locked.disconnect(listener)
    assert [(c, n) for _p, c, n, _u in heard] == [(WEB, 1), (WEB, 2), (WEB, 3)]
    from clb.web.models import SecurityAlert  # the web room turns the third into an alert

    alert = SecurityAlert.objects.get()
    assert alert.organisation == net.org_a and alert.kind == "member_pin"
    assert patron.card_number not in alert.subject and patron.card_number[-4:] in alert.subject
    assert "3 keer" in alert.detail


def test_unknown_cards_and_wrong_pins_cost_the_same_hash(net, monkeypatch):
    """A card that does not exist is answered only after the same PIN check, so timing does not
    tell whether a card number exists."""
    from clb.members import pins

    checks = []
    original = pins.pin_matches
    monkeypatch.setattr(
        pins, "pin_matches", lambda pin, encoded: checks.append(1) or original(pin, encoded)
    )
    patron = make_patron(net.org_a, pin="4321")
    wrong(patron, T0)
    with pytest.raises(MemberError) as err:
        members.verify_pin("20000000000000", "0000", at=T0)
    assert err.value.code == "unknown_patron" and len(checks) == 2
