"""What the import makes of every staged real record (src/clb/catalogue/data, SOURCES.md there,
which also holds the records tests take from pymarc's test set), pinned: the worker's mapping
(reading, describing, the stored MARCXML, its fingerprint, the holdings, the repairs and the
problems of damaged records) is made faster now and then, and must not change what it gives.

The expected values were written by the code before such a change (mapping_pinned.json.gz next
to this file): per file the number of entries and a digest over all of them, and per block of
500 entries a digest, so a difference is narrowed to a block; with a few entries in full, read
back for a readable failure. Write them again only when a change of the mapping is meant:

    PYTHONPATH=src .venv/bin/python -m tests.catalogue.test_mapping_pinned --write

Every tenth record is also mapped with copies added (852, 949 and 952), as the real files carry
none."""

import dataclasses
import gzip
import hashlib
import io
import json
import logging
import sys
from pathlib import Path

import pymarc

REAL = Path(__file__).resolve().parents[2] / "src" / "clb" / "catalogue" / "data"
EXPECTED = Path(__file__).resolve().parent / "mapping_pinned.json.gz"
BLOCK = 500
SHOWN = (1, 2, 3, 7, 100, 999, 1777)  # entries kept in full (those a file has)


def _files() -> list[Path]:
    return sorted(
        [*REAL.glob("*.mrc.gz"), *REAL.glob("*.xml"), *(REAL / "pymarc").glob("*.dat"),
         *(REAL / "pymarc").glob("*.mrc"), *(REAL / "pymarc").glob("*.xml")]
    )  # fmt: skip


def _with_copies(data: bytes) -> bytes:
    """Every tenth readable record of an ISO 2709 file, with a copy in each holdings field."""
    out = []
    quiet = logging.getLogger("pymarc")  # its repairs are the mapping's to report, not ours
    quiet.disabled = True
    try:
        records = list(
            pymarc.MARCReader(io.BytesIO(data), to_unicode=True, hide_utf8_warnings=True)
        )
    finally:
        quiet.disabled = False
    for n, record in enumerate(records):
        if record is None or n % 10:
            continue
        record.leader = str(record.leader)[:9] + "a" + str(record.leader)[10:]
        record.force_utf8 = True
        sub = pymarc.Subfield
        ind = pymarc.Indicators(" ", " ")
        record.add_ordered_field(
            pymarc.Field("852", ind, [sub("b", " hoofd "), sub("h", "R "), sub("i", "REVE"),
                                      sub("p", f"P{n:07d} "), sub("x", "boek")]),
            pymarc.Field("949", ind, [sub("i", f"U{n:07d}"), sub("h", "north"), sub("c", "PZ7")]),
            pymarc.Field("952", ind, [sub("p", f"K{n:07d}"), sub("a", "x"), sub("b", "y"),
                                      sub("o", " 823 "), sub("y", "BK"), sub("v", "12,50")]),
        )  # fmt: skip
        out.append(record.as_marc())
    return b"".join(out)


def _sources():
    from clb.catalogue import reading

    for path in _files():
        data = path.read_bytes()
        data = gzip.decompress(data) if path.suffix == ".gz" else data
        name = path.relative_to(REAL).as_posix()
        source = reading.source_from_bytes(data, path=name)
        yield name, source
        if source.format == "iso2709" and (copies := _with_copies(data)):
            yield f"{name} +copies", reading.source_from_bytes(copies, path=name)


def _plain(entry) -> dict:
    """Everything a mapped entry tells the importer, as JSON values."""
    desc = entry.desc
    return {
        "number": entry.number,
        "control_number": entry.control_number,
        "problem": list(entry.problem) if entry.problem else None,
        "desc": None if desc is None else {**dataclasses.asdict(desc), "match_key": desc.match_key},
        "raw": entry.raw,
        "fingerprint": entry.fingerprint,
        "holdings": [dataclasses.asdict(h) for h in entry.holdings],
        "repairs": [list(r) for r in entry.repairs],
        "row": entry.row,
    }


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def computed() -> dict:
    from clb.catalogue import mapping

    files = {}
    for name, source in _sources():
        entries = [json.dumps(_plain(mapping.map_entry(e)), sort_keys=True, ensure_ascii=False)
                   for e in source.entries()]  # fmt: skip
        files[name] = {
            "entries": len(entries),
            "digest": _digest("\n".join(entries)),
            "blocks": [
                _digest("\n".join(entries[i : i + BLOCK])) for i in range(0, len(entries), BLOCK)
            ],  # fmt: skip
            "shown": {str(n): json.loads(entries[n - 1]) for n in SHOWN if n <= len(entries)},
        }
    return files


def test_every_real_record_maps_as_pinned():
    expected = json.loads(gzip.decompress(EXPECTED.read_bytes()))
    found = computed()
    assert sorted(found) == sorted(expected)
    assert sum(f["entries"] for f in found.values()) > 18_000
    for name, want in expected.items():
        got = found[name]
        assert got["entries"] == want["entries"], name
        for number, entry in want["shown"].items():
            assert got["shown"][number] == entry, f"{name} entry {number}"
        differ = [
            i for i, (a, b) in enumerate(zip(got["blocks"], want["blocks"], strict=True)) if a != b
        ]
        assert not differ, f"{name}: entries {[i * BLOCK + 1 for i in differ]}+ differ"
        assert got["digest"] == want["digest"], name


def test_a_change_of_the_mapping_shows():
    """The digests see a single changed character of a stored record."""
    from clb.catalogue import mapping, reading

    source = reading.source_from_bytes((REAL / "pymarc" / "test.dat").read_bytes())
    entries = [_plain(mapping.map_entry(e)) for e in source.entries()]
    changed = [dict(e) for e in entries]
    changed[3]["raw"] = changed[3]["raw"].replace("<", " <", 1)
    dump = lambda es: _digest("\n".join(json.dumps(e, sort_keys=True) for e in es))  # noqa: E731
    assert dump(entries) != dump(changed)


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clb.settings")
    django.setup()
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.catalogue.test_mapping_pinned --write")
    files = computed()
    EXPECTED.write_bytes(gzip.compress(json.dumps(files, sort_keys=True).encode(), mtime=0))
    print(f"{sum(f['entries'] for f in files.values()):,} entries in {len(files)} files")
