"""Reading CLB's CSV exports back in tests: the Dutch style (byte-order mark, `;`, decimal comma)
unless a test asked for the plain one. A file's preamble ("# ..." lines before the headers, see
clb.exports) is read by `preamble`; `rows` and `dicts` start at the headers."""

import csv
import io


def text_of(content) -> str:
    if isinstance(content, bytes):
        content = content.decode("utf-8")
    return content.removeprefix("\ufeff")


def _split(content) -> tuple[list[str], str]:
    lines = text_of(content).splitlines(keepends=True)
    n = 0
    while n < len(lines) and lines[n].startswith("# "):
        n += 1
    return [line.removeprefix("# ").rstrip("\r\n") for line in lines[:n]], "".join(lines[n:])


def preamble(content) -> list[str]:
    return _split(content)[0]


def rows(content, delimiter=";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(_split(content)[1]), delimiter=delimiter))


def dicts(content, delimiter=";") -> list[dict]:
    return list(csv.DictReader(io.StringIO(_split(content)[1]), delimiter=delimiter))


def number(text: str) -> float:
    return float(text.replace(",", "."))
