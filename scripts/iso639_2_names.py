"""Write src/clb/catalogue/data/iso639-2-names.csv: every ISO 639-2 code (bibliographic and
terminology forms, as MARC records carry them) with its Dutch and English name, from Debian's
iso-codes package (its iso_639-2.json and Dutch translations). Run after `apt-get install
iso-codes` to refresh; CLB reads only the CSV (see catalogue/data/SOURCES.md)."""

import csv
import gettext
import json
import sys
from pathlib import Path

ISO_CODES = Path("/usr/share/iso-codes/json/iso_639-2.json")
OUT = Path(__file__).resolve().parents[1] / "src/clb/catalogue/data/iso639-2-names.csv"


def first(name: str) -> str:
    """ "Dutch; Flemish" is shown as its first name."""
    return name.split(";")[0].strip()


def main() -> int:
    entries = json.loads(ISO_CODES.read_text(encoding="utf-8"))["639-2"]
    dutch = gettext.translation("iso_639-2", "/usr/share/locale", languages=["nl"])
    rows = {}
    for entry in entries:
        names = (first(dutch.gettext(entry["name"])), first(entry["name"]))
        for code in (entry["alpha_3"], entry.get("bibliographic")):
            if code:
                rows[code] = names
    with open(OUT, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "name_nl", "name_en"])
        for code in sorted(rows):
            writer.writerow([code, *rows[code]])
    print(f"{len(rows)} codes -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
