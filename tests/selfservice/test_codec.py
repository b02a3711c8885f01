"""The SIP2 codec on its own: framing, error detection, character sets, and property-based tests
of the parser (hypothesis). Checksums are checked against published examples and against the
pysip2 codec, an implementation we did not write."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pysip2 import calculate_checksum

from clb.selfservice.sip2 import codec, spec
from clb.selfservice.sip2.codec import Reply
from clb.selfservice.sip2.values import parse_amount, parse_sip_date, sip_date

from .conftest import DATE, NOW, spec_checksum


def framed(message: str, sequence="1") -> bytes:
    data = f"{message}AY{sequence}AZ".encode()
    return data + spec_checksum(data).encode()


# --- checksum ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message, expected",
    [
        # Examples quoted in the PyPI sip2 client, taken from a live SIP2 system.
        ("09N20160419    12200820160419    122008APReading Room 1|AO830|AB830$28170815|AC|AY2AZ", "EB80"),
        ("09N20160419    12171320160419    121713APReading Room 1|AO830|AB830$28170815|AC|AY2AZ", "EB7C"),
        ("96AZ", "FEF6"),
    ],
)  # fmt: skip
def test_checksum_matches_published_examples(message, expected):
    assert codec.checksum(message.encode()) == expected


@given(st.binary(max_size=400))
def test_checksum_agrees_with_an_independent_implementation(data):
    assert codec.checksum(data) == calculate_checksum(data) == spec_checksum(data)


# --- parsing ----------------------------------------------------------------------------------


def test_parse_names_fixed_fields_and_collects_variable_ones():
    request = codec.parse(
        framed(f"11YN{DATE}{DATE}AOutrecht|AA2123|AB3001|AC|AD1234|AFa|AFb|", "7")
    )
    assert request.code == "11" and request.sequence == "7" and request.has_checksum
    assert request.fixed == {
        "sc_renewal_policy": "Y",
        "no_block": "N",
        "transaction_date": DATE,
        "nb_due_date": DATE,
    }
    assert (request.get("AA"), request.get("AB"), request.get("AD")) == ("2123", "3001", "1234")
    assert request.fields["AF"] == ["a", "b"] and request.given("AC") is False


def test_parse_accepts_what_real_kiosks_send():
    # No final separator, CR LF line ends, no error detection at all.
    plain = codec.parse(b"\n23000" + DATE.encode() + b"AOx|AA2123")
    assert plain.get("AA") == "2123" and plain.sequence is None and not plain.has_checksum
    # A sequence number without checksum, and one closed by a separator.
    assert codec.parse(b"9900802.00AY4").sequence == "4"
    data = b"9900802.00AY5|AZ"
    assert codec.parse(data + codec.checksum(data).encode()).sequence == "5"
    # A checksum in lower case, or without its leading zeros (the PyPI sip2 client does that).
    data = b"9900802.00AY1AZ"
    assert codec.parse(data + codec.checksum(data).lower().encode()).has_checksum
    for padding in range(400, 700):  # the byte sum must come close to 0x10000
        data = f"17{DATE}AB{'~' * padding}|AY1AZ".encode()
        if codec.checksum(data).startswith("0"):
            short = codec.checksum(data).lstrip("0").encode()
            assert codec.parse(data + short).get("AB") == "~" * padding
            break
    else:
        pytest.fail("no checksum with a leading zero found")


@pytest.mark.parametrize(
    "frame, reason",
    [
        (
            framed("9900802.00")[:-4] + b"%04X" % (int(framed("9900802.00")[-4:], 16) ^ 1),
            "controlegetal",
        ),
        (b"9900802.00AYxAZ" + codec.checksum(b"9900802.00AYxAZ").encode(), "volgnummer"),
        (b"99\x0000802.00", "stuurteken 0x00"),
        (b"9900802.00\x1b", "stuurteken 0x1b"),
        (b"63\xff\xfe", "geen geldige utf-8"),
        (b"99" + b"0" * 5000, "langer dan"),
        (b"63000" + DATE.encode(), "summary onvolledig"),
        (b"XX000", "berichtcode van twee cijfers"),
        (b"9", "berichtcode van twee cijfers"),
        (f"11YN{DATE}{DATE}AOx|A|".encode(), "onvolledig veld 'A'"),
    ],
)
def test_parse_rejects_damage_with_a_reason(frame, reason):
    with pytest.raises(codec.SIP2Error, match=reason):
        codec.parse(frame)


def test_unknown_codes_are_recognised_as_such():
    with pytest.raises(codec.UnknownMessage) as caught:
        codec.parse(b"42whatever|")
    assert caught.value.code == "42"


def test_charsets():
    text = "Één café"
    assert codec.parse(f"17{DATE}AB{text}|".encode("cp850"), "cp850").get("AB") == text
    assert codec.parse(f"17{DATE}AB{text}|".encode(), "utf-8").get("AB") == text
    with pytest.raises(codec.SIP2Error):
        codec.parse(f"17{DATE}AB{text}|".encode("cp850"), "utf-8")


# --- encoding ---------------------------------------------------------------------------------


def reply_18(**fields):
    fixed = {
        "circulation_status": "03",
        "security_marker": "00",
        "fee_type": "01",
        "transaction_date": DATE,
    }
    return Reply("18", fixed, [("AB", "3001"), ("AJ", "De avonden"), *fields.items()])


def test_encode_appends_sequence_and_checksum():
    data = codec.encode(reply_18(), sequence="4")
    assert data == b"1803000120260303    100000AB3001|AJDe avonden|AY4AZ" + data[-5:]
    assert data.endswith(b"\r") and (sum(data[:-5]) + int(data[-5:-1], 16)) % 0x10000 == 0
    assert codec.encode(reply_18(), sequence=None)[-10:-5] == b"AY0AZ"


def test_control_messages_carry_a_checksum_but_no_sequence():
    assert codec.resend_request() == b"96AZFEF6\r"


def test_encode_refuses_what_breaks_the_protocol():
    with pytest.raises(ValueError, match="circulation_status moet 2 tekens"):
        codec.encode(Reply("18", {**reply_18().fixed, "circulation_status": "3"}), sequence="1")
    with pytest.raises(ValueError, match=r"verplichte velden ontbreken: \['AJ'\]"):
        codec.encode(Reply("18", reply_18().fixed, [("AB", "1")]), sequence="1")
    with pytest.raises(ValueError, match="onbekende vaste velden"):
        codec.encode(Reply("94", {"ok": "1", "okay": "1"}), sequence="1")


def test_encode_keeps_field_values_inside_their_field():
    data = codec.encode(reply_18(AF="regel 1\nregel 2 | zie balie", AG="x" * 300), sequence="1")
    assert b"AFregel 1 regel 2  zie balie|" in data
    assert b"AG" + b"x" * spec.MAX_FIELD_LENGTH + b"|" in data
    assert data.count(b"\r") == 1


def test_encode_in_the_kiosks_charset():
    title = reply_18(AF="Één café")
    assert "Één café".encode("cp850") in codec.encode(title, sequence="1", charset="cp850")
    assert b"AFEen cafe|" in codec.encode(title, sequence="1", charset="ascii")
    euro = reply_18(AF="Betaald: € 7.50")
    assert b"AFBetaald: EUR 7.50|" in codec.encode(euro, sequence="1", charset="cp850")
    assert b"AF\x80 " not in codec.encode(euro, sequence="1", charset="cp850")
    utf8 = codec.encode(title, sequence="1", charset="utf-8")
    assert "Één café".encode() in utf8
    assert (sum(utf8[:-5]) + int(utf8[-5:-1], 16)) % 0x10000 == 0  # over bytes, not characters


def test_logs_never_show_pins_or_passwords():
    shown = codec.redact(b"9300CNzuil|COgeheim-42|CPx|\x00" + f"23000{DATE}AD4321|AC99".encode())
    assert "geheim" not in shown and "4321" not in shown and "99" not in shown.split("AC")[-1]
    assert "CNzuil" in shown and "\\x00" in shown


# --- dates and amounts ------------------------------------------------------------------------


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))
def test_sip_dates_read_back_to_the_same_second(moment):
    aware = moment.replace(microsecond=0, tzinfo=UTC)
    assert parse_sip_date(sip_date(aware)) == aware


def test_the_repeated_hour_when_summer_time_ends_reads_back_as_the_same_moment():
    first, second = (
        datetime(2004, 10, 31, 0, 30, tzinfo=UTC),
        datetime(2004, 10, 31, 1, 30, tzinfo=UTC),
    )
    assert sip_date(first) != sip_date(second)  # both are 02:30 in Amsterdam
    assert [parse_sip_date(sip_date(m)) for m in (first, second)] == [first, second]


def test_sip_date_zones():
    assert sip_date(NOW) == "20260303    100000"  # local time, zone left blank
    assert parse_sip_date("20260303   Z090000") == NOW
    assert parse_sip_date(" " * 18) is None and parse_sip_date("20261332    000000") is None
    assert parse_sip_date("20260303    100000") - parse_sip_date("20260302    100000") == (
        timedelta(days=1)
    )


def test_amounts():
    assert str(parse_amount("7,50")) == "7.50" and str(parse_amount(" 12.00 ")) == "12.00"
    for bad in ("", "veel", "NaN", "Infinity"):
        with pytest.raises(ValueError):
            parse_amount(bad)


# --- property-based: the parser ---------------------------------------------------------------


@settings(max_examples=500)
@given(st.binary(max_size=600))
def test_any_bytes_parse_or_fail_with_a_reason(data):
    try:
        request = codec.parse(data)
    except codec.SIP2Error as exc:
        assert str(exc)
    else:
        assert request.code in spec.REQUEST_LAYOUT
        assert all(
            len(v) == w
            for (n, w), v in zip(
                spec.REQUEST_LAYOUT[request.code], request.fixed.values(), strict=True
            )
        )


field_value = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_characters="|\x7f"),
    max_size=40,
).filter(lambda v: v.isprintable())


@given(
    code=st.sampled_from(sorted(set(spec.REQUEST_LAYOUT) - spec.CONTROL_MESSAGES)),
    pairs=st.lists(st.tuples(st.sampled_from(["AA", "AB", "AO", "AD", "BS", "CN", "CO"]), field_value), max_size=6),
    sequence=st.sampled_from("0123456789"),
    charset=st.sampled_from(["utf-8", "cp850"]),
)  # fmt: skip
def test_well_formed_requests_parse_back(code, pairs, sequence, charset):
    fixed = "".join("0" * width for _name, width in spec.REQUEST_LAYOUT[code])
    pairs = [(t, v) for t, v in pairs if v.encode(charset, "ignore").decode(charset) == v]
    data = (code + fixed + "".join(f"{t}{v}|" for t, v in pairs)).encode(charset)
    data += f"AY{sequence}AZ".encode()
    request = codec.parse(data + codec.checksum(data).encode(), charset)
    assert request.has_checksum and request.sequence == sequence
    for tag, value in pairs:
        assert value in request.fields[tag]


@given(st.data())
def test_any_damage_to_a_checksummed_message_is_detected(data):
    frame = framed(f"11YN{DATE}{DATE}AOutrecht|AA21234567890128|AB300001|AC|")
    body_end = len(frame) - len(b"AY1AZ0000")
    position = data.draw(st.integers(0, body_end - 1))
    new_byte = data.draw(st.integers(1, 255).filter(lambda b: b != frame[position]))
    damaged = frame[:position] + bytes([new_byte]) + frame[position + 1 :]
    with pytest.raises(codec.SIP2Error):
        codec.parse(damaged)
