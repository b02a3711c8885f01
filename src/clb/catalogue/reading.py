"""Reading MARC files: ISO 2709 (MARC-8 or UTF-8) and MARCXML, gzip accepted.

A file that cannot be read at all (empty, broken gzip, MARCXML that is not XML) is refused as a
whole before anything is imported. Inside a readable file every record stands on its own: the
ISO 2709 stream is cut at record terminators, so one record with a wrong leader length or a bad
encoding is reported with its number and the records after it still read.

Files are read in blocks, twice (checked and counted, then read), never held whole: a national
file of two million records costs the memory of a block and the records in hand."""

import gzip
import logging
import re
import threading
import xml.sax
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

import pymarc
from pymarc.marcxml import XmlHandler

from .errors import CatalogueError

RECORD_END = b"\x1d"
FIELD_END = b"\x1e"
BLOCK = 1 << 20


class FileUnreadable(CatalogueError):
    code = "catalogue_file"

    def __init__(self, path, message: str):
        super().__init__(f"{Path(path).name}: {message}", field="file")
        self.path = str(path)


@dataclass
class Entry:
    """One record of a file: the record, or why it could not be read."""

    number: int  # 1-based position in the file
    record: pymarc.Record | None
    problem: str = ""  # when record is None
    field: str = "record"
    control_number: str = ""
    # what pymarc repaired while reading (too many indicators, say): kept, but reported
    repairs: list[tuple[str, str]] = dc_field(default_factory=list)


@dataclass
class Source:
    """A file that can be read: where its bytes come from, its format and how many records it
    announces."""

    path: str
    blocks: Callable[[], Iterable[bytes]]  # the file's bytes from the start, in blocks
    format: str
    total: int

    @property
    def name(self) -> str:
        return Path(self.path).name

    def entries(self) -> Iterator[Entry]:
        if self.format == "marcxml":
            yield from _marcxml_entries(self.blocks(), self.path)
        else:
            for number, chunk in self.pieces():
                yield iso2709_entry(number, chunk)

    def pieces(self) -> Iterator[tuple[int, bytes]]:
        """ISO 2709: (number, bytes) of every record, unread (parsing can be done elsewhere)."""
        return enumerate(_chunks(self.blocks()), start=1)


def open_source(path, fmt: str = "auto") -> Source:
    """Refuses a file that cannot be read as a whole (FileUnreadable) before anything is done
    with it; MARCXML is checked for well-formedness from start to end here."""
    return _source(lambda: _file_blocks(path), fmt, path)


def source_from_bytes(data: bytes, *, fmt: str = "auto", path="invoer") -> Source:
    return _source(lambda: [data], fmt, path)


def _source(blocks, fmt: str, path) -> Source:
    first = last = b""
    terminators = 0
    for block in blocks():
        stripped = block.strip()
        if stripped:
            first = first or stripped[:1]
            last = stripped[-1:]
        terminators += block.count(RECORD_END)
    if not first:
        raise FileUnreadable(path, "het bestand is leeg")
    looks_xml = first == b"<"
    if fmt == "auto":
        fmt = "marcxml" if looks_xml else "iso2709"
    if fmt == "marcxml":
        total = _check_xml(blocks(), path)
    elif fmt == "iso2709":
        if looks_xml:
            raise FileUnreadable(path, "dit is XML, geen ISO 2709 (gebruik --format marcxml)")
        total = terminators + (0 if last == RECORD_END else 1)
    else:
        raise FileUnreadable(path, f"onbekend formaat '{fmt}' (auto, iso2709 of marcxml)")
    return Source(str(path), blocks, fmt, total)


def read_bytes(data: bytes, *, fmt: str = "auto", path="invoer") -> tuple[list[Entry], str]:
    """All entries at once (tests, small files)."""
    source = source_from_bytes(data, fmt=fmt, path=path)
    return list(source.entries()), source.format


def _file_blocks(path) -> Iterator[bytes]:
    try:
        with open(path, "rb") as fh:
            packed = fh.read(2) == b"\x1f\x8b"
    except OSError as exc:
        raise FileUnreadable(path, exc.strerror or str(exc)) from exc
    opened = gzip.open(path, "rb") if packed else open(path, "rb")  # noqa: SIM115 (closed below)
    try:
        with opened as fh:
            while block := fh.read(BLOCK):
                yield block
    except (OSError, EOFError, zlib.error) as exc:
        if not packed:
            raise FileUnreadable(path, exc.strerror or str(exc)) from exc
        raise FileUnreadable(path, f"beschadigd gzip-bestand ({exc})") from exc


# --- ISO 2709 ---------------------------------------------------------------------------------


def _chunks(blocks: Iterable[bytes]):
    """Records as the terminators delimit them; a last piece without one is a cut-off record.
    Whitespace between records (line breaks some tools add) is not a record."""
    rest = b""
    for block in blocks:
        pieces = (rest + block).split(RECORD_END)
        rest = pieces.pop()
        for piece in pieces:
            yield piece.lstrip(b"\r\n") + RECORD_END
    if rest.strip():
        yield rest.lstrip(b"\r\n")


def _fields(chunk: bytes):
    """(tag, bytes with the field terminator) of every directory entry, straight from the bytes.
    Raises ValueError on an unreadable directory entry."""
    base = int(chunk[12:17])
    directory = chunk[24 : base - 1]
    for i in range(0, len(directory) - 11, 12):
        length, start = int(directory[i + 3 : i + 7]), int(directory[i + 7 : i + 12])
        yield (
            directory[i : i + 3].decode("ascii", "replace"),
            chunk[base + start : base + start + length],
        )


def _control_number(chunk: bytes) -> str:
    """001 straight from the bytes, so even an unreadable record can be named."""
    try:
        for tag, data in _fields(chunk):
            if tag == "001":
                return data.rstrip(FIELD_END).decode("utf-8", "replace").strip()[:64]
    except ValueError:
        pass
    return ""


def _problem(chunk: bytes) -> tuple[str, str] | None:
    """What is wrong with the record's structure, as (field, reason); None if nothing is.

    One pass over the directory for a sound record (nearly every one): its entries checked as
    digits at once, then each field's end; only a record that fails is walked again, entry by
    entry, to name what is wrong (_directory_problem)."""
    if not chunk.endswith(RECORD_END):
        return "record", f"afgebroken: het bestand eindigt na {len(chunk)} bytes zonder recordeinde"
    leader = chunk[:24]
    if len(leader) < 24:
        return "leader", f"te kort ({len(chunk)} bytes)"
    if not leader[:5].isdigit() or not leader[12:17].isdigit():
        return "leader", "recordlengte (positie 0-4) of basisadres (12-16) is geen getal"
    declared, base = int(leader[:5]), int(leader[12:17])
    if declared != len(chunk):
        return "leader", (
            f"recordlengte {declared} klopt niet: het record is {len(chunk)} bytes "
            "(afgebroken of verkeerde lengte)"
        )
    if not 24 < base <= len(chunk) or (base - 25) % 12 or chunk[base - 1 : base] != FIELD_END:
        return "leader", f"basisadres {base} klopt niet met de directory"
    directory = chunk[24 : base - 1]
    if _DIRECTORY.fullmatch(directory):
        last = len(chunk) - 1
        for i in range(3, len(directory), 12):
            end = base + int(directory[i + 4 : i + 9]) + int(directory[i : i + 4])
            if end > last or chunk[end - 1] != _FIELD_END_BYTE:
                break
        else:
            return None
    return _directory_problem(chunk, base, directory)


_DIRECTORY = re.compile(rb"(?:...[0-9]{9})*", re.DOTALL)
_FIELD_END_BYTE = FIELD_END[0]


def _directory_problem(chunk: bytes, base: int, directory: bytes) -> tuple[str, str] | None:
    """The first directory entry that is wrong, named by its tag."""
    for i in range(0, len(directory), 12):
        entry = directory[i : i + 12]
        tag = entry[:3].decode("ascii", "replace")
        if not entry[3:].isdigit():
            return "directory", f"onleesbare directory-regel voor veld {tag}"
        length, start = int(entry[3:7]), int(entry[7:12])
        end = base + start + length
        if end > len(chunk) - 1 or chunk[end - 1 : end] != FIELD_END:
            return tag, "veld valt buiten het record of mist het veldeinde"
    return None


def _bad_encoding(chunk: bytes) -> str:
    """The first field whose bytes are not UTF-8 (for a record that says it is UTF-8)."""
    for tag, data in _fields(chunk):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return tag
    return "record"


def _utf8_said_marc8(chunk: bytes) -> bool:
    """A record whose leader says MARC-8 (leader/09 blank) but whose bytes are UTF-8: it has
    bytes above ASCII and all of them form valid UTF-8 sequences. MARC-8's diacritics precede
    a plain letter, which no UTF-8 lead byte accepts, so real MARC-8 text practically never
    passes as UTF-8 — while reading UTF-8 as MARC-8 would silently garble every accent."""
    if chunk[9:10] == b"a" or chunk.isascii():
        return False
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


MISLABELLED_UTF8 = "leader/09 zegt MARC-8, maar de tekens zijn UTF-8: als UTF-8 gelezen"


def iso2709_entry(number: int, chunk: bytes) -> Entry:
    problem = _problem(chunk)
    if problem:
        return Entry(number, None, problem[1], problem[0], _control_number(chunk))
    relabelled = _utf8_said_marc8(chunk)
    if relabelled:
        chunk = chunk[:9] + b"a" + chunk[10:]
    repairs = [("leader", MISLABELLED_UTF8)] if relabelled else []
    _REPAIRS.read(chunk, repairs)
    try:
        record = pymarc.Record(
            chunk, to_unicode=True, hide_utf8_warnings=True, utf8_handling="strict"
        )
    except UnicodeDecodeError:
        tag = _bad_encoding(chunk)
        encoding = "UTF-8" if chunk[9:10] == b"a" else "MARC-8"
        return Entry(
            number,
            None,
            f"ongeldige tekens: leader/09 zegt {encoding}, maar de bytes zijn dat niet",
            tag,
            _control_number(chunk),
        )
    except (pymarc.exceptions.PymarcException, ValueError) as exc:
        return Entry(number, None, f"onleesbaar ({exc})", "record", _control_number(chunk))
    finally:
        _REPAIRS.done()
    if not record.fields:
        return Entry(number, None, "het record heeft geen velden", "record")
    return Entry(number, record, control_number=_control_value(record), repairs=repairs)


class _Repairs(logging.Filter):
    """Collects the warnings pymarc logs while it repairs a record, so they reach the import
    report of that record instead of the terminal.

    One filter on pymarc's logger, set once (a handler added and taken off again around every
    record cost a tenth of pymarc's parse of the record); while a thread reads a record it keeps
    the warnings for that record and lets none through, otherwise it lets them pass."""

    def __init__(self):
        super().__init__()
        self._reading = threading.local()  # .now: (chunk, found) while a record is read

    def read(self, chunk: bytes, found: list[tuple[str, str]]) -> None:
        self._reading.now = (chunk, found)

    def done(self) -> None:
        self._reading.now = None

    def filter(self, record: logging.LogRecord) -> bool:
        now = getattr(self._reading, "now", None)
        if now is None:
            return True
        if record.levelno < logging.WARNING:
            return False
        chunk, found = now
        message = record.getMessage()
        for start, reason in _PYMARC_REPAIRS.items():
            if message.startswith(start):
                data = record.args[0] if record.args else b""
                found.append((_tag_holding(chunk, data), reason))
                return False
        found.append(("record", f"pymarc: {message[:120]}"))
        return False


_PYMARC_REPAIRS = {
    "more than 2 indicators": "meer dan twee indicatoren; de eerste twee zijn gebruikt",
    "only 1 indicator": "één indicator; de tweede is leeg gelaten",
    "missing indicators": "indicatoren ontbreken; leeg gelaten",
}


_REPAIRS = _Repairs()
logging.getLogger("pymarc").addFilter(_REPAIRS)


def _tag_holding(chunk: bytes, data) -> str:
    """The tag of the field whose bytes pymarc logged (it logs the bytes, not the tag)."""
    for tag, field_bytes in _fields(chunk):
        if field_bytes[:-1] == data:
            return tag
    return "record"


def _control_value(record: pymarc.Record) -> str:
    fields = record.get_fields("001")
    return (fields[0].data or "").strip()[:64] if fields and fields[0].is_control_field() else ""


# --- MARCXML ----------------------------------------------------------------------------------


class _Collector(XmlHandler):
    """pymarc's MARCXML handler, keeping a record that breaks the schema (a datafield without
    a tag, say) as an error of that record instead of failing the file."""

    def __init__(self):
        super().__init__(strict=False)
        self.entries: list[Entry] = []
        self.before = 0  # records handed on and let go
        self._broken = ""
        self._locator = None

    def setDocumentLocator(self, locator):  # noqa: N802 (SAX's name)
        self._locator = locator

    def startElementNS(self, name, qname, attrs):  # noqa: N802
        if name[1] == "record":
            self._broken = ""
        try:
            super().startElementNS(name, qname, attrs)
        except (KeyError, ValueError, TypeError) as exc:
            line = self._locator.getLineNumber() if self._locator else "?"
            self._broken = self._broken or f"<{name[1]}> op regel {line} mist {exc}"
            self._field = None

    def endElementNS(self, name, qname):  # noqa: N802
        try:
            super().endElementNS(name, qname)
        except (KeyError, ValueError, TypeError) as exc:
            self._broken = self._broken or f"<{name[1]}>: {exc}"
        if name[1] == "record" and self._record is None and self._broken:
            # the parent class already handed the record on; replace it with the error
            self.entries[-1] = Entry(self.before + len(self.entries), None, self._broken, "record")

    def process_record(self, record):
        number = self.before + len(self.entries) + 1
        if not record.get_fields():
            self.entries.append(Entry(number, None, "het record heeft geen velden", "record"))
        else:
            self.entries.append(Entry(number, record, control_number=_control_value(record)))


class _Counter(xml.sax.handler.ContentHandler):
    def __init__(self):
        super().__init__()
        self.records = 0

    def startElementNS(self, name, qname, attrs):  # noqa: N802
        if name[1] == "record":
            self.records += 1


def _parser(handler) -> xml.sax.xmlreader.IncrementalParser:
    parser = xml.sax.make_parser()
    parser.setFeature(xml.sax.handler.feature_namespaces, True)
    parser.setFeature(xml.sax.handler.feature_external_ges, False)
    parser.setContentHandler(handler)
    return parser


def _unreadable(path, exc: xml.sax.SAXParseException) -> FileUnreadable:
    return FileUnreadable(
        path,
        f"geen geldige MARCXML: {exc.getMessage()} (regel {exc.getLineNumber()}, "
        f"kolom {exc.getColumnNumber()})",
    )


def _check_xml(blocks: Iterable[bytes], path) -> int:
    counter = _Counter()
    parser = _parser(counter)
    try:
        for block in blocks:
            parser.feed(block)
        parser.close()
    except xml.sax.SAXParseException as exc:
        raise _unreadable(path, exc) from exc
    if not counter.records:
        raise FileUnreadable(path, "geen MARCXML-records gevonden (<record> ontbreekt)")
    return counter.records


def _marcxml_entries(blocks: Iterable[bytes], path) -> Iterator[Entry]:
    """Streamed: the file is fed in pieces and records are handed on as they complete."""
    handler = _Collector()
    parser = _parser(handler)
    for block in blocks:
        for start in range(0, len(block), 1 << 16):
            try:
                parser.feed(block[start : start + (1 << 16)])
            except xml.sax.SAXParseException as exc:  # checked before; only if it changed
                raise _unreadable(path, exc) from exc
            # the last one may still be replaced; the ones before are handed on and let go
            done = handler.entries[:-1]
            del handler.entries[:-1]
            handler.before += len(done)
            yield from done
    parser.close()
    yield from handler.entries
