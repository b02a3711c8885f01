"""The compiled .mo catalogues are tracked, so a merge can leave one behind its .po: English
users would then see Dutch for every message added since. Each .mo must carry every translated
entry of the .po beside it."""

import ast
import gettext
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
CATALOGUES = sorted(SRC.rglob("LC_MESSAGES/django.po"))


def _entries(po: Path) -> dict[str, str]:
    """msgid → msgstr for the translated, non-fuzzy, singular entries of a .po file."""
    entries, fuzzy, current, field = {}, False, {}, None
    for line in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith(("msgid ", "msgstr ", "msgid_plural ", "msgctxt ")):
            field, _, text = line.partition(" ")
            current[field] = ast.literal_eval(text)
        elif line.startswith('"') and field:
            current[field] += ast.literal_eval(line)
        elif not line.strip():
            simple = "msgid_plural" not in current and "msgctxt" not in current
            if current.get("msgid") and current.get("msgstr") and simple and not fuzzy:
                entries[current["msgid"]] = current["msgstr"]
            fuzzy, current, field = False, {}, None
    return entries


def test_there_are_catalogues():
    assert len(CATALOGUES) >= 2


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(SRC)))
def test_compiled_catalogue_is_up_to_date(po):
    with po.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = [msgid for msgid, msgstr in _entries(po).items() if compiled.gettext(msgid) != msgstr]
    assert not stale, f"{len(stale)} entries not compiled (run clb compilemessages): {stale[:3]}"
