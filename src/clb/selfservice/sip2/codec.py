"""SIP2 framing: one request from bytes, one response to bytes.

A message is a two-digit code, fixed-length fields, variable fields `XXvalue|`, and optionally the
error-detection trailer `AYn` (sequence number, one digit) and `AZhhhh` (checksum), then a CR.
The checksum is the two's complement of the 16-bit sum of every byte from the first up to and
including "AZ", as four hex digits: a receiver adds all bytes plus the checksum's value and
expects zero. It is computed over bytes as sent, so it holds in any character set.

Requests are read leniently where kiosks are known to differ (a missing final `|`, a checksum
without leading zeros, CR LF endings) and strictly where a guess could do harm: a wrong checksum,
a bad sequence number, control bytes or undecodable text are errors. Responses are checked
against the protocol's layout before they are sent."""

import re
import unicodedata
from dataclasses import dataclass, field

from . import spec

MAX_MESSAGE = 4096  # bytes of one request; real ones are a few hundred at most
CHARSETS = ("utf-8", "cp850", "iso-8859-1", "ascii")

_CHECKSUM = re.compile(rb"AZ([0-9A-Fa-f]{1,4})$")
_SEQUENCE = re.compile(rb"AY(.)\|?$")  # some clients close it with a separator
_BARE_SEQUENCE = re.compile(rb"AY([0-9])$")
_SECRET_FIELDS = re.compile(rb"(AD|CO|AC)[^|]*")
# For kiosks whose character set lacks a character (cp850 has no euro sign, ASCII no accents).
_SUBSTITUTES = {"€": "EUR", "‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."}


class SIP2Error(ValueError):
    """A request that cannot be understood; the message says which part and why."""


class ChecksumError(SIP2Error):
    pass


class UnknownMessage(SIP2Error):
    """A well-formed message with a code this server does not know: the protocol says to ignore
    it, so that new message types can be introduced without breaking older systems."""

    def __init__(self, code: str):
        super().__init__(f"onbekende berichtcode {code}")
        self.code = code


@dataclass(frozen=True)
class Request:
    code: str
    fixed: dict[str, str]
    fields: dict[str, list[str]] = field(default_factory=dict)
    sequence: str | None = None
    has_checksum: bool = False

    def get(self, tag: str, default: str = "") -> str:
        """The first value of a variable field, stripped of surrounding blanks."""
        return self.exact(tag, default).strip()

    def exact(self, tag: str, default: str = "") -> str:
        """The first value as sent, blanks included (passwords)."""
        values = self.fields.get(tag)
        return values[0] if values else default

    def given(self, tag: str) -> bool:
        """A field that is present with a value; kiosks send `AD|` when no PIN was typed."""
        return bool(self.get(tag))


@dataclass(frozen=True)
class Reply:
    code: str
    fixed: dict[str, str]
    fields: list[tuple[str, object]] = field(default_factory=list)

    def get(self, tag: str) -> str | None:
        return next((str(v) for t, v in self.fields if t == tag and v is not None), None)


def checksum(data: bytes) -> str:
    return f"{(-sum(data)) & 0xFFFF:04X}"


def parse(frame: bytes, charset: str = "utf-8") -> Request:
    """Parse one request without its CR terminator; raise SIP2Error saying what is wrong."""
    frame = frame.lstrip(b"\n")  # the LF of a kiosk that ends its lines with CR LF
    if len(frame) > MAX_MESSAGE:
        raise SIP2Error(f"bericht langer dan {MAX_MESSAGE} bytes")
    for position, byte in enumerate(frame):
        if byte < 0x20 or byte == 0x7F:
            raise SIP2Error(f"stuurteken 0x{byte:02x} op positie {position}")
    body, sequence, has_checksum = _strip_error_detection(frame)
    try:
        text = body.decode(charset)
    except UnicodeDecodeError as exc:
        raise SIP2Error(f"bericht is geen geldige {charset}-tekst (positie {exc.start})") from exc
    code = text[:2]
    if len(code) < 2 or not code.isdigit():
        raise SIP2Error("bericht begint niet met een berichtcode van twee cijfers")
    if code not in spec.REQUEST_LAYOUT:
        raise UnknownMessage(code)
    fixed, position = {}, 2
    for name, width in spec.REQUEST_LAYOUT[code]:
        value = text[position : position + width]
        if len(value) < width:
            raise SIP2Error(
                f"bericht {code}: vast veld {name} onvolledig ({len(value)} van {width} tekens)"
            )
        fixed[name] = value
        position += width
    fields: dict[str, list[str]] = {}
    if code not in spec.CONTROL_MESSAGES:
        for part in text[position:].split("|"):
            if not part:
                continue
            if len(part) < 2:
                raise SIP2Error(f"bericht {code}: onvolledig veld {part!r}")
            fields.setdefault(part[:2], []).append(part[2:])
    return Request(code, fixed, fields, sequence, has_checksum)


def _strip_error_detection(frame: bytes) -> tuple[bytes, str | None, bool]:
    """Verify and remove the AY/AZ trailer. Returns (body, sequence number, had a checksum)."""
    found = _CHECKSUM.search(frame)
    if found is None:
        bare = _BARE_SEQUENCE.search(frame)
        if bare is not None:  # a sequence number without checksum: allowed, nothing to verify
            return frame[: bare.start()], bare.group(1).decode(), False
        return frame, None, False
    # Some clients write the checksum without leading zeros: compare values, not text.
    if (sum(frame[: found.start() + 2]) + int(found.group(1), 16)) & 0xFFFF:
        raise ChecksumError("controlegetal (AZ) klopt niet")
    body = frame[: found.start()]
    sequence = _SEQUENCE.search(body)
    if sequence is None:
        return body, None, True
    if not sequence.group(1).isdigit():
        raise SIP2Error(f"volgnummer (AY) moet één cijfer zijn, niet {sequence.group(1)!r}")
    return body[: sequence.start()], sequence.group(1).decode(), True


def encode(reply: Reply, *, sequence: str | None, charset: str = "utf-8") -> bytes:
    """The response as bytes, error-detection trailer and CR included. AY echoes the request's
    sequence number (0 when it had none); control messages carry only the checksum."""
    layout = spec.RESPONSE_LAYOUT[reply.code]
    unknown = set(reply.fixed) - {name for name, _ in layout}
    if unknown:
        raise ValueError(f"antwoord {reply.code}: onbekende vaste velden {sorted(unknown)}")
    text = reply.code
    for name, width in layout:
        value = reply.fixed[name]
        if len(value) != width or not value.isascii():
            raise ValueError(f"antwoord {reply.code}: {name} moet {width} tekens zijn: {value!r}")
        text += value
    present = {tag for tag, value in reply.fields if value is not None}
    missing = [tag for tag in spec.RESPONSE_REQUIRED[reply.code] if tag not in present]
    if missing:
        raise ValueError(f"antwoord {reply.code}: verplichte velden ontbreken: {missing}")
    for tag, value in reply.fields:
        if value is not None:
            text += f"{tag}{clean(value)[: spec.MAX_FIELD_LENGTH]}|"
    data = _encode_text(text, charset)
    data += b"AZ" if reply.code in spec.CONTROL_MESSAGES else f"AY{sequence or '0'}AZ".encode()
    return data + checksum(data).encode() + b"\r"


def _encode_text(text: str, charset: str) -> bytes:
    """Text in the kiosk's character set; a character it lacks becomes its nearest plain
    equivalent (€ → EUR, é → e) rather than a question mark where possible."""
    try:
        return text.encode(charset)
    except UnicodeEncodeError:
        return "".join(_fit(c, charset) for c in text).encode(charset, "replace")


def _fit(character: str, charset: str) -> str:
    try:
        character.encode(charset)
        return character
    except UnicodeEncodeError:
        pass
    if character in _SUBSTITUTES:
        return _SUBSTITUTES[character]
    base = unicodedata.normalize("NFKD", character)
    base = "".join(c for c in base if not unicodedata.combining(c))
    return base if base and base.isascii() else "?"


def resend_request(charset: str = "utf-8") -> bytes:
    """Message 96: the request arrived damaged, please send it again."""
    return encode(Reply("96", {}), sequence=None, charset=charset)


def clean(value) -> str:
    """A variable field may not contain the separator, CR or other control characters."""
    return "".join(
        " " if c in "\r\n\t" else c
        for c in str(value)
        if c in "\r\n\t" or (c != "|" and c.isprintable())
    )


def redact(frame: bytes, limit: int = 120) -> str:
    """A request as it may appear in a log: PINs and passwords (AD, CO, AC) masked."""
    masked = _SECRET_FIELDS.sub(lambda m: m.group(1) + b"***", frame[: limit * 2])
    text = masked.decode("latin-1")
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    return shown[:limit]
