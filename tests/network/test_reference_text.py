"""Reference data reads as people write the names: no text that was decoded twice (mojibake such
as "Noardeast-FryslÃ¢n" for Noardeast-Fryslân) in any data file CLB ships."""

import gzip
import re
from pathlib import Path

import clb

DATA_FILES = [
    path
    for path in Path(clb.__file__).parent.rglob("*")
    if path.is_file()
    and "data" in path.parts
    and path.name.endswith((".csv", ".csv.gz", ".json", ".geojson", ".md", ".txt"))
]
SEPARATORS = re.compile(r"[\s,;\"{}\[\]:]+")


def mis_decoded(word: str) -> bool:
    """UTF-8 bytes once read as Windows-1252 (or Latin-1): encoding back and decoding as UTF-8
    gives different, valid text. A correctly written â or ë is one character and fails that."""
    for codec in ("cp1252", "latin-1"):
        try:
            repaired = word.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
        if repaired != word:
            return True
    return False


def read(path: Path) -> str:
    if path.name.endswith(".gz"):
        return gzip.decompress(path.read_bytes()).decode("utf-8")
    return path.read_text(encoding="utf-8")


def test_the_check_knows_mojibake_when_it_sees_it():
    assert mis_decoded("FryslÃ¢n") and mis_decoded("CafÃ©")
    assert not mis_decoded("Fryslân") and not mis_decoded("Súdwest-Fryslân")
    assert not mis_decoded("’s-Hertogenbosch") and not mis_decoded("0–17")


def test_no_reference_name_is_mis_decoded():
    assert len(DATA_FILES) >= 8, DATA_FILES
    found = {
        (path.name, word)
        for path in DATA_FILES
        for word in set(SEPARATORS.split(read(path)))
        if not word.isascii() and mis_decoded(word)
    }
    assert not found, sorted(found)
