"""Language names for the MARC language codes of records: "Noors" for `nor`, in the page's
language. The names are ISO 639-2's, with their Dutch translations, shipped in
data/iso639-2-names.csv (see data/SOURCES.md)."""

import csv
from functools import cache
from pathlib import Path

from django.utils.translation import get_language

NAMES_FILE = Path(__file__).resolve().parent / "data" / "iso639-2-names.csv"


@cache
def _names() -> dict[str, tuple[str, str]]:
    with open(NAMES_FILE, encoding="utf-8", newline="") as fh:
        return {row["code"]: (row["name_nl"], row["name_en"]) for row in csv.DictReader(fh)}


def language_name(code: str) -> str:
    """The name in the active language; an unknown code as it is (it is what the record says)."""
    code = (code or "").strip().lower()
    names = _names().get(code)
    if names is None:
        return code
    dutch, english = names
    return english if (get_language() or "nl").startswith("en") else dutch
