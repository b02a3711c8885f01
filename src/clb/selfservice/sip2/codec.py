"""SIP2 (3M Standard Interchange Protocol 2.00) framing: parse requests, format responses.

A message is a two-digit code, fixed-length fields, then variable fields `XXvalue|`, optionally
ending in the error-detection fields `AYn` (sequence) and `AZhhhh` (checksum), then a CR.
The checksum is the two's complement of the 16-bit sum of every character up to and including
"AZ"; receivers add everything including the checksum and expect zero."""

from dataclasses import dataclass, field
from datetime import datetime

MAX_MESSAGE = 4096

# Length of the fixed part of each request we accept, by message code.
REQUEST_FIXED = {
    "99": 8,  # status code 1, max print width 3, protocol version 4
    "93": 2,  # UID algorithm, PWD algorithm
    "63": 31,  # language 3, date 18, summary 10
    "23": 21,  # language 3, date 18
    "11": 38,  # SC renewal policy, no block, date 18, nb due date 18
    "09": 37,  # no block, date 18, return date 18
    "29": 38,  # third party allowed, no block, date 18, nb due date 18
    "65": 18,  # date 18
    "17": 18,  # date 18
    "15": 19,  # hold mode 1, date 18
    "37": 25,  # date 18, fee type 2, payment type 2, currency 3
    "35": 18,  # date 18
    "25": 18,  # date 18
    "97": 0,
}


class SIP2Error(ValueError):
    """A request that cannot be understood; the reason names the message and the part."""


@dataclass
class Request:
    code: str
    fixed: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    sequence: str | None = None
    checksum_ok: bool | None = None  # None: the sender used no checksum

    def get(self, tag: str, default: str = "") -> str:
        values = self.fields.get(tag)
        return values[0] if values else default


def checksum(text: str) -> str:
    return f"{(-sum(ord(c) for c in text)) & 0xFFFF:04X}"


def parse(raw: str) -> Request:
    """Parse one message without its terminator. Raises SIP2Error with a reason."""
    if len(raw) > MAX_MESSAGE:
        raise SIP2Error(f"bericht langer dan {MAX_MESSAGE} tekens")
    if any(ord(c) < 32 or ord(c) > 126 for c in raw):
        raise SIP2Error("bericht bevat tekens buiten ASCII")
    if len(raw) < 2 or not raw[:2].isdigit():
        raise SIP2Error("bericht begint niet met een berichtcode van twee cijfers")
    code = raw[:2]
    if code not in REQUEST_FIXED:
        raise SIP2Error(f"berichtcode {code} wordt niet ondersteund")
    body = raw
    sequence = None
    checksum_ok = None
    az = raw.rfind("AZ")
    if az != -1 and az >= len(raw) - 6 and _is_hex(raw[az + 2 :]):
        # Some clients send fewer than four digits; compare values, not text.
        checksum_ok = int(raw[az + 2 :], 16) == int(checksum(raw[: az + 2]), 16)
        body = raw[:az]
        ay = body.rfind("AY")
        if ay != -1 and ay == len(body) - 3 and body[-1].isdigit():
            sequence = body[-1]
            body = body[:ay]
    n = REQUEST_FIXED[code]
    fixed = body[2 : 2 + n]
    if len(fixed) < n:
        raise SIP2Error(f"bericht {code}: vaste velden te kort ({len(fixed)} van {n} tekens)")
    fields: dict[str, list[str]] = {}
    for part in body[2 + n :].split("|"):
        if not part:
            continue
        if len(part) < 2:
            raise SIP2Error(f"bericht {code}: onvolledig veld '{part}'")
        fields.setdefault(part[:2], []).append(part[2:])
    return Request(
        code=code, fixed=fixed, fields=fields, sequence=sequence, checksum_ok=checksum_ok
    )


def _is_hex(text: str) -> bool:
    return 1 <= len(text) <= 4 and all(c in "0123456789abcdefABCDEF" for c in text)


def clean(value) -> str:
    """Variable-field values may not contain the separator or control characters."""
    return "".join(c for c in str(value) if c != "|" and 32 <= ord(c) <= 126 or ord(c) > 159)


def format_response(
    code: str, fixed: list[str], fields: list[tuple[str, object]], sequence: str | None
) -> str:
    """A response with AY/AZ always appended (the issue asks for them on every answer)."""
    text = code + "".join(fixed)
    for tag, value in fields:
        if value is None:
            continue
        text += f"{tag}{clean(value)}|"
    text += f"AY{sequence or '0'}AZ"
    return text + checksum(text) + "\r"


def sip_date(moment: datetime) -> str:
    """YYYYMMDDZZZZHHMMSS: local time, the zone left blank as most systems do."""
    return moment.strftime("%Y%m%d    %H%M%S")


def yn(flag: bool) -> str:
    return "Y" if flag else "N"


def count(n: int) -> str:
    return f"{min(n, 9999):04d}"


def amount(value) -> str:
    return f"{value:.2f}"
