"""Money and dates in Dutch form on every page and slip: `€ 1,25` and `2 dec. 2026`, from one
formatting module (issue 11, item 10)."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from clb import formatting
from clb.circulation import services as circ
from clb.members import services as members
from tests.factories import make_item, make_patron, make_record
from tests.web.conftest import CHILD, page

pytestmark = pytest.mark.django_db

SHORT = ["jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov."]
SHORT.append("dec.")
NUMERIC_DATE = re.compile(r"\b\d{1,2}[-/]\d{1,2}[-/]\d{4}\b|\b\d{4}-\d{2}-\d{2}\b")


def dutch(day: date) -> str:
    """The expected Dutch form, written out here independently of clb.formatting."""
    return f"{day.day} {SHORT[day.month - 1]} {day.year}"


def test_money_and_dates_in_dutch_and_english():
    assert formatting.money(Decimal("1.25")) == "€\u00a01,25"
    assert formatting.money("1234.5") == "€\u00a01.234,50"
    assert formatting.money(None) == ""
    assert formatting.day(date(2026, 12, 2)) == "2 dec. 2026"
    assert formatting.day(date(2026, 5, 1)) == "1 mei 2026"
    # A moment is shown in Dutch local time: 23:30 UTC on 2 December is 3 December 00:30.
    late = datetime(2026, 12, 2, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert formatting.day(late) == "3 dec. 2026"
    assert formatting.moment(late) == "3 dec. 2026 00:30"
    with translation.override("en"):
        assert formatting.money(Decimal("1234.5")) == "€\u00a01,234.50"
        assert formatting.day(date(2026, 12, 2)) == "2 Dec 2026"


@pytest.fixture
def lent(net, patron_a, earlier):
    """A loan due in the future and a fee: what desk, Mijn and catalogue show with dates."""
    item = make_item(net.a1, make_record(title="Het diner"))
    # Lent a few days ago, so renewing it today gains days (a same-day renewal gains none).
    circ.checkout(
        item_barcode=item.barcode,
        card_number=patron_a.card_number,
        branch=net.a1,
        at=timezone.now() - timedelta(days=5),
    )
    members.charge(patron_a, net.org_a, "fine", Decimal("1.25"), description="te laat")
    loan = patron_a.loans.get()
    return item, timezone.localdate(loan.due_at)


def no_numeric_dates(html: str, where: str) -> None:
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>", " ", html, flags=re.S)
    assert not NUMERIC_DATE.search(text), (where, NUMERIC_DATE.search(text).group())


def test_desk_pages_and_slip_show_dutch_dates_and_money(desk, net, patron_a, lent):
    item, due = lent
    desk.post("/balie/", {"card_number": patron_a.card_number})  # the patron at the desk
    html = page(desk.get(f"/balie/lener/{patron_a.pk}/"))
    assert dutch(due) in html and "€\u00a01,25" in html
    assert dutch(patron_a.birth_date) in html
    no_numeric_dates(html, "patron page")
    html = page(desk.get(f"/balie/exemplaar/{item.barcode}/"))
    assert f"tot {dutch(due)}" in html
    no_numeric_dates(html, "item page")
    desk.post("/balie/innemen/", {"item_barcode": item.barcode})
    html = page(desk.get("/balie/innemen/bon/1/"))
    assert dutch(timezone.localdate()) in html
    no_numeric_dates(html, "slip")


def test_renewal_message_shows_the_date_in_dutch(desk, net, patron_a, lent):
    item, _due = lent
    response = desk.post(
        f"/balie/lener/{patron_a.pk}/verlengen/", {"item_barcode": item.barcode}, follow=True
    )
    loan = patron_a.loans.get()
    html = page(response)
    assert f"Verlengd tot {dutch(timezone.localdate(loan.due_at))}." in html


def test_mine_and_catalogue_show_dutch_dates(client, net, patron_a, lent):
    item, due = lent
    html = page(client.get(f"/titel/{item.record.pk}/"))
    assert f"uitgeleend tot {dutch(due)}" in html
    no_numeric_dates(html, "record")
    client.post("/mijn/inloggen/", {"card_number": patron_a.card_number, "pin": "1234"})
    html = page(client.get("/mijn/"))
    assert dutch(due) in html and "€\u00a01,25" in html
    no_numeric_dates(html, "mijn")
    html = page(client.get("/mijn/gegevens/"))
    assert dutch(patron_a.birth_date) in html
    no_numeric_dates(html, "mijn gegevens")


def test_a_fee_block_names_its_amounts_in_dutch(net, earlier):
    patron = make_patron(net.org_a, at=earlier)
    members.charge(patron, net.org_a, "fine", Decimal("12.5"), at=earlier)
    blocks = members.borrowing_blocks(patron, net.org_a, timezone.localdate())
    assert [b.message for b in blocks] == [
        "Openstaand bedrag €\u00a012,50 is hoger dan €\u00a010,00."
    ]


def test_hold_shelf_and_audit_log_show_dutch_dates(desk, net, admin_a, earlier):
    kid = make_patron(net.org_a, at=earlier, birth_date=CHILD)
    item = make_item(net.a1, make_record(title="Pluk van de Petteflet"))
    circ.place_hold(card_number=kid.card_number, record=item.record, pickup_branch=net.a1)
    html = page(desk.get("/balie/reserveringsplank/"))
    assert dutch(timezone.localdate()) in html
    no_numeric_dates(html, "hold shelf")
    desk.post("/balie/", {"card_number": kid.card_number})
    desk.force_login(admin_a)
    html = page(desk.get("/balie/logboek/"))
    assert dutch(timezone.localdate()) in html
    no_numeric_dates(html, "audit log")
