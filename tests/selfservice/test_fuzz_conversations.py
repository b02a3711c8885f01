"""Property-based kiosk conversations (hypothesis): random sequences of well-formed messages about
real cards and items, with random flags, dates, PINs, amounts and pickup points, plus some that
name nothing real. Whatever the sequence, every answer is a valid SIP2 message, no handler fails,
and the circulation data stays consistent: a copy is on loan exactly when it has an open loan."""

import logging
import os
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from clb.catalogue.models import Item, ItemStatus
from clb.circulation.models import Loan
from tests.factories import make_item, make_patron, make_record

from .conftest import RawClient, spec_checksum


@pytest.fixture
def world(sip_server, net):
    record = make_record(title="Gedeelde titel")
    patrons = [
        (make_patron(net.org_a, birth_date=date(2014, 1, 1), pin="1111"), "1111"),
        (make_patron(net.org_a, pin="2222"), "2222"),
        (make_patron(net.org_a, paid=False, pin="3333"), "3333"),  # owes: may pay, not borrow
        (make_patron(net.org_b, pin="4444", postcode="3811 AB"), "4444"),
    ]
    items = [
        make_item(net.a1, record),
        make_item(net.a1, record),
        make_item(net.a2),
        make_item(net.b1),
    ]
    return {
        "patrons": [(p.card_number, pin) for p, pin in patrons] + [("00000000000000", "0000")],
        "barcodes": [i.barcode for i in items] + ["onbekend"],
        "branches": [net.a1.code, net.a2.code, net.b1.code, "nergens"],
    }


dates = st.sampled_from(["20260303    100000", "20260301    080000", "20270101    000000", " " * 18, "2026xx01    zzzzzz"])  # fmt: skip
flags = st.sampled_from("YN")


@st.composite
def kiosk_message(draw, world) -> str:
    card, right_pin = draw(st.sampled_from(world["patrons"]))
    barcode = draw(st.sampled_from(world["barcodes"]))
    # Mostly no PIN or the right one; now and then an empty field or a wrong one.
    pin = draw(st.sampled_from([None, None, right_pin, right_pin, "", "9999"]))
    pin_field = "" if pin is None else f"AD{pin}|"
    d = draw(dates)
    kind = draw(st.sampled_from(["11", "09", "29", "65", "15", "37", "63", "23", "25", "35", "17"]))
    if kind == "11":
        return f"11{draw(flags)}{draw(flags)}{d}{d}AO|AA{card}|AB{barcode}|AC|{pin_field}"
    if kind == "09":
        return f"09{draw(flags)}{d}{d}APx|AO|AB{barcode}|AC|"
    if kind == "29":
        return f"29N{draw(flags)}{d}{d}AO|AA{card}|AB{barcode}|{pin_field}"
    if kind == "65":
        return f"65{d}AO|AA{card}|{pin_field}"
    if kind == "15":
        mode = draw(st.sampled_from("+-*"))
        pickup = draw(st.sampled_from(world["branches"]))
        hold_type = draw(st.sampled_from("1234"))
        return f"15{mode}{d}BS{pickup}|BY{hold_type}|AO|AA{card}|AB{barcode}|{pin_field}"
    if kind == "37":
        amount = draw(st.sampled_from(["0.50", "7,50", "-1.00", "0", "999", "NaN", "", "1e2"]))
        currency = draw(st.sampled_from(["EUR", "USD", "   "]))
        return f"37{d}0100{currency}BV{amount}|AO|AA{card}|{pin_field}"
    if kind == "63":
        summary = draw(st.text(alphabet="Y ", min_size=10, max_size=10))
        start, end = draw(st.integers(0, 5)), draw(st.integers(0, 5))
        return f"63005{d}{summary}AO|AA{card}|{pin_field}BP{start}|BQ{end}|"
    if kind in ("23",):
        return f"23005{d}AO|AA{card}|AC|{pin_field}"
    if kind == "17":
        return f"17{d}AO|AB{barcode}|"
    return f"{kind}{d}AO|AA{card}|{pin_field}"


@settings(
    max_examples=int(os.environ.get("CLB_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_conversations_keep_answers_valid_and_data_consistent(
    sip_server, server_clock, world, caplog, data
):
    server_clock.at += timedelta(minutes=20)  # PIN lockouts of earlier examples run out
    messages = data.draw(st.lists(kiosk_message(world), min_size=1, max_size=8))
    client = RawClient(sip_server.port)
    assert client.login().startswith("941")
    for message in messages:
        answer = client.send(message).encode()
        assert answer[:2] == b"%02d" % (int(message[:2]) + 1)
        assert spec_checksum(answer[:-4]) == answer[-4:].decode()
        event(f"answer {answer[:3].decode()}")  # --hypothesis-show-statistics: what was reached
    client.close()
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures
    on_loan = set(Loan.objects.filter(returned_at__isnull=True).values_list("item_id", flat=True))
    marked = set(Item.objects.filter(status=ItemStatus.ON_LOAN).values_list("id", flat=True))
    assert on_loan == marked
