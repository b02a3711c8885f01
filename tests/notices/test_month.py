"""A month of library life on the injected clock, through the worker's own entry point
(jobs.run_due, what each tick of `clb worker` calls) and a real SMTP server: the right notices on
the right days, a digest for loans due together, none for items returned in time, overdue levels
one after the other with the card blocked at the third and freed when the items are back,
printed letters for a member without e-mail that lapse when the item comes back."""

from datetime import timedelta

import pytest

from clb.circulation import services as circ
from clb.circulation.errors import CirculationError
from clb.members.models import Patron
from clb.notices import jobs, services
from clb.notices.models import Channel, Kind, Notice, OverdueLevel, State
from tests.factories import T0

from .conftest import copies, member

pytestmark = pytest.mark.django_db


def day(n, hour=12):
    return (T0 + timedelta(days=n)).replace(hour=hour, minute=0)


def test_a_month_of_notices(net, smtp):
    for level, days, blocks in ((1, 1, False), (2, 5, False), (3, 10, True)):
        OverdueLevel.objects.create(
            organisation=net.org_a, level=level, days=days, blocks_card=blocks
        )
    anna = member(net.org_a, email="anna@example.nl", first_name="Anna")
    bob = member(net.org_a, email="bob@example.nl")
    dirk = member(net.org_a, email="dirk@example.org", language="en")
    eva = member(net.org_a)  # no e-mail address: letters at her branch
    a1, a2, a3 = copies(net.a1, "Eerste", "Tweede", "Derde")
    [b1] = copies(net.a1, "Bobs boek")
    [e1] = copies(net.a1, "Eva's boek")
    lend = {0: [(a1, anna), (a2, anna), (a3, anna), (e1, eva)], 3: [(b1, bob)]}
    give_back = {19: [a1], 20: [b1], 23: [e1], 24: [a2], 33: [a3]}
    received_on, letters_on = {}, {}
    for n in range(36):
        jobs.run_due(day(n, hour=8))  # the worker's morning tick
        mails = smtp.handler.received
        received_on[n] = [(m.recipients[0], m.subject) for m in mails]
        mails.clear()
        letters_on[n] = [
            (letter.notice.kind, letter.notice.level)
            for letter in services.letters_to_print(net.a1, at=day(n, 9))
        ]
        for copy, who in lend.get(n, []):
            circ.checkout(
                item_barcode=copy.barcode, card_number=who.card_number, branch=net.a1, at=day(n)
            )
        if n == 1:
            circ.place_hold(
                card_number=dirk.card_number, record=a1.record, pickup_branch=net.a1, at=day(n)
            )
        for copy in give_back.get(n, []):
            circ.checkin(item_barcode=copy.barcode, branch=net.a1, at=day(n))
        if n == 32:  # blocked at the third level: no new loans
            with pytest.raises(CirculationError, match="aanmaning 3"):
                circ.checkout(
                    item_barcode=b1.barcode, card_number=anna.card_number, branch=net.a1, at=day(n)
                )
    told = {n: mails for n, mails in received_on.items() if mails}
    assert told == {
        18: [("anna@example.nl", "Inleveren uiterlijk 23 mrt. 2026")],  # one digest, three items
        20: [("dirk@example.org", "Your hold is ready: Eerste")],
        22: [("anna@example.nl", "Aanmaning: te laat ingeleverd")],  # Tweede and Derde
        25: [("anna@example.nl", "Kosten: € 0,75")],  # Tweede came back three days late
        26: [("anna@example.nl", "2e aanmaning: te laat ingeleverd")],  # only Derde
        27: [("dirk@example.org", "Hold not collected: Eerste")],
        31: [("anna@example.nl", "3e aanmaning: te laat ingeleverd")],
        34: [("anna@example.nl", "Kosten: € 3,00")],
    }
    # Bob returned his book before the pre-due day: nothing for him, ever.
    assert not Notice.objects.filter(patron=bob).exists()
    digest = Notice.objects.get(patron=anna, kind=Kind.PRE_DUE)
    assert [t in digest.body for t in ("Eerste", "Tweede", "Derde")] == [True] * 3
    second = Notice.objects.get(patron=anna, kind=Kind.OVERDUE, level=2)
    assert "Derde" in second.body and "Tweede" not in second.body
    third = Notice.objects.get(patron=anna, kind=Kind.OVERDUE, level=3)
    assert "uw pas geblokkeerd" in third.body
    # Blocked from day 31 until the morning after Derde came back (day 33).
    assert not Patron.objects.get(pk=anna.pk).blocked
    circ.checkout(item_barcode=b1.barcode, card_number=anna.card_number, branch=net.a1, at=day(35))
    # Eva's letters: listed on the day they were due, and the overdue one lapsed once her book
    # came back (day 23), so it was never printed; her fine is a letter too.
    assert letters_on[18] == [(Kind.PRE_DUE, 0)]
    assert letters_on[22] == [(Kind.PRE_DUE, 0), (Kind.OVERDUE, 1)]
    assert letters_on[24] == [(Kind.FEE_CHARGED, 0)]
    eva_states = dict(Notice.objects.filter(patron=eva).values_list("kind", "state"))
    assert eva_states == {
        Kind.PRE_DUE: State.CANCELLED,
        Kind.OVERDUE: State.CANCELLED,
        Kind.FEE_CHARGED: State.PENDING,
    }
    assert set(Notice.objects.filter(patron=eva).values_list("channel", flat=True)) == {
        Channel.PRINT
    }
    # Every run was recorded, and every job succeeded on its last day.
    assert all(s.last_success and not s.late for s in jobs.status(day(35, 8)))
