"""Whatever a kiosk sends, the server answers sensibly or hangs up, logs it, and other kiosks
carry on. Bytes are sent exactly as written here, by a raw client."""

import logging
import os
import shutil
import socket
import ssl
import subprocess
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clb.members import services as members
from clb.members.models import LedgerKind, LedgerLine
from clb.selfservice.server import tls_context
from clb.selfservice.sip2 import dispatch, spec
from tests.factories import make_item, make_patron, make_record

from .conftest import (
    DATE,
    KIOSK_PASSWORD,
    RawClient,
    make_kiosk,
    spec_checksum,
    start_server,
    stop_server,
)

STATUS = "9900802.00"


def valid(answer: str) -> bool:
    """Framed as the protocol says: AY echoed (except 96) and a checksum that adds up."""
    data = answer.encode()
    return data[-6:-4] == b"AZ" and spec_checksum(data[:-4]) == answer[-4:]


# --- login first ------------------------------------------------------------------------------


def test_only_login_and_status_before_login(raw, net, caplog):
    item = make_item(net.a1)
    assert raw.send(STATUS).startswith("98")
    raw.send_raw(raw.frame(f"09N{DATE}{DATE}APx|AO|AB{item.barcode}|"))
    assert raw.login().startswith("941")  # the checkin got no answer; the login does
    assert "message 09 before login, not answered" in caplog.text
    assert raw.send(f"09N{DATE}{DATE}APx|AO|AB{item.barcode}|").startswith("101")


def test_unanswered_messages_end_the_connection(raw, caplog):
    for _ in range(5):
        raw.send_raw(raw.frame(f"17{DATE}AO|ABx|"))
    assert raw.closed_by_server()
    assert "5 unusable messages in a row" in caplog.text


def test_three_failed_logins_end_the_connection(raw, caplog):
    for _ in range(3):
        assert raw.login(password="geraden-wachtwoord").startswith("940")
    assert raw.closed_by_server()
    assert "3 failed logins" in caplog.text and "geraden" not in caplog.text


# --- error detection --------------------------------------------------------------------------


def test_every_answer_echoes_the_sequence_number_with_a_valid_checksum(raw):
    raw.login()
    for _ in range(12):  # sequence numbers wrap from 9 to 0
        answer = raw.send(STATUS)
        assert answer.startswith("98") and f"AY{raw.seq}AZ" in answer and valid(answer)
    plain = raw.send(STATUS, error_detection=False)
    assert plain.startswith("98") and "AY0AZ" in plain and valid(plain)


def test_bad_checksum_gets_96_and_97_repeats_the_last_answer(raw, caplog):
    login = raw.login()
    damaged = raw.frame(STATUS)[:-5] + b"0000\r"
    raw.send_raw(damaged)
    assert raw.receive() == "96AZFEF6"  # a checksum but, as the protocol says, no sequence
    assert "controlegetal (AZ) klopt niet" in caplog.text
    raw.send_raw(b"97AZ" + spec_checksum(b"97AZ").encode() + b"\r")
    assert raw.receive() == login  # the last real answer, byte for byte
    assert raw.send(STATUS).startswith("98")


def test_97_before_anything_was_answered_asks_for_a_resend(raw):
    assert raw.send("97", error_detection=False) == "96AZFEF6"


def test_a_repeated_message_is_answered_again_but_not_done_twice(raw, net, caplog):
    """A kiosk that missed the answer to a payment sends the same message, same sequence number,
    again. Paying twice would be wrong; the answer is repeated instead."""
    patron = make_patron(net.org_a, paid=False)
    owed = members.balance(patron)
    raw.login()
    payment = raw.frame(f"37{DATE}0100EURBV5.00|AO|AA{patron.card_number}|AD1234|BKkassa-1|")
    raw.send_raw(payment)
    first = raw.receive()
    raw.send_raw(payment)
    assert raw.receive() == first and first.startswith("38Y")
    assert members.balance(patron) == owed - Decimal("5.00")
    assert "message 37 repeated, answer repeated" in caplog.text
    # The same payment with a new sequence number is a new payment.
    assert raw.send(
        f"37{DATE}0100EURBV5.00|AO|AA{patron.card_number}|AD1234|BKkassa-2|"
    ).startswith("38Y")
    assert LedgerLine.objects.filter(patron=patron, kind=LedgerKind.PAYMENT).count() == 2


# --- malformed, unknown, oversized, binary, truncated -----------------------------------------


@pytest.mark.parametrize(
    "junk, logged",
    [
        (b"\x00\x01\x02\xff\xfe\r", "stuurteken 0x00"),
        (b"XX garbage\r", "berichtcode van twee cijfers"),
        (b"63000\r", "vast veld transaction_date onvolledig"),
        ("17é".encode("latin-1") + b"\r", "geen geldige utf-8"),
        (b"11Y" + b"|" * 5 + b"\r", "vast veld transaction_date onvolledig"),
        (b"9300CNzuil|COgeheim-42|AY1AZ0000\r", "controlegetal"),
    ],
)
def test_damaged_messages_get_96_are_logged_and_the_session_goes_on(raw, junk, logged, caplog):
    raw.login()
    raw.send_raw(junk)
    assert raw.receive() == "96AZFEF6"
    assert logged in caplog.text and "geheim" not in caplog.text
    assert raw.send(STATUS).startswith("98")


def test_unknown_message_codes_are_ignored(raw, caplog):
    raw.login()
    raw.send_raw(raw.frame("42something new|"))
    assert raw.send(STATUS).startswith("98")  # the first answer that comes back is this one
    assert "onbekende berichtcode 42, not answered" in caplog.text


def test_oversized_message_closes_only_that_connection(sip_server, raw, caplog):
    other = RawClient(sip_server.port)
    other.login()
    raw.send_raw(b"99" + b"A" * 10_000)
    assert raw.closed_by_server()
    assert "message longer than 4096 bytes" in caplog.text
    assert other.send(STATUS).startswith("98")
    other.close()


def test_connection_dropped_mid_message_is_logged(sip_server, caplog):
    client = RawClient(sip_server.port)
    client.login()
    client.send_raw(b"23000" + DATE.encode() + b"AOx|AA2123|AD9876")
    client.sock.shutdown(socket.SHUT_WR)
    assert client.closed_by_server()
    assert "closed in the middle of a message" in caplog.text and "9876" not in caplog.text
    client.close()


def test_a_failing_handler_costs_one_refusal_not_the_session(raw, monkeypatch, caplog):
    def broken(ctx):
        raise RuntimeError("bug in a handler")

    monkeypatch.setitem(dispatch.HANDLERS, "17", broken)
    raw.login()
    answer = raw.send(f"17{DATE}AO|AB3001|")
    assert answer.startswith("18010001") and valid(answer)  # circulation status "other"
    assert "AFDit lukt nu niet." in answer
    assert "RuntimeError: bug in a handler" in caplog.text
    assert raw.send(STATUS).startswith("98")


# --- connections ------------------------------------------------------------------------------


def test_idle_connection_times_out(transactional_db, net, kiosk, caplog):
    server, loop, thread = start_server(idle_timeout=0.5)
    try:
        client = RawClient(server.port)
        client.login()
        # The server measures the idle time: the read below returns when it hangs up.
        assert client.closed_by_server()
        assert "idle for 0.5 s" in caplog.text
        client.close()
    finally:
        stop_server(server, loop, thread)


def test_too_many_sessions_are_refused(transactional_db, net, kiosk, caplog):
    server, loop, thread = start_server(max_sessions=1)
    try:
        first = RawClient(server.port)
        assert first.login().startswith("941")
        second = RawClient(server.port)
        assert second.closed_by_server()
        assert "refused, 1 sessions open" in caplog.text
        assert first.send(STATUS).startswith("98")
        first.close()
        second.close()
    finally:
        stop_server(server, loop, thread)


def test_an_account_switched_off_stops_working_without_a_reconnect(
    transactional_db, net, kiosk, caplog
):
    server, loop, thread = start_server(account_recheck=0)
    try:
        client = RawClient(server.port)
        client.login()
        assert client.send(f"17{DATE}AO|AB3001|").startswith("18")
        kiosk.active = False
        kiosk.save()
        client.send_raw(client.frame(f"17{DATE}AO|AB3001|"))
        status = client.send(STATUS)  # the first answer after the lookup that got none
        assert status.startswith("98YNN")  # online, but no checkin or checkout
        assert "zuil-centrale-1): account switched off, logged out" in caplog.text
        client.close()
    finally:
        stop_server(server, loop, thread)


@pytest.fixture
def certificate(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_tls(transactional_db, net, kiosk, certificate):
    cert, key = certificate
    server, loop, thread = start_server(ssl_context=tls_context(str(cert), str(key)))
    try:
        verified = ssl.create_default_context(cafile=str(cert))
        client = RawClient(
            server.port, wrap=lambda s: verified.wrap_socket(s, server_hostname="localhost")
        )
        assert client.login().startswith("941")
        assert client.send(STATUS).startswith("98")
        client.close()
        plain = RawClient(server.port, timeout=5)  # a plain-text kiosk cannot talk to a TLS port
        plain.send_raw(f"9300CNzuil-centrale-1|CO{KIOSK_PASSWORD}|\r".encode())
        assert plain.closed_by_server()
        plain.close()
    finally:
        stop_server(server, loop, thread)


def test_each_kiosk_speaks_its_own_charset(sip_server, net):
    make_kiosk(net.a2, login="zuil-cp850", charset="cp850")
    make_item(net.a2, make_record(title="Één café"), barcode="CAFE1")
    cp850 = RawClient(sip_server.port, charset="cp850")
    assert cp850.login("zuil-cp850").startswith("941")
    cp850.send_raw(cp850.frame(f"17{DATE}AO|ABCAFE1|"))
    data = cp850.receive_bytes()
    assert "AJÉén café|".encode("cp850") in data
    assert spec_checksum(data[:-4]) == data[-4:].decode()
    utf8 = RawClient(sip_server.port)
    utf8.login()
    assert "AJÉén café|" in utf8.send(f"17{DATE}AO|ABCAFE1|")
    cp850.close()
    utf8.close()


# --- property-based: the server loop ----------------------------------------------------------

TAGS = ["AA", "AB", "AC", "AD", "AJ", "AL", "AO", "AP", "BI", "BK", "BO", "BP", "BQ", "BS", "BV",
        "BW", "BY", "CG", "CH", "CN", "CO", "CP", "AY", "AZ"]  # fmt: skip
any_text = st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=0x24F), max_size=60)


@st.composite
def well_formed(draw) -> bytes:
    """A message with the right code and fixed-field widths but any values: it reaches the
    handlers, which must turn whatever it says into a valid answer."""
    code = draw(st.sampled_from(sorted(spec.REQUEST_LAYOUT)))
    fixed = "".join(
        draw(st.text(alphabet="0123456789YN+-* Z", min_size=width, max_size=width))
        for _name, width in spec.REQUEST_LAYOUT[code]
    )
    fields = "".join(
        f"{tag}{value.replace('|', '')}|"
        for tag, value in draw(st.lists(st.tuples(st.sampled_from(TAGS), any_text), max_size=6))
    )
    data = f"{code}{fixed}{fields}AY{draw(st.sampled_from('0123456789'))}AZ".encode()
    return data + spec_checksum(data).encode()


junk_or_messages = st.lists(
    st.one_of(
        st.binary(max_size=300),
        st.builds(
            lambda code, body, seq: f"{code}{body}AY{seq}AZ",
            st.sampled_from(sorted(spec.REQUEST_LAYOUT)),
            any_text,
            st.sampled_from("0123456789x"),
        ).map(lambda m: m.encode("utf-8") + spec_checksum(m.encode("utf-8")).encode()),
        well_formed(),
        well_formed(),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=int(os.environ.get("CLB_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(messages=junk_or_messages, logged_in=st.booleans())
def test_fuzzed_sessions_get_valid_answers_and_never_disturb_others(
    sip_server, caplog, messages, logged_in
):
    """Random bytes and random messages with random fields, logged in or not: every answer is a
    validly framed SIP2 message, no handler fails on what it is given, and a kiosk that behaves
    keeps being served."""
    bystander = RawClient(sip_server.port)
    assert bystander.login().startswith("941")
    fuzzer = RawClient(sip_server.port)
    try:
        if logged_in:
            assert fuzzer.login().startswith("941")
        try:
            for message in messages:
                fuzzer.send_raw(message.replace(b"\r", b"") + b"\r")
            fuzzer.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may hang up on a fuzzer: that is allowed
        answers = []
        try:
            while True:
                answers.append(fuzzer.receive_bytes())
        except (ConnectionError, OSError):
            pass
        for answer in answers:
            assert answer[:2].isdigit() and answer[-6:-4] == b"AZ"
            assert spec_checksum(answer[:-4]) == answer[-4:].decode()
            assert answer[:2].decode() in set(spec.RESPONSE_LAYOUT)
    finally:
        fuzzer.close()
    assert bystander.send(STATUS).startswith("98")
    bystander.close()
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures
