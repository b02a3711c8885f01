"""A GET at the desk changes nothing (issue 12 item 13): opening a patron starts a desk transaction
and writes the audit log, so it is a POST (the open button, or scanning the card); the patron's
pages read. A link, a prefetch or another site's <img src> cannot open a patron at a desk."""

import pytest

from clb.circulation import services as circulation
from clb.members.models import LedgerLine
from clb.web.models import AuditAction, AuditEntry
from tests.factories import make_item, make_record
from tests.web.conftest import page

pytestmark = pytest.mark.django_db


def patron_pages(patron, net) -> list[str]:
    """Every desk page of one patron that a GET may ask for (the confirmation pages too)."""
    record = make_record("Het diner")
    make_item(net.a1, record)
    hold = circulation.place_hold(
        card_number=patron.card_number, record=record, pickup_branch=net.a1
    ).hold
    paid = LedgerLine.objects.filter(patron=patron, organisation=net.org_a, amount__lt=0).first()
    base = f"/balie/lener/{patron.pk}/"
    return [
        base,
        base + "betalen/",
        base + "pincode/",
        base + "gegevens/",
        base + "lidmaatschap/",
        base + f"kwitantie/{paid.pk}/",
        base + f"reserveringen/{hold.pk}/annuleren/",
    ]


def test_get_on_a_patrons_pages_opens_nothing_and_logs_nothing(desk, net, patron_a):
    for url in patron_pages(patron_a, net):
        response = desk.get(url)
        assert response.status_code == 200, url
        html = page(response)
        assert "Lener openen" in html and "Utrechts" in html  # whom the button opens
        assert "17 mei 1980" not in html and patron_a.card_number not in html, url
    assert not AuditEntry.objects.exists()
    assert "clb_desk" not in desk.session


def test_the_open_button_opens_and_logs_once_then_pages_read(desk, net, patron_a):
    pages = patron_pages(patron_a, net)
    base = f"/balie/lener/{patron_a.pk}/"
    response = desk.post(base)
    assert response.status_code == 302 and response.url == base
    assert desk.session["clb_desk"]["patron"] == patron_a.pk
    entry = AuditEntry.objects.get()
    assert entry.action == AuditAction.OPENED and entry.patron == patron_a
    for url in pages:
        response = desk.get(url)
        # The membership page may refuse (renewing opens a month before expiry): on the page.
        assert response.status_code in (200, 422), url
        assert "Lener openen" not in page(response), url
    assert "Uitleningen" in page(desk.get(base))
    assert AuditEntry.objects.count() == 1  # reading the open patron's pages adds nothing


def test_search_results_open_by_post(desk, patron_a):
    html = page(desk.get("/balie/zoeken/", {"q": "Utrechts"}))
    form = html.split(f'action="/balie/lener/{patron_a.pk}/"')[0].rsplit("<form", 1)[1]
    assert 'method="post"' in form
    assert f'href="/balie/lener/{patron_a.pk}/"' not in html
