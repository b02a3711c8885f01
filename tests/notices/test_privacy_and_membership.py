"""A notice's content lives as long as the loan link: after the retention period it keeps no text,
address or link (unless the member keeps reading history). A membership about to end is told once,
and not at all once renewed before the notice goes out."""

from datetime import timedelta

import pytest

from clb.circulation import services as circ
from clb.members import services as members
from clb.notices import privacy, queueing, sending
from clb.notices.models import Kind, Notice, NoticeLoan, State
from tests.factories import T0

from .conftest import copies, member

pytestmark = pytest.mark.django_db


def test_old_notices_lose_their_content_unless_history_is_kept(net, settings, mailoutbox):
    settings.CLB_RETENTION_DAYS = 30
    anna = member(net.org_a, email="anna@example.nl")
    keeper = member(net.org_a, email="kees@example.nl", keep_history=True)
    for who, title in ((anna, "Vergeten"), (keeper, "Bewaard")):
        [copy] = copies(net.a1, title)
        circ.checkout(item_barcode=copy.barcode, card_number=who.card_number, branch=net.a1, at=T0)
    at = T0 + timedelta(days=19)
    queueing.queue_pre_due(at)
    sending.send_pending(at)
    assert privacy.erase_old_content(at + timedelta(days=29)) == 0  # not yet
    assert privacy.erase_old_content(at + timedelta(days=31)) == 1
    erased = Notice.objects.get(patron=anna)
    assert erased.content_erased and (erased.subject, erased.body, erased.to_address) == (
        "",
        "",
        "",
    )
    assert not NoticeLoan.objects.filter(notice=erased).exists()
    assert erased.state == State.SENT and erased.kind == Kind.PRE_DUE  # the fact stays
    kept = Notice.objects.get(patron=keeper)
    assert "Bewaard" in kept.body and kept.loan_links.exists()


def test_membership_ending_is_told_once_and_not_after_renewal(net, mailoutbox):
    anna = member(net.org_a, email="anna@example.nl")
    bob = member(net.org_a, email="bob@example.nl")
    ends = anna.memberships.get().expires_on
    at = T0.replace(year=ends.year, month=ends.month, day=ends.day) - timedelta(days=10)
    assert queueing.queue_membership_ending(at) == 2
    assert queueing.queue_membership_ending(at) == 0
    members.renew_membership(bob, net.org_a, at=at)  # renewed before the notice went out
    sending.send_pending(at)
    assert [m.to for m in mailoutbox] == [["anna@example.nl"]]
    assert Notice.objects.get(patron=bob).state == State.CANCELLED
    assert "loopt af op" in mailoutbox[0].subject
