"""Whatever a kiosk sends, the server answers sensibly or hangs up, and other kiosks carry on."""

import socket
import ssl
import subprocess
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clb.selfservice.sip2 import codec
from tests.factories import make_item, make_patron

from .conftest import RawClient, start_server, stop_server

DATE = "20260302    100000"


def test_only_login_and_status_before_login(sip_client, net):
    item = make_item(net.a1)
    assert sip_client.send("9900802.00").startswith("98")
    sip_client.send_raw(f"09N{DATE}{DATE}APx|AO{net.org_a.code}|AB{item.barcode}|\r".encode())
    assert sip_client.login().startswith("941")  # the checkin got no answer; the login does
    assert sip_client.send(f"09N{DATE}{DATE}APx|AO|AB{item.barcode}|").startswith("101")


def test_three_unanswered_messages_close_the_connection(sip_client):
    for _ in range(3):
        sip_client.send_raw(f"17{DATE}AO|ABx|\r".encode())
    with pytest.raises((ConnectionError, OSError)):
        sip_client.receive()


def test_bad_checksum_gets_96_and_resend_repeats_last_answer(sip_client):
    login = sip_client.login()
    assert login.startswith("941") and "AZ" in login
    broken = "9900802.00AY1AZ0000"
    assert sip_client.send(broken, checksum=False).startswith("96")
    assert sip_client.send("97", checksum=False) == login  # 97: the last real answer again
    status = sip_client.send("9900802.00")
    assert status.startswith("98")


def test_every_answer_carries_sequence_and_a_valid_checksum(sip_client):
    sip_client.login()
    answer = sip_client.send("9900802.00")
    assert f"AY{sip_client.seq}AZ" in answer
    body, crc = answer[:-4], answer[-4:]
    assert codec.checksum(body) == crc


@pytest.mark.parametrize(
    "junk",
    [
        b"\x00\x01\x02\xff\xfe\r",
        b"XX garbage\r",
        b"63too short\r",
        b"12unsupported\r",
        "99é\r".encode(),
        b"11Y" + b"|" * 5 + b"\r",
    ],
)
def test_malformed_messages_get_96_and_session_goes_on(sip_client, junk):
    sip_client.login()
    sip_client.send_raw(junk)
    assert sip_client.receive().startswith("96")
    assert sip_client.send("9900802.00").startswith("98")


def test_oversized_message_closes_only_that_connection(sip_server, sip_client):
    other = RawClient(sip_server.port)
    other.login()
    sip_client.send_raw(b"99" + b"A" * 10_000)
    with pytest.raises((ConnectionError, OSError)):
        sip_client.receive()
    assert other.send("9900802.00").startswith("98")
    other.close()


def test_idle_connection_times_out(transactional_db, net, kiosk):
    server, loop, thread = start_server(idle_timeout=0.5)
    try:
        c = RawClient(server.port, timeout=10)
        c.login()
        # The server, not the test, measures the idle time: the read below returns when it hangs up.
        with pytest.raises((ConnectionError, OSError)):
            c.receive()
        c.close()
    finally:
        stop_server(server, loop, thread)


def test_tls(transactional_db, net, kiosk, tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ],
        check=True,
        capture_output=True,
    )
    from clb.selfservice.server import tls_context

    server, loop, thread = start_server(ssl_context=tls_context(str(cert), str(key)))
    try:
        client_ctx = ssl.create_default_context(cafile=str(cert))
        client_ctx.check_hostname = False
        c = RawClient(
            server.port, wrap=lambda s: client_ctx.wrap_socket(s, server_hostname="localhost")
        )
        assert c.login().startswith("941")
        c.close()
        plain = RawClient(server.port, timeout=5)  # a plain-text kiosk cannot talk to a TLS port
        plain.send_raw(b"9300CNx|COy|\r")
        with pytest.raises((ConnectionError, OSError)):
            plain.receive()
        plain.close()
    finally:
        stop_server(server, loop, thread)


# --- property-based ---------------------------------------------------------------------------

sip_text = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=300), max_size=300)


@given(sip_text)
def test_parser_never_fails_but_with_a_reason(text):
    try:
        request = codec.parse(text)
    except codec.SIP2Error as exc:
        assert str(exc)
    else:
        assert request.code in codec.REQUEST_FIXED


@given(
    st.sampled_from(sorted(codec.REQUEST_FIXED)),
    st.lists(
        st.tuples(
            st.sampled_from(["AA", "AB", "AO", "AD", "BS", "CN", "CO"]),
            st.text(
                alphabet=st.characters(
                    min_codepoint=32, max_codepoint=126, blacklist_characters="|"
                ),
                max_size=20,
            ),
        ),
        max_size=5,
    ),
)
def test_formatted_fields_parse_back(code, pairs):
    fixed = "0" * codec.REQUEST_FIXED[code]
    message = code + fixed + "".join(f"{t}{v}|" for t, v in pairs) + "AY5AZ"
    request = codec.parse(message + codec.checksum(message))
    assert request.checksum_ok and request.sequence == "5"
    for tag, value in pairs:
        assert value in request.fields[tag]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.binary(min_size=0, max_size=600), min_size=1, max_size=4))
def test_server_survives_any_bytes_and_other_sessions_continue(sip_server, net, chunks):
    bystander = RawClient(sip_server.port)
    bystander.login()
    fuzzer = socket.create_connection(("127.0.0.1", sip_server.port), timeout=5)
    try:
        for chunk in chunks:
            fuzzer.sendall(chunk + b"\r")
    except OSError:
        pass  # the server may hang up on it: that is allowed
    finally:
        fuzzer.close()
    assert bystander.send("9900802.00").startswith("98")
    bystander.close()


def test_pin_lockout_counts_across_kiosks(sip_server, net):
    patron = make_patron(net.org_a, birth_date=date(2014, 1, 1), pin="2468")
    kiosks = [RawClient(sip_server.port) for _ in range(2)]
    for k in kiosks:
        k.login()
    for attempt in range(5):
        k = kiosks[attempt % 2]
        answer = k.send(f"23000{DATE}AO|AA{patron.card_number}|AD0000|")
        assert "CQN" in answer
    locked = kiosks[0].send(f"23000{DATE}AO|AA{patron.card_number}|AD2468|")
    assert "CQN" in locked and "Te vaak" in locked
    for k in kiosks:
        k.close()
