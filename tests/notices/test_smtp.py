"""Notices through a real SMTP server (aiosmtpd on 127.0.0.1): the right recipient, subject,
language and items; retries with backoff against a failing server, then `failed`; a bounce
marks the address as failing and sends the next notice on paper; several connections at once
send each notice exactly once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clb.circulation import services as circ
from clb.circulation.models import Loan
from clb.notices import jobs, queueing, sending
from clb.notices.models import Channel, FailingAddress, Kind, Notice, State
from tests.factories import T0

from .conftest import copies, member

pytestmark = pytest.mark.django_db


def hold_ready_for(net, patron, title="De avonden"):
    """`patron` holds a title another member has; it comes back at a1 and is put aside."""
    [copy] = copies(net.a1, title)
    other = member(net.org_a)
    circ.checkout(item_barcode=copy.barcode, card_number=other.card_number, branch=net.a1, at=T0)
    circ.place_hold(card_number=patron.card_number, record=copy.record, pickup_branch=net.a1, at=T0)
    circ.checkin(item_barcode=copy.barcode, branch=net.a1, at=T0 + timedelta(days=2))
    return copy


def test_hold_ready_arrives_in_the_members_language(net, smtp):
    anna = member(net.org_a, email="anna@example.nl")
    john = member(net.org_a, email="john@example.org", language="en")
    hold_ready_for(net, anna, "De avonden")
    hold_ready_for(net, john, "Max Havelaar")
    jobs.run_due(T0 + timedelta(days=2, minutes=5))
    mails = {m.recipients[0]: m for m in smtp.handler.wait_for(2)}
    assert set(mails) == {"anna@example.nl", "john@example.org"}
    dutch, english = mails["anna@example.nl"], mails["john@example.org"]
    assert dutch.subject == "Uw reservering ligt klaar: De avonden"
    assert "Centrale Bibliotheek" in dutch.text and "tot en met 11 mrt. 2026" in dutch.text
    assert english.subject == "Your hold is ready: Max Havelaar"
    assert "Centrale Bibliotheek" in english.text and "until 11 Mar 2026" in english.text
    # The queue's row says so, with the Message-ID that went out.
    notice = Notice.objects.get(patron=john)
    assert notice.state == State.SENT and notice.tries == 1
    assert english.message_id == notice.message_id and notice.subject == english.subject
    # A second run finds nothing new to tell.
    jobs.run_due(T0 + timedelta(days=2, minutes=10))
    assert Notice.objects.count() == 2 and len(smtp.handler.received) == 2


def test_the_html_part_escapes_what_the_text_part_shows_as_is(net, smtp):
    anna = member(net.org_a, email="anna@example.nl")
    hold_ready_for(net, anna, "Jip & Janneke <3")
    jobs.run_due(T0 + timedelta(days=2, minutes=5))
    [mail] = smtp.handler.wait_for(1)
    assert "Jip & Janneke <3" in mail.text
    assert "Jip &amp; Janneke &lt;3" in mail.html and "<3" not in mail.html
    assert mail.message.get_boundary().startswith("===============clb")  # chosen by NoticeEmail


def test_a_failing_server_is_retried_with_backoff_then_the_notice_fails(net, smtp):
    anna = member(net.org_a, email="anna@example.nl")
    hold_ready_for(net, anna)
    smtp.handler.fail_data = "451 4.3.0 Probeer het later"
    at = T0 + timedelta(days=2, minutes=5)
    jobs.run_due(at)
    notice = Notice.objects.get()
    assert (notice.state, notice.tries) == (State.PENDING, 1)
    assert "451" in notice.last_error and notice.next_try_at == at + sending.BACKOFF[0]
    # Not before the backoff has passed ...
    assert sending.send_pending(at + sending.BACKOFF[0] - timedelta(seconds=1))["retry"] == 0
    # ... then each try waits longer, and after the last the notice has failed.
    for wait in sending.BACKOFF:
        at += wait
        sending.send_pending(at)
    notice.refresh_from_db()
    assert (notice.state, notice.tries) == (State.FAILED, sending.MAX_TRIES)
    assert smtp.handler.received == []


def test_a_server_back_in_time_delivers_once(net, smtp):
    anna = member(net.org_a, email="anna@example.nl")
    hold_ready_for(net, anna)
    smtp.handler.fail_data = "421 4.3.2 Even niet"
    at = T0 + timedelta(days=2, minutes=5)
    jobs.run_due(at)
    smtp.handler.fail_data = ""
    sending.send_pending(at + sending.BACKOFF[0])
    sending.send_pending(at + timedelta(days=1))
    [mail] = smtp.handler.wait_for(1)
    notice = Notice.objects.get()
    assert (notice.state, notice.tries, mail.message_id) == (State.SENT, 2, notice.message_id)


def test_a_bounce_marks_the_address_and_the_next_notice_goes_on_paper(net, smtp):
    anna = member(net.org_a, email="weg@example.nl")
    smtp.handler.refuse["weg@example.nl"] = "550 5.1.1 Onbekende gebruiker"
    hold_ready_for(net, anna, "De avonden")
    jobs.run_due(T0 + timedelta(days=2, minutes=5))
    notice = Notice.objects.get()
    assert notice.state == State.FAILED and "550" in notice.last_error and notice.tries == 1
    assert FailingAddress.objects.filter(address="weg@example.nl").exists()
    hold_ready_for(net, anna, "Max Havelaar")
    jobs.run_due(T0 + timedelta(days=2, minutes=10))
    second = Notice.objects.exclude(pk=notice.pk).get()
    assert (second.kind, second.channel, second.state) == (
        Kind.HOLD_READY,
        Channel.PRINT,
        State.PENDING,
    )
    assert smtp.handler.received == []


def test_the_statements_of_a_batch_do_not_grow_with_its_notices(net, smtp):
    """A batch costs the same few statements however many notices it holds: the sent marks are
    one UPDATE, the loans and titles of the digests are fetched together, not per notice."""
    at = T0 + timedelta(days=18)

    def statements_to_send(members: int) -> int:
        for n in range(members):
            patron = member(net.org_a, email=f"lid{members}.{n}@example.nl")
            for copy in copies(net.a1, f"Boek {members}.{n}a", f"Boek {members}.{n}b"):
                circ.checkout(
                    item_barcode=copy.barcode, card_number=patron.card_number, branch=net.a1, at=T0
                )
        assert queueing.queue_pre_due(at) == members
        with CaptureQueriesContext(connection) as queries:
            assert sending.send_pending(at)["sent"] == members
        return len(queries)

    assert statements_to_send(2) == statements_to_send(6)
    mails = smtp.handler.wait_for(8)
    notices = Notice.objects.all()
    assert {n.state for n in notices} == {State.SENT} and len(notices) == len(mails) == 8
    by_id = {m.message_id: m for m in mails}
    for notice in notices:  # each mark carries its own notice's text
        mail = by_id[notice.message_id]
        assert (notice.sent_at, notice.claimed_by, notice.tries) == (at, "", 1)
        assert mail.recipients == [notice.to_address] and notice.subject == mail.subject
        assert notice.body == mail.text.replace("\r\n", "\n") and notice.body.count("Boek") == 2


def test_several_connections_at_once_send_each_notice_exactly_once(net, smtp):
    """The server holds each message until three are being delivered together, which one
    connection cannot do: the notices go over three connections at once, each exactly once,
    over connections kept (three, not one per message); a notice no longer true and a bounce
    among them are not sent, and a second run sends nothing again."""
    at = T0 + timedelta(days=18)
    told = [member(net.org_a, email=f"lid{n}@example.nl") for n in range(12)]
    returned = member(net.org_a, email="terug@example.nl")
    gone = member(net.org_a, email="weg@example.nl")
    for n, patron in enumerate([*told, returned, gone]):
        for copy in copies(net.a1, f"Boek {n}a", f"Boek {n}b"):
            circ.checkout(
                item_barcode=copy.barcode, card_number=patron.card_number, branch=net.a1, at=T0
            )
    assert queueing.queue_pre_due(at) == 14
    for loan in Loan.objects.filter(patron=returned):  # back before the notice went out
        circ.checkin(item_barcode=loan.item.barcode, branch=net.a1, at=at)
    smtp.handler.refuse["weg@example.nl"] = "550 5.1.1 Onbekende gebruiker"
    smtp.handler.together = 3

    assert sending.send_pending(at, senders=3) == {
        "sent": 12,
        "retry": 0,
        "failed": 1,
        "cancelled": 1,
    }
    mails = smtp.handler.received
    assert sorted(m.recipients[0] for m in mails) == sorted(p.email for p in told)
    sent = Notice.objects.filter(state=State.SENT)
    assert sorted(m.message_id for m in mails) == sorted(n.message_id for n in sent)
    assert len({m.message_id for m in mails}) == len(sent) == 12
    assert len({m.peer for m in mails}) == 3
    assert Notice.objects.get(patron=returned).state == State.CANCELLED
    assert Notice.objects.get(patron=gone).state == State.FAILED
    assert {n.tries for n in sent} == {1} and {n.claimed_by for n in sent} == {""}

    assert sending.send_pending(at + timedelta(days=1), senders=3)["sent"] == 0
    assert len(smtp.handler.received) == 12


def test_a_mail_backend_that_cannot_be_made_is_raised_not_waited_for(net, smtp, settings):
    """The connections are made in the sending threads: a setting that cannot work reaches the
    worker as its error (the job run records it), instead of a thread dying and the worker
    waiting for its answer for ever. The notice is taken up again after the lease."""
    at = T0 + timedelta(days=18)
    patron = member(net.org_a, email="anna@example.nl")
    [copy] = copies(net.a1, "De avonden")
    circ.checkout(item_barcode=copy.barcode, card_number=patron.card_number, branch=net.a1, at=T0)
    assert queueing.queue_pre_due(at) == 1
    backend, settings.EMAIL_BACKEND = settings.EMAIL_BACKEND, "clb.no_such_module.EmailBackend"
    with pytest.raises(ImportError):
        sending.send_pending(at)
    assert Notice.objects.get().state == State.SENDING
    settings.EMAIL_BACKEND = backend
    assert sending.send_pending(at + sending.lease() + timedelta(seconds=1))["sent"] == 1
    [mail] = smtp.handler.wait_for(1)
    assert mail.message_id == Notice.objects.get(state=State.SENT).message_id
