"""The invariant checker: silent on data the services wrote, and each invariant names the rows
when the data is broken the way a half-written action or a crash would break it."""

from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command

from clb.catalogue.models import Item, ItemStatus
from clb.circulation import services as circ
from clb.circulation.models import Hold, Loan, Transit
from clb.members.models import LedgerKind, LedgerLine
from clb.operations import invariants
from clb.statistics.models import CirculationEvent, PlaceTally
from tests.factories import T0, make_item, make_patron, make_record

pytestmark = pytest.mark.django_db
CHILD = date(2014, 6, 1)


def busy_day(net):
    """Everything circulation writes: loans, returns with fines, renewals, a loss, holds on the
    shelf and in transit, a transit home."""
    adult, child = make_patron(net.org_a), make_patron(net.org_a, birth_date=CHILD)
    waiting_here = make_patron(net.org_a, birth_date=CHILD)
    waiting_there = make_patron(net.org_b, birth_date=CHILD, postcode="3811 AB")
    record = make_record(title="Gewild")
    wanted = [make_item(net.a1, record) for _ in range(2)]
    late, renewed, lost = (make_item(net.a1) for _ in range(3))
    away = make_item(net.a2)
    for item in (late, renewed, lost, *wanted):
        circ.checkout(
            item_barcode=item.barcode, card_number=adult.card_number, branch=net.a1, at=T0
        )
    circ.checkout(item_barcode=away.barcode, card_number=child.card_number, branch=net.a2, at=T0)
    for patron, pickup in ((waiting_here, net.a1), (waiting_there, net.b1)):
        circ.place_hold(card_number=patron.card_number, record=record, pickup_branch=pickup, at=T0)
    later = T0 + timedelta(days=30)
    circ.renew(item_barcode=renewed.barcode, at=T0 + timedelta(days=2))
    circ.checkin(item_barcode=late.barcode, branch=net.a1, at=later)  # fined
    circ.mark_lost(item_barcode=lost.barcode, at=later)
    for item in wanted:  # one to the hold shelf here, one in transit to Amersfoort
        circ.checkin(item_barcode=item.barcode, branch=net.a1, at=later)
    circ.checkin(item_barcode=away.barcode, branch=net.a1, at=later)  # returned elsewhere
    return dict(late=late, renewed=renewed, lost=lost, wanted=wanted, away=away)


def names(found):
    return {v.check for v in found}


def test_data_written_by_the_services_keeps_every_invariant(net):
    busy_day(net)
    assert LedgerLine.objects.filter(kind=LedgerKind.FINE).exists()
    assert Transit.objects.filter(received_at__isnull=True).count() == 2
    assert invariants.check() == []
    call_command("invariants")  # exit status 0


def test_each_broken_invariant_is_named(net):
    items = busy_day(net)
    Item.objects.filter(pk=items["renewed"].pk).update(status=ItemStatus.AVAILABLE)
    Loan.objects.filter(item=items["late"]).update(returned_at=T0 - timedelta(days=1))
    Transit.objects.filter(item=items["away"]).update(received_at=T0 + timedelta(days=31))
    Hold.objects.filter(status="ready").update(status="waiting", captured_item=None)
    CirculationEvent.objects.filter(action="renew").delete()
    PlaceTally.objects.filter(action="checkout").update(n=99)
    LedgerLine.objects.filter(kind=LedgerKind.FINE).update(created_at=T0)
    found = invariants.check()
    assert names(found) == {
        "status en uitleningen",
        "uitlening eindigt na begin",
        "status en transporten",
        "status en reserveringen",
        "gebeurtenissen en tellingen",
        "uitleningen en gebeurtenissen",
        "financiële regels en handelingen",
    }
    shown = "\n".join(map(str, found))
    assert f"exemplaar {items['renewed'].barcode}: open uitlening maar status available" in shown
    assert f"exemplaar {items['away'].barcode}: onderweg zonder open transport" in shown
    with pytest.raises(CommandError, match="7 van 9 controles mislukt"):
        call_command("invariants")
