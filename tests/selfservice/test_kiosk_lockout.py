"""A kiosk password cannot be guessed by trying fast: five wrong passwords in a row lock the
account, each lock twice as long as the one before, and while it is locked even the right
password is refused. Locks are shown in the admin, where an administrator can lift them."""

import threading
from datetime import timedelta

import pytest

from clb.accounts.models import User
from clb.selfservice.models import KioskAccount

from .conftest import KIOSK_LOGIN, NOW, RawClient


def wrong_logins(port, n, parallel=1):
    """n wrong passwords, over `parallel` connections at once (3 per connection: the server
    hangs up after that)."""
    per_connection = [min(3, n - i) for i in range(0, n, 3)]
    barrier = threading.Barrier(min(parallel, len(per_connection)))
    answers = []

    def attack(tries):
        client = RawClient(port)
        try:
            barrier.wait(timeout=10)
            answers.extend(client.login(password="geraden-1234") for _ in range(tries))
        finally:
            client.close()

    for start in range(0, len(per_connection), parallel):
        threads = [
            threading.Thread(target=attack, args=(t,))
            for t in per_connection[start : start + parallel]
        ]
        barrier = threading.Barrier(len(threads))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert len(answers) == n and all(a.startswith("940") for a in answers)


def right_login(port) -> str:
    client = RawClient(port)
    try:
        return client.login()[:3]
    finally:
        client.close()


def test_wrong_passwords_lock_the_account_longer_each_time(sip_server, kiosk, server_clock, caplog):
    wrong_logins(sip_server.port, 4)
    assert right_login(sip_server.port) == "941"  # four wrong tries are forgiven by a right one
    wrong_logins(sip_server.port, 5)
    kiosk.refresh_from_db()
    assert kiosk.locked_until == server_clock.at + timedelta(minutes=1)
    assert right_login(sip_server.port) == "940"  # locked: the right password does not help
    assert f"kiosk account {KIOSK_LOGIN} locked for 1 min" in caplog.text
    server_clock.at += timedelta(minutes=1, seconds=1)
    wrong_logins(sip_server.port, 5)  # the next lock is longer
    kiosk.refresh_from_db()
    assert kiosk.locked_until == server_clock.at + timedelta(minutes=2)
    server_clock.at += timedelta(minutes=2, seconds=1)
    assert right_login(sip_server.port) == "941"
    kiosk.refresh_from_db()
    assert (kiosk.failed_logins, kiosk.lockouts, kiosk.locked_until) == (0, 0, None)


def test_guessing_over_many_connections_at_once_is_counted_exactly(sip_server, kiosk):
    wrong_logins(sip_server.port, 14, parallel=5)
    kiosk.refresh_from_db()
    # 14 wrong tries: the fifth locks; the other nine come while it is locked and do not count.
    assert kiosk.lockouts == 1 and kiosk.failed_logins == 0
    assert right_login(sip_server.port) == "940"


@pytest.mark.django_db
def test_a_locked_kiosk_shows_in_the_admin_and_can_be_unlocked(net, client, kiosk):
    KioskAccount.objects.filter(pk=kiosk.pk).update(
        locked_until=NOW + timedelta(hours=4), lockouts=3
    )
    client.force_login(User.objects.create_superuser("root", password="x"))
    listing = client.get("/admin/selfservice/kioskaccount/").content.decode()
    assert "Vergrendeld tot" in listing and "Vergrendeling opheffen" in listing
    response = client.post(
        "/admin/selfservice/kioskaccount/",
        {"action": "unlock", "_selected_action": [kiosk.pk]},
    )
    assert response.status_code == 302
    kiosk.refresh_from_db()
    assert (kiosk.locked_until, kiosk.lockouts, kiosk.failed_logins) == (None, 0, 0)
