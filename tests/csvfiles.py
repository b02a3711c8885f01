"""Reading CLB's CSV exports back in tests: the Dutch style (byte-order mark, `;`, decimal comma)
unless a test asked for the plain one."""

import csv
import io


def text_of(content) -> str:
    if isinstance(content, bytes):
        content = content.decode("utf-8")
    return content.removeprefix("\ufeff")


def rows(content) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text_of(content)), delimiter=";"))


def dicts(content) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text_of(content)), delimiter=";"))


def number(text: str) -> float:
    return float(text.replace(",", "."))
