"""Connections that have not logged in cost the server a slot each, so they get little: a short
deadline to log in that status messages (99) do not extend, a cap per address, and, when the
server is full, the oldest of them makes room for a new connection. A real kiosk, driven by the
independent `sip2` and `pysip2` clients, gets in while an attacker holds connections open."""

import logging
import time

import pytest
from pysip2 import CheckoutRequest

from clb.circulation.models import Loan
from tests.factories import make_item, make_patron

from .conftest import DATE, KIOSK_LOGIN, KIOSK_PASSWORD, Kiosk, RawClient, start_server, stop_server
from .test_independent_client import ask, new_client

STATUS = "9900802.00"


@pytest.fixture
def server_factory(transactional_db, net, kiosk):
    started = []

    def start(**config):
        started.append(start_server(**config))
        return started[-1][0]

    yield start
    for running in started:
        stop_server(*running)


def hold_open(port, source, n) -> list[RawClient]:
    """An attacker's connections, each kept "alive" with a status message it gets answered."""
    held = []
    for _ in range(n):
        client = RawClient(port, source=source, timeout=5)
        try:
            answer = client.send(STATUS)
        except (ConnectionError, OSError):
            client.close()  # refused by the server: that is the point
            continue
        assert answer.startswith("98")
        held.append(client)
    return held


def a_real_kiosk_borrows(port, net, tmp_path) -> None:
    """Both independent clients log in and lend a book."""
    patron = make_patron(net.org_a)
    sip2 = new_client(port, tmp_path)
    login = sip2.sip_login_response(
        sip2.get_response(sip2.sip_login_request(KIOSK_LOGIN, KIOSK_PASSWORD))
    )
    assert login["fixed"]["Ok"] == "1"
    sip2.patron, sip2.patronpwd = patron.card_number, "1234"
    assert ask(sip2, "checkout", make_item(net.a1).barcode)["fixed"]["Ok"] == "1"
    sip2.disconnect()
    kiosk = Kiosk(port)
    assert kiosk.login().ok == "1"
    item = make_item(net.a1)
    answer = kiosk.ask(
        CheckoutRequest(
            sc_renewal_policy="N",
            no_block="N",
            transaction_date=DATE,
            nb_due_date=DATE,
            institution_id=net.org_a.code,
            patron_identifier=patron.card_number,
            item_identifier=item.barcode,
            terminal_password="",
            patron_password="1234",
        )
    )
    assert answer.ok == "1"
    kiosk.close()
    assert Loan.objects.filter(patron=patron).count() == 2


def test_status_messages_do_not_keep_a_connection_open_without_login(server_factory, caplog):
    server = server_factory(idle_timeout=30, login_timeout=0.5)
    client = RawClient(server.port)
    answered = 0
    give_up = time.monotonic() + 10  # only a bound for the failing case: the server closes
    try:
        while time.monotonic() < give_up:
            assert client.send(STATUS).startswith("98")
            answered += 1
    except (ConnectionError, OSError):
        pass
    else:
        pytest.fail(f"{answered} status messages answered, connection still open")
    assert answered >= 1
    assert "not logged in within 0.5 s" in caplog.text
    client.close()


def test_logging_in_lifts_the_deadline(server_factory):
    server = server_factory(idle_timeout=30, login_timeout=0.3)
    client = RawClient(server.port)
    assert client.login().startswith("941")
    # Well past the login deadline the logged-in kiosk is still served: the server answers a
    # status message after holding it for longer than the deadline (its idle timeout is 30 s).
    client.sock.settimeout(5)
    deadline_passed = time.monotonic() + 0.6
    while time.monotonic() < deadline_passed:
        assert client.send(STATUS).startswith("98")
    assert server.sessions == 1
    client.close()


def test_a_real_kiosk_gets_in_while_one_address_holds_many_idle_connections(
    server_factory, net, tmp_path, caplog
):
    server = server_factory(max_sessions=30)
    held = hold_open(server.port, "127.0.0.2", 40)
    assert len(held) == 10  # the default cap of connections not logged in, per address
    assert "refused, 10 connections from this address not logged in" in caplog.text
    a_real_kiosk_borrows(server.port, net, tmp_path)
    for client in held:
        client.close()


def test_a_full_server_lets_the_oldest_waiting_connection_make_room(
    server_factory, net, tmp_path, caplog
):
    """An attacker with many addresses fills every slot with connections that never log in:
    a new connection then takes the slot of the oldest of them, so a kiosk still gets in."""
    caplog.set_level(logging.INFO, "clb.selfservice.sip2")
    server = server_factory(max_sessions=20)
    held = [c for n in range(2, 8) for c in hold_open(server.port, f"127.0.0.{n}", 4)]
    assert server.sessions == 20 and len(held) == 24
    a_real_kiosk_borrows(server.port, net, tmp_path)
    assert "made room for a new connection" in caplog.text
    for client in held:
        client.close()
