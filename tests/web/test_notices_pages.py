"""Notices on the pages: Mijn Bibliotheek shows a member's notices and keeps their choices
(language, kinds switched off); the desk sees every notice of a member and resends one; a branch
prints the letters of members without e-mail, and only those still true."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clb.circulation import services as circ
from clb.notices import jobs, queueing
from clb.notices.models import Channel, Kind, MemberSettings, Notice, OptOut, State
from tests.factories import make_item, make_patron, make_record

from .test_mine import login

pytestmark = pytest.mark.django_db


def lent(net, patron, title, days_ago):
    copy = make_item(net.a1, make_record(title=title))
    circ.checkout(
        item_barcode=copy.barcode,
        card_number=patron.card_number,
        branch=net.a1,
        at=timezone.now() - timedelta(days=days_ago),
    )
    return copy


def test_mijn_bibliotheek_keeps_the_members_choices(client, net, patron_a, mailoutbox):
    patron_a.email = "anna@example.nl"
    patron_a.save()
    assert login(client, patron_a).status_code == 302
    page = client.get("/mijn/berichten/").content.decode()
    assert "Welke berichten wilt u?" in page and "Nog geen berichten." in page
    wanted = {"language": "en", "want_renewed": "1", "want_hold_expired": "1"}
    assert client.post("/mijn/berichten/", wanted).status_code == 302
    assert MemberSettings.objects.get(patron=patron_a).language == "en"
    assert set(OptOut.objects.filter(patron=patron_a).values_list("kind", flat=True)) == {
        Kind.PRE_DUE, Kind.MEMBERSHIP_ENDING, Kind.FEE_CHARGED,
    }  # fmt: skip
    lent(net, patron_a, "Uitgezet", days_ago=19)  # due in two days: pre-due is off
    lent(net, patron_a, "Te laat", days_ago=30)  # overdue notices cannot be switched off
    jobs.run_due()
    assert list(Notice.objects.filter(patron=patron_a).values_list("kind", "language")) == [
        (Kind.OVERDUE, "en")
    ]
    assert [m.subject for m in mailoutbox] == ["Reminder: items overdue"]
    page = client.get("/mijn/berichten/").content.decode()
    assert "Reminder: items overdue" in page and "Te laat" in page
    bad = client.post("/mijn/berichten/", {"language": "xx"}, follow=True).content.decode()
    assert "Kies Nederlands of Engels." in bad
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/mijn/berichten/").content.decode()
    assert "Which notices do you want?" in english and "Notices received" in english


def test_the_desk_sees_a_members_notices_and_resends_one(desk, net, patron_a):
    patron_a.email = "anna@example.nl"
    patron_a.save()
    lent(net, patron_a, "Te laat", days_ago=30)
    jobs.run_due()
    sent = Notice.objects.get(patron=patron_a)
    assert sent.state == State.SENT  # to the demo's file backend
    url = f"/balie/lener/{patron_a.pk}/berichten/"
    closed = desk.get(url).content.decode()  # not at the desk yet: opening is a POST
    assert "is niet aan de balie" in closed and "Aanmaning" not in closed
    assert desk.post(f"/balie/lener/{patron_a.pk}/").status_code == 302
    page = desk.get(url).content.decode()
    assert "Aanmaning: te laat ingeleverd" in page and "anna@example.nl" in page
    response = desk.post(f"/balie/lener/{patron_a.pk}/berichten/{sent.pk}/opnieuw/", follow=True)
    assert "Bericht opnieuw klaargezet (e-mail)." in response.content.decode()
    copy = Notice.objects.exclude(pk=sent.pk).get()
    assert (copy.resent_from, copy.state, copy.kind) == (sent, State.PENDING, Kind.OVERDUE)
    assert copy.message_id != sent.message_id
    # Staff of another organisation do not see this member's notices.
    other = make_patron(net.org_b, email="b@example.nl")
    assert desk.get(f"/balie/lener/{other.pk}/berichten/").status_code == 404


def test_a_branch_prints_the_letters_still_true(desk, net):
    eva = make_patron(net.org_a, first_name="Eva", street="Oudegracht 1", place="Utrecht")
    kept = lent(net, eva, "Nog weg", days_ago=30)
    back = lent(net, eva, "Al terug", days_ago=31)
    queueing.queue_overdue()
    assert Notice.objects.filter(channel=Channel.PRINT).count() == 1  # one digest
    circ.checkin(item_barcode=back.barcode, branch=net.a1)
    page = desk.get("/balie/brieven/").content.decode()
    assert "Nog weg" in page and "Al terug" not in page and "Oudegracht 1" in page
    notice = Notice.objects.get()
    junk = desk.post("/balie/brieven/", {"notice": ["²", "9" * 40, "-1"]})
    assert junk.status_code == 302 and Notice.objects.get().state == State.PENDING
    assert desk.post("/balie/brieven/", {"notice": [notice.pk]}).status_code == 302
    notice.refresh_from_db()
    assert notice.state == State.SENT and kept.barcode in notice.body
    assert "Geen brieven om af te drukken." in desk.get("/balie/brieven/").content.decode()


def test_a_card_scanned_at_a_foreign_desk_does_not_open_its_notices(client, net, patron_a):
    """Network lending allows lending and returning, nothing more: not the member's notices."""
    patron_a.email = "anna@example.nl"
    patron_a.save()
    lent(net, patron_a, "Te laat", days_ago=30)
    jobs.run_due()
    notice = Notice.objects.get(patron=patron_a)
    from .conftest import desk_user

    client.force_login(desk_user("balie-b", net.b1))
    assert client.post("/balie/", {"card_number": patron_a.card_number}).status_code == 302
    assert client.get(f"/balie/lener/{patron_a.pk}/").status_code == 200  # lending, yes
    refused = client.get(f"/balie/lener/{patron_a.pk}/berichten/")
    assert refused.status_code == 403 and "alleen lenen en inleveren" in refused.content.decode()
    resend = client.post(f"/balie/lener/{patron_a.pk}/berichten/{notice.pk}/opnieuw/")
    assert resend.status_code == 403 and Notice.objects.count() == 1
    page = client.get(f"/balie/lener/{patron_a.pk}/").content.decode()
    assert "Berichten aan dit lid" not in page
