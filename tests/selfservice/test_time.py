"""When a kiosk's action happened. A request is dated when it is done, not when it arrived: under
load it may wait for a worker while requests behind it are done first. An offline action ("no
block") keeps the date the kiosk reports, if that date can be true; else it is refused with the
reason on the kiosk's screen."""

import random
import threading
import time
from datetime import date, timedelta

from django.utils import timezone

from clb.circulation import services as circ
from clb.circulation.models import Loan
from clb.operations import invariants
from clb.selfservice.sip2 import dispatch, item_messages
from clb.selfservice.sip2.values import sip_date
from tests.factories import make_item, make_patron

from .conftest import DATE, NOW, Clock, RawClient, make_kiosk, start_server, stop_server

CHILD = date(2014, 6, 1)


def test_a_request_that_waited_for_a_worker_is_dated_when_it_is_done(
    transactional_db, net, kiosk, monkeypatch
):
    """The only worker is busy; a return waits for it; meanwhile the desk lends the copy. The
    return, done after the loan began, must not be dated before it."""
    clock = Clock(NOW)
    server, loop, thread = start_server(workers=1, clock=clock)
    entered, release = threading.Event(), threading.Event()

    def slow_lookup(ctx):
        entered.set()
        release.wait(30)
        return item_messages.item_information(ctx)

    monkeypatch.setitem(dispatch.HANDLERS, "17", slow_lookup)
    item = make_item(net.a1)
    patron = make_patron(net.org_a, birth_date=CHILD)
    busy, returner = RawClient(server.port), RawClient(server.port)
    try:
        assert busy.login().startswith("941") and returner.login().startswith("941")
        busy.send_raw(busy.frame(f"17{DATE}AO|AB{item.barcode}|"))
        assert entered.wait(10)
        returner.send_raw(returner.frame(f"09N{DATE}{DATE}APx|AO|AB{item.barcode}|"))
        _wait_until(lambda: server._executor._work_queue.qsize() == 1)
        clock.at = NOW + timedelta(minutes=5)
        circ.checkout(
            item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1, at=clock.at
        )
        release.set()
        assert returner.receive().startswith("101")
        assert busy.receive().startswith("18")
    finally:
        release.set()
        busy.close()
        returner.close()
        stop_server(server, loop, thread)
    loan = Loan.objects.get(item=item)
    assert loan.checked_out_at == loan.returned_at == NOW + timedelta(minutes=5)


def _wait_until(condition, bound=10.0):
    give_up = time.monotonic() + bound
    while not condition():
        assert time.monotonic() < give_up, "condition not reached"
        time.sleep(0.005)


def test_an_offline_return_dated_1900_is_refused_with_a_reason(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(net.a1)
    circ.checkout(item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1)
    answer = kiosk_client.client.send(f"09Y{DATE}19000101    000000APx|AO|AB{item.barcode}|AC|")
    assert answer.startswith("100")  # not accepted
    assert "AFOffline transactie niet verwerkt: ouder dan 14 dagen" in answer
    assert Loan.objects.get(item=item).returned_at is None


def test_an_offline_return_before_its_checkout_is_refused(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(net.a1)
    circ.checkout(item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1, at=NOW)
    earlier = sip_date(NOW - timedelta(hours=1))
    answer = kiosk_client.client.send(f"09Y{DATE}{earlier}APx|AO|AB{item.barcode}|AC|")
    assert answer.startswith("100") and "voor de uitlening" in answer
    assert Loan.objects.get(item=item).returned_at is None


def test_an_offline_checkout_in_the_future_is_refused(kiosk_client, net):
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(net.a1)
    later = sip_date(NOW + timedelta(days=1))
    answer = kiosk_client.client.send(
        f"11NY{later}{DATE}AO|AA{patron.card_number}|AB{item.barcode}|AC|AD1234|"
    )
    assert answer.startswith("120") and "ligt in de toekomst" in answer
    assert not Loan.objects.exists()


def test_under_load_no_loan_is_returned_before_it_was_checked_out(transactional_db, net):
    """Twelve kiosks lend and return the same six copies as fast as they can through three
    workers, on the real clock: every loan ends after it began."""
    make_kiosk(net.a1, login="zuil-last", require_pin=False)
    server, loop, thread = start_server(workers=3, clock=timezone.now)
    patrons = [make_patron(net.org_a, birth_date=CHILD, at=timezone.now()) for _ in range(12)]
    items = [make_item(net.a1).barcode for _ in range(6)]
    errors = []

    def kiosk_loop(n):
        rng = random.Random(n)
        client = RawClient(server.port, source=f"127.0.2.{n + 1}")  # a kiosk per address
        try:
            assert client.login("zuil-last").startswith("941")
            card = patrons[n].card_number
            for _ in range(30):
                barcode = rng.choice(items)
                if rng.random() < 0.5:
                    client.send(f"11NN{DATE}{DATE}AO|AA{card}|AB{barcode}|AC|")
                else:
                    client.send(f"09N{DATE}{DATE}APx|AO|AB{barcode}|AC|")
        except Exception as exc:  # reported below, with the kiosk that failed
            errors.append((n, exc))
        finally:
            client.close()

    threads = [threading.Thread(target=kiosk_loop, args=(n,)) for n in range(12)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        stop_server(server, loop, thread)
    assert not errors
    assert Loan.objects.count() > 20
    assert invariants.check() == []  # among them: every loan ends after it began
