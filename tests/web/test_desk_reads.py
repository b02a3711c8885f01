"""A GET at the desk changes nothing (issue 12 item 13): opening a patron starts a desk transaction
and writes the audit log, so it is a POST (the open button, or scanning the card); the patron's
pages read. A link, a prefetch or another site's <img src> cannot open a patron at a desk."""

import pytest

from clb.web.models import AuditAction, AuditEntry
from tests.web.conftest import page

pytestmark = pytest.mark.django_db


def test_get_on_a_patrons_pages_opens_nothing_and_logs_nothing(desk, patron_a):
    base = f"/balie/lener/{patron_a.pk}/"
    for url in (base, base + "betalen/", base + "pincode/"):
        response = desk.get(url)
        assert response.status_code == 200, url
        html = page(response)
        assert "Lener openen" in html and "Utrechts" in html  # whom the button opens
        assert "17-05-1980" not in html and patron_a.card_number not in html, url
    assert not AuditEntry.objects.exists()
    assert "clb_desk" not in desk.session


def test_the_open_button_opens_and_logs_once_then_pages_read(desk, patron_a):
    base = f"/balie/lener/{patron_a.pk}/"
    response = desk.post(base)
    assert response.status_code == 302 and response.url == base
    assert desk.session["clb_desk"]["patron"] == patron_a.pk
    entry = AuditEntry.objects.get()
    assert entry.action == AuditAction.OPENED and entry.patron == patron_a
    for url in (base, base + "betalen/", base + "pincode/"):
        assert desk.get(url).status_code == 200
    assert "Uitleningen" in page(desk.get(base))
    assert AuditEntry.objects.count() == 1  # reading the open patron's pages adds nothing


def test_search_results_open_by_post(desk, patron_a):
    html = page(desk.get("/balie/zoeken/", {"q": "Utrechts"}))
    form = html.split(f'action="/balie/lener/{patron_a.pk}/"')[0].rsplit("<form", 1)[1]
    assert 'method="post"' in form
    assert f'href="/balie/lener/{patron_a.pk}/"' not in html
